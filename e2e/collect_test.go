//go:build e2e

package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
