package codecontests

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/human2/hds/collectors"
	"github.com/human2/hds/record"
)

// The published schema, as the Hugging Face Parquet files lay it out.
type pqTests struct {
	Input  []string `parquet:"input,list"`
	Output []string `parquet:"output,list"`
}

type pqSolutions struct {
	Language []int32  `parquet:"language,list"`
	Solution []string `parquet:"solution,list"`
}

type duration struct {
	Seconds int64 `parquet:"seconds"`
	Nanos   int32 `parquet:"nanos"`
}

type problem struct {
	Name               string      `parquet:"name"`
	Description        string      `parquet:"description"`
	PublicTests        pqTests     `parquet:"public_tests"`
	PrivateTests       pqTests     `parquet:"private_tests"`
	GeneratedTests     pqTests     `parquet:"generated_tests"`
	Source             int64       `parquet:"source"`
	Difficulty         int64       `parquet:"difficulty"`
	Solutions          pqSolutions `parquet:"solutions"`
	IncorrectSolutions pqSolutions `parquet:"incorrect_solutions"`
	CFContestID        int64       `parquet:"cf_contest_id"`
	CFIndex            string      `parquet:"cf_index"`
	CFPoints           float32     `parquet:"cf_points"`
	CFRating           int64       `parquet:"cf_rating"`
	CFTags             []string    `parquet:"cf_tags,list"`
	TimeLimit          duration    `parquet:"time_limit"`
	MemoryLimitBytes   int64       `parquet:"memory_limit_bytes"`
}

func writeParquet(t *testing.T, path string, rows []problem) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := parquet.Write(f, rows); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

func TestImport(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "valid-00000-of-00001.parquet")
	writeParquet(t, in, []problem{
		{Name: "1548_A. Web of Lies", Description: "There are n nobles, numbered from 1 to n.",
			PublicTests:    pqTests{Input: []string{"4 3\n2 1\n"}, Output: []string{"2\n"}},
			PrivateTests:   pqTests{Input: []string{"SECRET-PRIVATE-INPUT"}, Output: []string{"x"}},
			GeneratedTests: pqTests{Input: []string{"g1", "g2"}, Output: []string{"o1", "o2"}},
			Source:         2, Difficulty: 7,
			Solutions:          pqSolutions{Language: []int32{3, 2}, Solution: []string{"print(2)", "int main(){}"}},
			IncorrectSolutions: pqSolutions{Language: []int32{3}, Solution: []string{"print(3)"}},
			CFContestID:        1548, CFIndex: "A", CFRating: 1400, CFTags: []string{"brute force", "graphs"},
			TimeLimit: duration{Seconds: 2}, MemoryLimitBytes: 256 << 20},
		{Name: "broken", Description: ""},
	})
	root := t.TempDir()
	os.Mkdir(filepath.Join(root, ".hds"), 0o755)
	sum, err := collectors.Run(context.Background(), &Collector{Paths: []string{in}}, collectors.Options{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Added != 1 || len(sum.Errors) != 1 || !strings.Contains(sum.Errors[0], in+":2: missing name or description") {
		t.Fatalf("summary %+v", sum)
	}
	files, _ := filepath.Glob(filepath.Join(root, "data/raw/codecontests/*.jsonl"))
	var got *record.Raw
	for _, f := range files {
		b, _ := os.ReadFile(f)
		if strings.Contains(string(b), "SECRET-PRIVATE-INPUT") {
			t.Fatal("a private test was stored")
		}
		fh, _ := os.Open(f)
		record.Scan(fh, f, func(_ int, r *record.Raw) error { got = r; return nil }, nil)
		fh.Close()
	}
	if got == nil || got.Kind != record.KindProblem || !strings.Contains(got.Text, "## Example 1\n\nInput:\n```\n4 3\n2 1\n```") {
		t.Fatalf("record %+v", got)
	}
	m := got.Meta
	if m["source"] != "Codeforces" || m["cf_rating"].(float64) != 1400 || m["private_tests_count"].(float64) != 1 ||
		m["generated_tests_count"].(float64) != 2 || m["time_limit_seconds"].(float64) != 2 {
		t.Fatalf("meta %v", m)
	}
	sols := m["solutions"].([]any)
	if len(sols) != 2 || sols[0].(map[string]any)["language"] != "Python3" || sols[1].(map[string]any)["language"] != "C++" {
		t.Fatalf("solutions %v", sols)
	}
	if got.Provenance.URL != "https://codeforces.com/problemset/problem/1548/A" || got.Provenance.License != "CC-BY-4.0" {
		t.Fatalf("provenance %+v", got.Provenance)
	}
	// Corrupt file: a clear error naming it.
	os.WriteFile(in, []byte("PAR1 not really"), 0o644)
	_, err = collectors.Run(context.Background(), &Collector{Paths: []string{in}}, collectors.Options{Root: root})
	if err == nil || !strings.Contains(err.Error(), in+": not a readable Parquet file") {
		t.Fatalf("err = %v", err)
	}
}
