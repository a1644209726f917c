// Package codesearchnet imports the CodeSearchNet corpus from its official
// *.jsonl.gz files (one function per line: repo, path, func_name,
// original_string, language, code, code_tokens, docstring,
// docstring_tokens, sha, partition, url).
//
// Each function becomes a record of kind function: Code is the function
// with its docstring (original_string), Text the docstring, Meta the
// function name, repository, commit, partition and token counts. Records
// are sharded by input file (python_train_0, ...) and spread over
// ShardsPerFile shards. An input file whose size, modification time and
// SHA-256 match the last run is not read again. A malformed line is
// reported with file:line and skipped.
package codesearchnet

import (
	"bufio"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/human2/hds/collectors"
	"github.com/human2/hds/record"
)

// Version is recorded in every record's provenance.
const Version = "1"

// ShardsPerFile spreads one input file's functions over this many shards.
const ShardsPerFile = 8

// Collector imports CodeSearchNet files.
type Collector struct {
	Paths []string // *.jsonl.gz files, or directories searched for them
}

var _ collectors.Collector = (*Collector)(nil)

// Name implements collectors.Collector.
func (c *Collector) Name() string { return "codesearchnet" }

// Version implements collectors.Collector.
func (c *Collector) Version() string { return Version }

// line is one function as the corpus stores it.
type line struct {
	Repo            string   `json:"repo"`
	Path            string   `json:"path"`
	FuncName        string   `json:"func_name"`
	OriginalString  string   `json:"original_string"`
	Language        string   `json:"language"`
	Code            string   `json:"code"`
	CodeTokens      []string `json:"code_tokens"`
	Docstring       string   `json:"docstring"`
	DocstringTokens []string `json:"docstring_tokens"`
	Sha             string   `json:"sha"`
	Partition       string   `json:"partition"`
	URL             string   `json:"url"`
}

// stamp identifies an input file's content.
type stamp struct {
	Size   int64  `json:"size"`
	MTime  int64  `json:"mtime_ns"`
	SHA256 string `json:"sha256"`
}

// languages maps the corpus' language names to linguist's.
var languages = map[string]string{
	"python": "Python", "go": "Go", "java": "Java", "javascript": "JavaScript", "php": "PHP", "ruby": "Ruby",
}

// Collect implements collectors.Collector.
func (c *Collector) Collect(ctx context.Context, env *collectors.Env) error {
	files, err := c.files()
	if err != nil {
		return err
	}
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return err
		}
		if env.Full() {
			return nil
		}
		if err := c.importFile(ctx, env, f); err != nil {
			return err
		}
	}
	return nil
}

// files lists the input files, sorted.
func (c *Collector) files() ([]string, error) {
	var out []string
	for _, p := range c.Paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("codesearchnet: %w", err)
		}
		if !st.IsDir() {
			out = append(out, p)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && (strings.HasSuffix(path, ".jsonl.gz") || strings.HasSuffix(path, ".jsonl")) {
				out = append(out, path)
			}
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("codesearchnet: %w", err)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("codesearchnet: no *.jsonl.gz files found (download them from the CodeSearchNet release, e.g. python.zip, and unzip)")
	}
	sort.Strings(out)
	return out, nil
}

func fileStamp(path string) (stamp, error) {
	f, err := os.Open(path)
	if err != nil {
		return stamp{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return stamp{}, err
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return stamp{}, err
	}
	return stamp{Size: st.Size(), MTime: st.ModTime().UnixNano(), SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// base is the input's name without extensions: python_train_0.
func base(path string) string {
	b := filepath.Base(path)
	return strings.TrimSuffix(strings.TrimSuffix(b, ".gz"), ".jsonl")
}

func (c *Collector) importFile(ctx context.Context, env *collectors.Env, path string) error {
	st, err := fileStamp(path)
	if err != nil {
		return fmt.Errorf("codesearchnet: %w", err)
	}
	key := "file:" + base(path)
	var prev stamp
	if _, err := env.State(key, &prev); err != nil {
		return err
	}
	if prev.SHA256 == st.SHA256 {
		env.Skip("unchanged file")
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("codesearchnet: %w", err)
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(f)
		if err != nil {
			return fmt.Errorf("codesearchnet: %s: %w", path, err)
		}
		defer zr.Close()
		r = zr
	}
	complete, err := c.scan(ctx, env, path, r)
	if err != nil || !complete {
		return err
	}
	return env.SetState(key, st)
}

// scan emits the functions of one file; it reports false when it stopped
// early.
func (c *Collector) scan(ctx context.Context, env *collectors.Env, path string, r io.Reader) (bool, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<20), record.MaxLine)
	name := base(path)
	n := 0
	for sc.Scan() {
		n++
		if n%1024 == 0 && ctx.Err() != nil {
			return false, ctx.Err()
		}
		if env.Full() {
			return false, nil
		}
		if len(strings.TrimSpace(sc.Text())) == 0 {
			continue
		}
		var l line
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			env.Error(fmt.Errorf("codesearchnet: %s:%d: %v (line skipped)", path, n, err))
			continue
		}
		rec, why := toRecord(&l)
		if why != "" {
			env.Error(fmt.Errorf("codesearchnet: %s:%d: %s (line skipped)", path, n, why))
			continue
		}
		if err := env.Emit(collectors.ShardName(name)+"-"+collectors.ShardOf(rec.ID, ShardsPerFile), rec); err != nil {
			return false, err
		}
	}
	if err := sc.Err(); err != nil {
		return false, fmt.Errorf("codesearchnet: %s: after line %d: %w (the file is damaged; download it again)", path, n, err)
	}
	return true, nil
}

// toRecord converts one function, or says why it cannot.
func toRecord(l *line) (*record.Raw, string) {
	code := l.OriginalString
	if code == "" {
		code = l.Code
	}
	switch {
	case l.Repo == "" || l.Path == "" || l.FuncName == "":
		return nil, "missing repo, path or func_name"
	case code == "":
		return nil, "missing code"
	}
	lang := languages[strings.ToLower(l.Language)]
	if lang == "" {
		lang = l.Language
	}
	return &record.Raw{
		ID:       fmt.Sprintf("codesearchnet:%s:%s:%s", l.Repo, l.Path, l.FuncName),
		Kind:     record.KindFunction,
		Language: lang, Path: l.Path, Title: l.FuncName, Code: code, Text: l.Docstring,
		Meta: map[string]any{
			"repo": l.Repo, "func_name": l.FuncName, "sha": l.Sha, "partition": l.Partition,
			"code_tokens": len(l.CodeTokens), "docstring_tokens": len(l.DocstringTokens),
		},
		Provenance: record.Provenance{URL: l.URL},
	}, ""
}
