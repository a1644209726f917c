package collectors

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/human2/hds/record"
)

// TestRoot returns a temporary dataset root (with its .hds directory,
// where runs stage records) for collector tests.
func TestRoot(tb testing.TB) string {
	tb.Helper()
	root := tb.TempDir()
	if err := os.Mkdir(filepath.Join(root, ".hds"), 0o755); err != nil {
		tb.Fatal(err)
	}
	return root
}

// TestRecords reads every record a source has stored under root, by id.
func TestRecords(tb testing.TB, root, source string) map[string]*record.Raw {
	tb.Helper()
	out := map[string]*record.Raw{}
	files, _ := filepath.Glob(filepath.Join(root, "data", "raw", source, "*.jsonl"))
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			tb.Fatal(err)
		}
		err = record.Scan(fh, f, func(_ int, r *record.Raw) error { out[r.ID] = r; return nil }, nil)
		fh.Close()
		if err != nil {
			tb.Fatal(err)
		}
	}
	return out
}
