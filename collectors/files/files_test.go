package files

import (
	"errors"
	"github.com/human2/hds/collectors"
	"os"
	"path/filepath"
	"testing"
)

func TestUpload(t *testing.T) {
	src := t.TempDir()
	os.MkdirAll(filepath.Join(src, "guide", "sub"), 0o755)
	os.WriteFile(filepath.Join(src, "guide", "a.md"), []byte("# A\n"), 0o644)
	os.WriteFile(filepath.Join(src, "guide", "sub", "b.py"), []byte("x = 1\n"), 0o644)
	os.WriteFile(filepath.Join(src, "guide", "logo.png"), []byte("\x89PNG\x00\x00\x01"), 0o644)
	root := collectors.TestRoot(t)
	res, err := Upload(root, []string{filepath.Join(src, "guide")}, "documentation", false)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Copied) != 2 || res.Skipped["binary"] != 1 {
		t.Fatalf("result %+v", res)
	}
	if b, _ := os.ReadFile(filepath.Join(root, "data/documentation/uploaded/guide/sub/b.py")); string(b) != "x = 1\n" {
		t.Fatalf("copy %q", b)
	}
	// Same again: unchanged. Changed source: refused without --force, nothing written.
	res, _ = Upload(root, []string{filepath.Join(src, "guide")}, "documentation", false)
	if len(res.Unchanged) != 2 || len(res.Copied) != 0 {
		t.Fatalf("re-upload %+v", res)
	}
	os.WriteFile(filepath.Join(src, "guide", "a.md"), []byte("# A, edited\n"), 0o644)
	os.WriteFile(filepath.Join(src, "guide", "c.md"), []byte("# C\n"), 0o644)
	if _, err := Upload(root, []string{filepath.Join(src, "guide")}, "documentation", false); !errors.Is(err, ErrConflict) {
		t.Fatalf("err = %v", err)
	}
	if _, err := os.Stat(filepath.Join(root, "data/documentation/uploaded/guide/c.md")); err == nil {
		t.Fatal("a refused upload wrote files")
	}
	if _, err := Upload(root, []string{filepath.Join(src, "guide")}, "documentation", true); err != nil {
		t.Fatal(err)
	}
	if _, err := Upload(root, []string{src}, "nowhere", false); err == nil {
		t.Fatal("bad target accepted")
	}
}
