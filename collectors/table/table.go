// Package table imports exported tables — BigQuery exports as
// newline-delimited JSON (optionally gzip) or Parquet — as records of kind
// row, with a field mapping from columns to record fields.
//
// Map names the columns that become the record's id, code, text, language,
// path, title, url, license and author; every other column goes to Meta.
// BigQuery's exported nested lists ({"list": [{"item": x}]}, or "element"
// in Parquet's LIST layout) are flattened to plain arrays. Record ids are
// "<source>:<id column>", or a hash of the row when no id is mapped. A file
// whose size and modification time did not change is not read again; a
// row that cannot be converted is reported with file:row and skipped.
package table

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/human2/hds/collectors"
	"github.com/human2/hds/record"
)

// Version is recorded in every record's provenance.
const Version = "1"

// Fields a column can be mapped to.
var Fields = []string{"id", "code", "text", "language", "path", "title", "url", "license", "author"}

// Collector imports table files.
type Collector struct {
	Paths  []string
	Source string            // data/raw/<Source>/; "" is "bigquery"
	Map    map[string]string // record field -> column path ("repo.name" for nested)
	Kind   string            // record kind; "" is "row"
	Format string            // "jsonl" or "parquet"; "" chooses by extension
}

var _ collectors.Collector = (*Collector)(nil)

// Name implements collectors.Collector.
func (c *Collector) Name() string {
	if c.Source == "" {
		return "bigquery"
	}
	return c.Source
}

// Version implements collectors.Collector.
func (c *Collector) Version() string { return Version }

// ParseMap parses "id=repo_name,code=content" into a mapping.
func ParseMap(s string) (map[string]string, error) {
	m := map[string]string{}
	if strings.TrimSpace(s) == "" {
		return m, nil
	}
	for _, kv := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
		if !ok || v == "" || !known(k) {
			return nil, fmt.Errorf("table: bad mapping %q: want FIELD=COLUMN with FIELD one of %s", kv, strings.Join(Fields, ", "))
		}
		m[k] = v
	}
	return m, nil
}

func known(f string) bool {
	for _, k := range Fields {
		if k == f {
			return true
		}
	}
	return false
}

// Collect implements collectors.Collector.
func (c *Collector) Collect(ctx context.Context, env *collectors.Env) error {
	if c.Map["code"] == "" && c.Map["text"] == "" {
		return errors.New("table: map at least one column to code or text, e.g. --map id=repo_name,code=content")
	}
	for _, p := range c.Paths {
		if err := ctx.Err(); err != nil || env.Full() {
			return err
		}
		if err := c.importFile(ctx, env, p); err != nil {
			return err
		}
	}
	return nil
}

func (c *Collector) format(p string) string {
	if c.Format != "" {
		return c.Format
	}
	if strings.HasSuffix(p, ".parquet") {
		return "parquet"
	}
	return "jsonl"
}

func (c *Collector) importFile(ctx context.Context, env *collectors.Env, p string) error {
	key := "file:" + filepath.Base(p)
	s, same, err := env.FileUnchanged(key, p)
	if err != nil {
		return fmt.Errorf("table: %w", err)
	}
	if same {
		env.Skip("unchanged file")
		return nil
	}
	base := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(filepath.Base(p), ".gz"), ".jsonl"), ".parquet")
	base = strings.TrimSuffix(base, ".json")
	emit := func(n int, row map[string]any) error {
		rec, err := c.toRecord(flatten(row).(map[string]any))
		if err != nil {
			env.Error(fmt.Errorf("table: %s:%d: %v (row skipped)", p, n, err))
			return nil
		}
		if rec.Provenance.URL == "" {
			abs, _ := filepath.Abs(p)
			rec.Provenance.URL = fmt.Sprintf("file://%s#row=%d", abs, n)
		}
		return env.Emit(collectors.ShardName(base)+"-"+collectors.ShardOf(rec.ID, 8), rec)
	}
	var complete bool
	if c.format(p) == "parquet" {
		complete, err = readParquet(ctx, env, p, emit)
	} else {
		complete, err = readJSONL(ctx, env, p, emit)
	}
	if err != nil || !complete {
		return err
	}
	return env.SetState(key, s)
}

// flatten turns BigQuery's {"list":[{"item":x}]} (and Parquet's
// {"list":[{"element":x}]}) into [x], recursively.
func flatten(v any) any {
	switch t := v.(type) {
	case map[string]any:
		if l, ok := t["list"].([]any); ok && len(t) == 1 {
			out := make([]any, len(l))
			for i, e := range l {
				if m, ok := e.(map[string]any); ok && len(m) == 1 {
					for _, k := range []string{"item", "element"} {
						if x, ok := m[k]; ok {
							e = x
						}
					}
				}
				out[i] = flatten(e)
			}
			return out
		}
		for k, x := range t {
			t[k] = flatten(x)
		}
		return t
	case []any:
		for i, x := range t {
			t[i] = flatten(x)
		}
	}
	return v
}

// lookup finds a dotted column path in a row.
func lookup(row map[string]any, path string) (any, bool) {
	var cur any = row
	for _, part := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[part]; !ok {
			return nil, false
		}
	}
	return cur, true
}

func str(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return t
	case []byte:
		return string(t)
	case time.Time:
		return t.UTC().Format(time.RFC3339Nano)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// toRecord maps a row to a record; unmapped top-level columns go to Meta.
func (c *Collector) toRecord(row map[string]any) (*record.Raw, error) {
	get := func(field string) string {
		col := c.Map[field]
		if col == "" {
			return ""
		}
		v, _ := lookup(row, col)
		return str(v)
	}
	rec := &record.Raw{Kind: c.Kind, Code: get("code"), Text: get("text"), Language: get("language"), Path: get("path"), Title: get("title"),
		Provenance: record.Provenance{URL: get("url"), License: get("license"), Author: get("author")}}
	if rec.Kind == "" {
		rec.Kind = record.KindRow
	}
	if rec.Code == "" && rec.Text == "" {
		return nil, fmt.Errorf("empty %s", strings.Join(nonEmpty(c.Map["code"], c.Map["text"]), " and "))
	}
	id := get("id")
	if c.Map["id"] != "" && id == "" {
		return nil, fmt.Errorf("empty id column %q", c.Map["id"])
	}
	if id == "" {
		b, _ := json.Marshal(row) // map keys sorted: a stable hash of the row
		h := sha256.Sum256(b)
		id = hex.EncodeToString(h[:12])
	}
	rec.ID = c.Name() + ":" + id
	mapped := map[string]bool{}
	for _, col := range c.Map {
		mapped[strings.Split(col, ".")[0]] = true
	}
	keys := make([]string, 0, len(row))
	for k := range row {
		if !mapped[k] {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	if len(keys) > 0 {
		rec.Meta = map[string]any{}
		for _, k := range keys {
			rec.Meta[k] = jsonable(row[k])
		}
	}
	return rec, nil
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// jsonable converts Parquet values JSON cannot carry as they are.
func jsonable(v any) any {
	switch t := v.(type) {
	case []byte:
		return string(t)
	case time.Time:
		return t.UTC().Format(time.RFC3339Nano)
	case map[string]any:
		for k, x := range t {
			t[k] = jsonable(x)
		}
	case []any:
		for i, x := range t {
			t[i] = jsonable(x)
		}
	}
	return v
}
