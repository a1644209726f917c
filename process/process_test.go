package process

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/human2/hds/process/embed"
	"github.com/human2/hds/record"
	"github.com/human2/hds/schema"
)

// countingEmbedder wraps the hashing embedder and counts texts embedded.
type countingEmbedder struct {
	embed.Embedder
	n atomic.Int64
}

func (c *countingEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	c.n.Add(int64(len(texts)))
	return c.Embedder.Embed(ctx, texts)
}

func newRoot(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	os.Mkdir(filepath.Join(root, ".hds"), 0o755)
	return root
}

// writeRaw writes records (and extra raw lines) as a raw shard.
func writeRaw(t *testing.T, root, source, shard string, recs []record.Raw, extra ...string) {
	t.Helper()
	dir := filepath.Join(root, RawDir, source)
	os.MkdirAll(dir, 0o755)
	var sb strings.Builder
	for _, r := range recs {
		if r.Source == "" {
			r.Source = source
		}
		b, _ := json.Marshal(r)
		sb.Write(b)
		sb.WriteByte('\n')
	}
	for _, l := range extra {
		sb.WriteString(l + "\n")
	}
	if err := os.WriteFile(filepath.Join(dir, shard+".jsonl"), []byte(sb.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

const helpers = `import json


def load_config(path: str) -> dict:
    """Load a JSON configuration file and return it as a dict."""
    with open(path) as f:
        return json.load(f)


def main():
    cfg = load_config("a.json")
    other = load_config("b.json")
    return cfg, other
`

const user = `from helpers import load_config


class Service:
    """Serve requests with a configuration."""

    def start(self):
        self.cfg = load_config("service.json")
        if not self.cfg:
            raise ValueError("empty config")
`

func fixture(t *testing.T, root string) {
	t.Helper()
	writeRaw(t, root, "git", "repo-a", []record.Raw{
		{ID: "git:a:helpers.py", Kind: "file", Language: "Python", Path: "helpers.py", Code: helpers},
		{ID: "git:a:copy.py", Kind: "file", Language: "Python", Path: "copy.py", Code: strings.ReplaceAll(helpers, "    ", "\t")},
		{ID: "git:a:latin.py", Kind: "file", Language: "Python", Path: "latin.py", Code: "x = '\xe9'\n"},
		{ID: "git:a:broken.py", Kind: "file", Language: "Python", Path: "broken.py", Code: "def (:\n"},
	}, `{"id": "git:a:truncated.py", "code": "de`)
	writeRaw(t, root, "git", "repo-b", []record.Raw{
		{ID: "git:b:service.py", Kind: "file", Language: "Python", Path: "service.py", Code: user},
	})
	long := prose(2000)
	writeRaw(t, root, "docs", "py-library", []record.Raw{
		{ID: "docs:py:library/json.html#json", Kind: "doc", Path: "library/json.html", Title: "json", Language: "en",
			Text: "# json\n\nEncode and decode JSON. Contact admin@corp-mail.io for help.", Meta: map[string]any{"site": "py", "order": 0}},
		{ID: "docs:py:library/json.html#usage", Kind: "doc", Path: "library/json.html", Title: "Usage", Language: "en",
			Text: "## Usage\n\n" + long, Meta: map[string]any{"site": "py", "order": 1}},
	})
}

// prose returns n words of varied text drawn by a seeded generator.
func prose(n int) string {
	words := strings.Fields(`the encoder decoder object string number array value key default option
		returns raises when with without unless mapping sequence python json file stream indent sort separators
		allow nan check circular ensure ascii skip keys hook pairs float int parse constant strict`)
	rng := rand.New(rand.NewPCG(1, 2))
	var sb strings.Builder
	for i := range n {
		sb.WriteString(words[rng.IntN(len(words))])
		if i%12 == 11 {
			sb.WriteString(".\n")
		} else {
			sb.WriteString(" ")
		}
	}
	return sb.String()
}

func runProcess(t *testing.T, root string, emb embed.Embedder) *Report {
	t.Helper()
	rep, err := Run(context.Background(), root, Options{Config: DefaultConfig(), Embedder: emb, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// outputs returns every output file's content by relative path.
func outputs(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, dir := range []string{PatternsDir, NLPDir, DocumentationDir, ExamplesDir, "data/reports"} {
		filepath.WalkDir(filepath.Join(root, dir), func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				b, _ := os.ReadFile(p)
				rel, _ := filepath.Rel(root, p)
				out[filepath.ToSlash(rel)] = string(b)
			}
			return nil
		})
	}
	return out
}

func patterns(t *testing.T, root string) map[string]Pattern {
	t.Helper()
	out := map[string]Pattern{}
	files, _ := filepath.Glob(filepath.Join(root, PatternsDir, "*", "*.jsonl"))
	for _, f := range files {
		b, _ := os.ReadFile(f)
		for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			var p Pattern
			if err := json.Unmarshal([]byte(l), &p); err != nil {
				t.Fatal(err)
			}
			out[p.Metadata.RecordID+":"+p.Metadata.QualName] = p
		}
	}
	return out
}

func TestPipeline(t *testing.T) {
	root := newRoot(t)
	fixture(t, root)
	rep := runProcess(t, root, nil)
	ps := patterns(t, root)

	// Exact duplicate (re-indented copy) dropped in favour of the smaller id.
	if rep.Dedup.CodeExact != 2 {
		t.Errorf("code exact duplicates %d, want 2 (the copy's load_config and main)", rep.Dedup.CodeExact)
	}
	lc, ok := ps["git:a:helpers.py:load_config"]
	if !ok {
		lc, ok = ps["git:a:copy.py:load_config"]
	}
	if !ok {
		t.Fatalf("load_config missing: %v", keys(ps))
	}
	// usage_count: call sites across the corpus: two in helpers.py, two in
	// its copy, one in service.py.
	if lc.Metadata.UsageCount != 5 || lc.Metadata.Complexity != 1 || lc.Description != "Load a JSON configuration file and return it as a dict." {
		t.Errorf("load_config %+v", lc.Metadata)
	}
	if strings.Join(lc.Tags, ",") != "python,function,import:json,typed" {
		t.Errorf("tags %v", lc.Tags)
	}
	if s := ps["git:b:service.py:Service.start"]; s.Metadata.Kind != "method" || s.Metadata.Complexity != 2 {
		t.Errorf("Service.start %+v", s.Metadata)
	}
	// Bad input is counted and named, not fatal.
	if rep.Input.BadLines != 1 {
		t.Errorf("bad lines %d", rep.Input.BadLines)
	}
	var where []string
	for _, s := range rep.Skipped {
		where = append(where, s.Where+" => "+s.Reason)
	}
	all := strings.Join(where, "\n")
	for _, want := range []string{"data/raw/git/repo-a.jsonl:5 => malformed JSONL", "git:a:latin.py => code: invalid UTF-8", "git:a:broken.py => code: unparsable Python"} {
		if !strings.Contains(all, want) {
			t.Errorf("skipped list lacks %q:\n%s", want, all)
		}
	}
	// Redaction and documentation pages.
	out := outputs(t, root)
	page := out["data/documentation/py/library/json.md"]
	if !strings.HasPrefix(page, "# json\n") || !strings.Contains(page, "## Usage") || !strings.Contains(page, "<EMAIL>") {
		t.Errorf("documentation page:\n%.300s", page)
	}
	if rep.Redacted["EMAIL"] != 1 {
		t.Errorf("redacted %v", rep.Redacted)
	}
	// The best documented units became examples, with their provenance.
	var ex []string
	for p, body := range out {
		if strings.HasPrefix(p, ExamplesDir+"/python/load_config-") {
			ex = append(ex, body)
		}
	}
	if len(ex) != 1 || !strings.HasPrefix(ex[0], "# Load a JSON configuration file and return it as a dict.\n# source: git:a:") {
		t.Errorf("examples %q", ex)
	}
	// The long section was cut into several token-bounded pieces.
	if rep.Output.Texts < 3 {
		t.Errorf("%d NLP records, want the long section in pieces", rep.Output.Texts)
	}
	// Everything written validates.
	for p, body := range out {
		if name := schema.For(p); name != "" {
			vs, n, err := schema.ValidateJSONL(strings.NewReader(body), p, name)
			if err != nil || len(vs) > 0 || n == 0 {
				t.Errorf("%s: %d records, violations %v, %v", p, n, vs, err)
			}
		}
	}
}

func keys[V any](m map[string]V) []string {
	var s []string
	for k := range m {
		s = append(s, k)
	}
	sort.Strings(s)
	return s
}

func TestDeterministicAndReusesEmbeddings(t *testing.T) {
	root := newRoot(t)
	fixture(t, root)
	emb := &countingEmbedder{Embedder: embed.NewHashing(64)}
	runProcess(t, root, emb)
	first := outputs(t, root)
	computed := emb.n.Load()
	if computed == 0 {
		t.Fatal("nothing embedded")
	}
	rep := runProcess(t, root, emb)
	if emb.n.Load() != computed || rep.Embed.Reused != int(computed) {
		t.Fatalf("second run embedded %d more, reused %d", emb.n.Load()-computed, rep.Embed.Reused)
	}
	second := outputs(t, root)
	for p, body := range first {
		if p != ReportFile && second[p] != body {
			t.Errorf("%s differs between runs", p)
		}
	}
	if rep.Output.Files != 0 {
		t.Errorf("%d files rewritten by an unchanged re-run", rep.Output.Files)
	}
	// A fresh repository with the same raw data gives identical bytes.
	other := newRoot(t)
	fixture(t, other)
	runProcess(t, other, embed.NewHashing(64))
	for p, body := range outputs(t, other) {
		if p != ReportFile && first[p] != body {
			t.Errorf("%s differs in a fresh run", p)
		}
	}
}

func TestGrowthKeepsSplitsAndTouchesOnlyNewShards(t *testing.T) {
	root := newRoot(t)
	fixture(t, root)
	runProcess(t, root, nil)
	before := outputs(t, root)
	splits := map[string]string{}
	for id, p := range patterns(t, root) {
		splits[id] = p.Split
	}
	writeRaw(t, root, "docs", "py-tutorial", []record.Raw{
		{ID: "docs:py:tutorial/intro.html#intro", Kind: "doc", Path: "tutorial/intro.html", Title: "Intro", Language: "en",
			Text: "# Intro\n\nPython is an easy to learn, powerful programming language.", Meta: map[string]any{"site": "py"}},
	})
	rep := runProcess(t, root, nil)
	after := outputs(t, root)
	for p, body := range before {
		if p != ReportFile && after[p] != body {
			t.Errorf("%s changed when an unrelated shard was added", p)
		}
	}
	if _, ok := after["data/nlp_training/docs/py-tutorial.jsonl"]; !ok || rep.Output.Files != 2 {
		t.Errorf("new shard not written (files written %d)", rep.Output.Files)
	}
	for id, p := range patterns(t, root) {
		if s, ok := splits[id]; ok && s != p.Split {
			t.Errorf("%s moved from %s to %s", id, s, p.Split)
		}
	}
	// Uploaded files are not processing's to remove.
	up := filepath.Join(root, DocumentationDir, "uploaded", "notes.md")
	os.MkdirAll(filepath.Dir(up), 0o755)
	os.WriteFile(up, []byte("# notes\n"), 0o644)
	// Removing a raw shard removes its outputs.
	os.Remove(filepath.Join(root, RawDir, "docs", "py-tutorial.jsonl"))
	rep = runProcess(t, root, nil)
	if _, ok := outputs(t, root)["data/nlp_training/docs/py-tutorial.jsonl"]; ok || rep.Output.Removed != 2 {
		t.Errorf("stale outputs kept (removed %d)", rep.Output.Removed)
	}
	if _, err := os.Stat(up); err != nil {
		t.Errorf("uploaded file removed: %v", err)
	}
}

func TestSplitRatios(t *testing.T) {
	s := DefaultConfig().Splits
	n := map[string]int{}
	for i := range 20000 {
		n[AssignSplit(fmt.Sprint("id-", i), s)]++
	}
	if n["train"] < 17700 || n["train"] > 18300 || n["validation"] < 850 || n["test"] < 850 {
		t.Fatalf("split counts %v", n)
	}
}

func TestConfig(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, ConfigFile)
	os.WriteFile(p, []byte(DefaultConfigYAML), 0o644)
	c, err := LoadConfig(p)
	if err != nil || c.Tokens.Max != 512 || c.Dedup.Threshold != 0.7 {
		t.Fatalf("defaults file: %+v %v", c, err)
	}
	os.WriteFile(p, []byte("process:\n  splitz: {train: 1}\n"), 0o644)
	if _, err := LoadConfig(p); err == nil || !strings.Contains(err.Error(), "splitz") {
		t.Fatalf("unknown key: %v", err)
	}
	os.WriteFile(p, []byte("process:\n  splits: {train: 0.5, validation: 0.1, test: 0.1}\n"), 0o644)
	if _, err := LoadConfig(p); err == nil || !strings.Contains(err.Error(), "sum to 1") {
		t.Fatalf("bad ratios: %v", err)
	}
}

func BenchmarkPipeline(b *testing.B) {
	root := b.TempDir()
	os.Mkdir(filepath.Join(root, ".hds"), 0o755)
	var recs []record.Raw
	size := 0
	for i := range 400 {
		code := strings.ReplaceAll(helpers+user, "load_config", fmt.Sprintf("load_config_%d", i))
		code = strings.ReplaceAll(code, "Service", fmt.Sprintf("Service%d", i))
		recs = append(recs, record.Raw{ID: fmt.Sprintf("git:x:f%d.py", i), Source: "git", Kind: "file", Language: "Python", Path: "f.py", Code: code})
		size += len(code)
	}
	t := &testing.T{}
	writeRaw(t, root, "git", "bench", recs)
	b.SetBytes(int64(size))
	for b.Loop() {
		if _, err := Run(context.Background(), root, Options{Config: DefaultConfig()}); err != nil {
			b.Fatal(err)
		}
	}
}
