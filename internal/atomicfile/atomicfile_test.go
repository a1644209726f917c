package atomicfile

import (
	"os"
	"path/filepath"
	"testing"
)

func TestWriteReplacesAndLeavesNoTemp(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f")
	for _, content := range []string{"one", "two"} {
		if err := Write(p, []byte(content)); err != nil {
			t.Fatal(err)
		}
		if b, _ := os.ReadFile(p); string(b) != content {
			t.Fatalf("content %q, want %q", b, content)
		}
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Fatalf("directory holds %d entries, want only the file", len(ents))
	}
}

func TestWriteIntoMissingDirFails(t *testing.T) {
	if err := Write(filepath.Join(t.TempDir(), "no", "f"), []byte("x")); err == nil {
		t.Fatal("write into a missing directory succeeded")
	}
}

func TestWriteOverDirectoryKeepsIt(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "d")
	os.Mkdir(p, 0o755)
	os.WriteFile(filepath.Join(p, "keep"), []byte("k"), 0o644)
	if err := Write(p, []byte("x")); err == nil {
		t.Fatal("replaced a non-empty directory")
	}
	if _, err := os.Stat(filepath.Join(p, "keep")); err != nil {
		t.Fatal("directory content lost")
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Fatalf("temp file left behind: %v", ents)
	}
}
