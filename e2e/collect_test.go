//go:build e2e

package e2e

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/human2/hds/record"
)

// pythonDocs is Debian's python3-doc, installed by .ci/run.
const pythonDocs = "/usr/share/doc/python3/html"

// TestCollectPythonDocsAndCommit collects the Python documentation, commits
// it, and checks that collecting again changes nothing.
func TestCollectPythonDocsAndCommit(t *testing.T) {
	hdsBin(t)
	if _, err := os.Stat(filepath.Join(pythonDocs, "library", "json.html")); err != nil {
		t.Skipf("%s not installed (apt-get install python3-doc): %v", pythonDocs, err)
	}
	dir := t.TempDir()
	mustRun(t, dir, "init", ".")
	var sum struct {
		Added  int      `json:"added"`
		Errors []string `json:"errors"`
	}
	out := mustRun(t, dir, "collect", "docs", pythonDocs, "--license", "PSF-2.0", "--json", "-q")
	if err := json.Unmarshal([]byte(out), &sum); err != nil {
		t.Fatalf("summary %q: %v", out, err)
	}
	if sum.Added < 3000 || len(sum.Errors) > 0 {
		t.Fatalf("collected %d sections (want > 3000), errors %v", sum.Added, sum.Errors)
	}
	if st := mustRun(t, dir, "status"); !strings.Contains(st, "data/raw/docs/") {
		t.Fatalf("hds status after collect: %s", st)
	}
	mustRun(t, dir, "commit", "-m", "python docs")
	mustRun(t, dir, "fsck", "--read-data")
	// The json module's page is there, as Markdown with its code blocks.
	shards, _ := filepath.Glob(filepath.Join(dir, "data/raw/docs/*library*.jsonl"))
	found := false
	for _, s := range shards {
		b, _ := os.ReadFile(s)
		if strings.Contains(string(b), `library/json.html#basic-usage"`) {
			found = strings.Contains(string(b), "```")
		}
	}
	if !found {
		t.Fatal("library/json.html#basic-usage missing or without code blocks")
	}
	// Collecting again reads nothing and changes nothing.
	mustRun(t, dir, "collect", "docs", pythonDocs, "--license", "PSF-2.0", "-q")
	if st := mustRun(t, dir, "status"); !strings.Contains(st, "nothing to commit") && !strings.Contains(st, "clean") {
		t.Fatalf("status after re-collect: %s", st)
	}
}

// TestCollectInterruptKeepsCompleteRecords sends SIGINT to a running
// import: the records read so far are stored whole, the cursor does not
// claim the file, and the next run completes it without duplicates.
func TestCollectInterruptKeepsCompleteRecords(t *testing.T) {
	hdsBin(t)
	dir := t.TempDir()
	mustRun(t, dir, "init", ".")
	in := filepath.Join(t.TempDir(), "python_train_0.jsonl.gz")
	const n = 300000
	writeCSN(t, in, n)
	cmd := exec.Command(hdsBin(t), "collect", "codesearchnet", in, "--json", "-q")
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout = &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(700 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 130 {
		t.Skipf("import finished before the interrupt (err %v); machine too fast for this test", err)
	}
	var sum struct {
		Added       int  `json:"added"`
		Interrupted bool `json:"interrupted"`
	}
	if err := json.Unmarshal(out.Bytes(), &sum); err != nil || !sum.Interrupted || sum.Added == 0 || sum.Added >= n {
		t.Fatalf("summary %q (%v)", out.String(), err)
	}
	// Every stored line is a whole record.
	shards, _ := filepath.Glob(filepath.Join(dir, "data/raw/codesearchnet/*.jsonl"))
	stored := 0
	for _, s := range shards {
		f, _ := os.Open(s)
		err := record.Scan(f, s, func(int, *record.Raw) error { stored++; return nil }, nil)
		f.Close()
		if err != nil {
			t.Fatalf("damaged shard after the interrupt: %v", err)
		}
	}
	if stored != sum.Added {
		t.Fatalf("%d records stored, summary says %d", stored, sum.Added)
	}
	// The next run completes the file.
	mustRun(t, dir, "collect", "codesearchnet", in, "-q")
	stored = 0
	shards, _ = filepath.Glob(filepath.Join(dir, "data/raw/codesearchnet/*.jsonl"))
	for _, s := range shards {
		f, _ := os.Open(s)
		record.Scan(f, s, func(int, *record.Raw) error { stored++; return nil }, nil)
		f.Close()
	}
	if stored != n {
		t.Fatalf("%d records after resuming, want %d", stored, n)
	}
}

// writeCSN writes n CodeSearchNet-shaped functions.
func writeCSN(t *testing.T, path string, n int) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := gzip.NewWriter(f)
	enc := json.NewEncoder(zw)
	for i := range n {
		code := fmt.Sprintf("def f%d(x):\n    \"\"\"Add %d.\"\"\"\n    return x + %d\n", i, i, i)
		enc.Encode(map[string]any{"repo": "o/r", "path": "m.py", "func_name": fmt.Sprint("f", i), "original_string": code,
			"language": "python", "code": code, "docstring": fmt.Sprintf("Add %d.", i), "partition": "train",
			"url": fmt.Sprintf("https://github.com/o/r/blob/x/m.py#L%d-L%d", i, i+2)})
	}
	zw.Close()
	f.Close()
}
