// Package codecontests imports DeepMind's CodeContests from its published
// Parquet files (the Hugging Face mirror's schema: name, description,
// public/private/generated tests {input, output}, source, difficulty,
// solutions and incorrect_solutions {language, solution}, cf_* fields,
// time_limit, memory_limit_bytes).
//
// Each problem becomes a record of kind problem: Text is the statement
// with its public examples, Meta the public tests, correct solutions (with
// language names), difficulty, source and Codeforces fields. Private and
// generated tests are for evaluation only and must never reach model
// input: only their counts are kept. Licenses: CC BY 4.0 for the text
// (record license), Apache 2.0 for the code (Meta code_license).
package codecontests

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/human2/hds/collectors"
	"github.com/human2/hds/collectors/table"
	"github.com/human2/hds/record"
)

// Version is recorded in every record's provenance.
const Version = "1"

// Collector imports CodeContests Parquet files.
type Collector struct {
	Paths []string
}

var _ collectors.Collector = (*Collector)(nil)

// Name implements collectors.Collector.
func (c *Collector) Name() string { return "codecontests" }

// Version implements collectors.Collector.
func (c *Collector) Version() string { return Version }

// Languages of solutions, by the dataset's enum.
var Languages = map[int64]string{0: "unknown", 1: "Python2", 2: "C++", 3: "Python3", 4: "Java"}

// Sources of problems, by the dataset's enum.
var Sources = map[int64]string{0: "unknown", 1: "CodeChef", 2: "Codeforces", 3: "HackerEarth", 4: "CodeJam", 5: "AtCoder", 6: "Aizu"}

// Collect implements collectors.Collector.
func (c *Collector) Collect(ctx context.Context, env *collectors.Env) error {
	for _, p := range c.Paths {
		key := "file:" + filepath.Base(p)
		s, same, err := env.FileUnchanged(key, p)
		if err != nil {
			return fmt.Errorf("codecontests: %w", err)
		}
		if same {
			env.Skip("unchanged file")
			continue
		}
		shard := collectors.ShardName(strings.TrimSuffix(filepath.Base(p), ".parquet"))
		complete, err := table.ReadParquet(ctx, p, func(n int, row map[string]any) (bool, error) {
			if env.Full() {
				return false, nil
			}
			rec, err := toRecord(row)
			if err != nil {
				env.Error(fmt.Errorf("codecontests: %s:%d: %v (row skipped)", p, n, err))
				return true, nil
			}
			return true, env.Emit(shard+"-"+collectors.ShardOf(rec.ID, 8), rec)
		})
		if err != nil || !complete {
			return err
		}
		if err := env.SetState(key, s); err != nil {
			return err
		}
	}
	return nil
}

func strs(v any) []string {
	l, _ := v.([]any)
	out := make([]string, 0, len(l))
	for _, x := range l {
		switch t := x.(type) {
		case string:
			out = append(out, t)
		case []byte:
			out = append(out, string(t))
		}
	}
	return out
}

func ints(v any) []int64 {
	l, _ := v.([]any)
	out := make([]int64, 0, len(l))
	for _, x := range l {
		out = append(out, toInt(x))
	}
	return out
}

func toInt(x any) int64 {
	switch t := x.(type) {
	case int32:
		return int64(t)
	case int64:
		return t
	case int:
		return int64(t)
	case float64:
		return int64(t)
	}
	return 0
}

func group(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

type test struct {
	Input  string `json:"input"`
	Output string `json:"output"`
}

func tests(v any) []test {
	g := group(v)
	in, out := strs(g["input"]), strs(g["output"])
	ts := make([]test, 0, len(in))
	for i := range min(len(in), len(out)) {
		ts = append(ts, test{in[i], out[i]})
	}
	return ts
}

type solution struct {
	Language string `json:"language"`
	Code     string `json:"code"`
}

func solutions(v any) []solution {
	g := group(v)
	langs, codes := ints(g["language"]), strs(g["solution"])
	out := make([]solution, 0, len(codes))
	for i := range min(len(langs), len(codes)) {
		out = append(out, solution{Languages[langs[i]], codes[i]})
	}
	return out
}

func toRecord(row map[string]any) (*record.Raw, error) {
	name, _ := row["name"].(string)
	desc, _ := row["description"].(string)
	if name == "" || strings.TrimSpace(desc) == "" {
		return nil, fmt.Errorf("missing name or description")
	}
	public := tests(row["public_tests"])
	var sb strings.Builder
	sb.WriteString("# " + name + "\n\n" + strings.TrimSpace(desc) + "\n")
	for i, t := range public {
		fmt.Fprintf(&sb, "\n## Example %d\n\nInput:\n```\n%s\n```\nOutput:\n```\n%s\n```\n", i+1, strings.TrimRight(t.Input, "\n"), strings.TrimRight(t.Output, "\n"))
	}
	source := Sources[toInt(row["source"])]
	meta := map[string]any{
		"name": name, "source": source, "difficulty": toInt(row["difficulty"]),
		"public_tests": public, "solutions": solutions(row["solutions"]),
		"private_tests_count":       len(tests(row["private_tests"])),
		"generated_tests_count":     len(tests(row["generated_tests"])),
		"incorrect_solutions_count": len(solutions(row["incorrect_solutions"])),
		"cf_contest_id":             toInt(row["cf_contest_id"]), "cf_index": row["cf_index"], "cf_rating": toInt(row["cf_rating"]),
		"cf_tags": strs(row["cf_tags"]), "memory_limit_bytes": toInt(row["memory_limit_bytes"]),
		"code_license": "Apache-2.0",
	}
	if tl := group(row["time_limit"]); tl != nil {
		meta["time_limit_seconds"] = float64(toInt(tl["seconds"])) + float64(toInt(tl["nanos"]))/1e9
	}
	url := ""
	if source == "Codeforces" && toInt(row["cf_contest_id"]) > 0 {
		url = fmt.Sprintf("https://codeforces.com/problemset/problem/%d/%v", toInt(row["cf_contest_id"]), row["cf_index"])
	}
	return &record.Raw{
		ID: "codecontests:" + name, Kind: record.KindProblem, Language: "en", Title: name, Text: sb.String(), Meta: meta,
		Provenance: record.Provenance{URL: url, License: "CC-BY-4.0"},
	}, nil
}
