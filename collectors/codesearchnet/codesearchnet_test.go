package codesearchnet

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/human2/hds/collectors"
	"github.com/human2/hds/record"
)

// writeCSN writes n functions in the corpus' format, with extra raw lines.
func writeCSN(t *testing.T, path string, n int, extra ...string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := gzip.NewWriter(f)
	enc := json.NewEncoder(zw)
	for i := range n {
		code := fmt.Sprintf("def f%d(x):\n    \"\"\"Return x plus %d.\"\"\"\n    return x + %d\n", i, i, i)
		enc.Encode(map[string]any{
			"repo": "psf/requests", "path": "requests/api.py", "func_name": fmt.Sprintf("f%d", i),
			"original_string": code, "language": "python", "code": code,
			"code_tokens": []string{"def", "f", "(", "x", ")"}, "docstring": fmt.Sprintf("Return x plus %d.", i),
			"docstring_tokens": []string{"Return", "x", "plus"}, "sha": "abc123", "partition": "train",
			"url": fmt.Sprintf("https://github.com/psf/requests/blob/abc123/requests/api.py#L%d-L%d", i, i+2),
		})
	}
	for _, l := range extra {
		fmt.Fprintln(zw, l)
	}
	zw.Close()
	f.Close()
}

func run(t *testing.T, root string, paths ...string) (*collectors.Summary, error) {
	t.Helper()
	return collectors.Run(context.Background(), &Collector{Paths: paths}, collectors.Options{Root: root})
}

func TestImport(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "python_train_0.jsonl.gz")
	writeCSN(t, in, 50, `{"repo": "x", truncated`, `{"repo":"a","path":"b","func_name":"c"}`)
	root := collectors.TestRoot(t)
	sum, err := run(t, root, dir)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Added != 50 || len(sum.Errors) != 2 {
		t.Fatalf("summary %+v", sum)
	}
	if !strings.Contains(sum.Errors[0], in+":51:") || !strings.Contains(sum.Errors[1], in+":52: missing code") {
		t.Fatalf("errors do not name file:line: %v", sum.Errors)
	}
	shards, _ := filepath.Glob(filepath.Join(root, "data/raw/codesearchnet/python_train_0-part-*.jsonl"))
	var got *record.Raw
	for _, s := range shards {
		f, _ := os.Open(s)
		record.Scan(f, s, func(_ int, r *record.Raw) error {
			if r.ID == "codesearchnet:psf/requests:requests/api.py:f7" {
				got = r
			}
			return nil
		}, nil)
		f.Close()
	}
	if got == nil || got.Kind != record.KindFunction || got.Language != "Python" || got.Text != "Return x plus 7." ||
		!strings.HasSuffix(got.Provenance.URL, "#L7-L9") || got.Meta["partition"] != "train" {
		t.Fatalf("record %+v", got)
	}
	// Unchanged input: skipped without reading.
	sum, err = run(t, root, in)
	if err != nil || sum.Emitted != 0 || sum.Skipped["unchanged file"] != 1 {
		t.Fatalf("re-run %+v, %v", sum, err)
	}
}

func TestTruncatedGzipKeepsWhatWasReadAndNamesTheFile(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "go_test_0.jsonl.gz")
	writeCSN(t, in, 2000)
	b, _ := os.ReadFile(in)
	os.WriteFile(in, b[:len(b)*2/3], 0o644)
	root := collectors.TestRoot(t)
	sum, err := run(t, root, in)
	if err == nil || !strings.Contains(err.Error(), in) || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("err = %v", err)
	}
	if sum.Added == 0 {
		t.Fatal("records read before the damage were thrown away")
	}
	// The cursor was not advanced: once the file is whole, it is imported.
	writeCSN(t, in, 2000)
	sum, err = run(t, root, in)
	if err != nil || sum.Added+sum.Unchanged != 2000 {
		t.Fatalf("after repair %+v, %v", sum, err)
	}
}

func TestNoFiles(t *testing.T) {
	if _, err := run(t, collectors.TestRoot(t), t.TempDir()); err == nil || !strings.Contains(err.Error(), "no *.jsonl.gz") {
		t.Fatalf("err = %v", err)
	}
}
