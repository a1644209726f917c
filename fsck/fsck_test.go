package fsck

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/human2/hds/pack"
	"github.com/human2/hds/repo"
	"github.com/human2/hds/snapshot"
)

var ctx = context.Background()

func commitFile(tb testing.TB, r *repo.Repo, name, content, msg string) {
	tb.Helper()
	p := filepath.Join(r.Root, name)
	os.MkdirAll(filepath.Dir(p), 0o755)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		tb.Fatal(err)
	}
	if _, err := snapshot.Commit(ctx, r, snapshot.CommitOptions{Message: msg}); err != nil {
		tb.Fatal(err)
	}
}

func TestCleanRepository(t *testing.T) {
	r := repo.TestRepo(t)
	commitFile(t, r, "a.jsonl", strings.Repeat(`{"x":1}`+"\n", 50000), "one")
	commitFile(t, r, "b.txt", "b\n", "two")
	res, err := Run(ctx, r, Options{ReadData: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Problems) != 0 || res.Commits != 2 || res.Manifests != 2 || res.Chunks == 0 {
		t.Fatalf("%+v", res)
	}
}

// damage flips one byte in every pack file.
func damage(tb testing.TB, r *repo.Repo) {
	tb.Helper()
	n := 0
	filepath.WalkDir(filepath.Join(r.Dir, "chunks"), func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".pack") {
			b, _ := os.ReadFile(p)
			b[100] ^= 0x55
			os.WriteFile(p, b, 0o644)
			n++
		}
		return nil
	})
	if n == 0 {
		tb.Fatal("no packs")
	}
}

func TestDamagedChunkNamesVersionAndFile(t *testing.T) {
	r := repo.TestRepo(t)
	commitFile(t, r, "data/a.jsonl", strings.Repeat(`{"x":1}`+"\n", 50000), "one")
	damage(t, r)
	r2, err := repo.Open(ctx, r.Root) // a fresh process's view
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	res, err := Run(ctx, r2, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Errors() != 0 {
		t.Fatalf("without --read-data the chunk bytes are not read: %v", res.Problems)
	}
	res, err = Run(ctx, r2, Options{ReadData: true})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, p := range res.Problems {
		if p.Severity == pack.Error && strings.Contains(p.Msg, "data/a.jsonl") && strings.Contains(p.Msg, "commit ") {
			found = true
		}
	}
	if !found {
		t.Fatalf("no error naming the file and version: %v", res.Problems)
	}
}

func TestMissingChunk(t *testing.T) {
	r := repo.TestRepo(t)
	commitFile(t, r, "a.bin", strings.Repeat("z", 1000), "one")
	// Remove the chunk store's index and packs: every chunk is gone.
	os.RemoveAll(filepath.Join(r.Dir, "chunks", "packs"))
	os.RemoveAll(filepath.Join(r.Dir, "chunks", "index"))
	r2, err := repo.Open(ctx, r.Root)
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	res, err := Run(ctx, r2, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Errors() != 1 || !strings.Contains(res.Problems[0].String(), "a.bin") || !strings.Contains(res.Problems[0].Msg, "missing") {
		t.Fatalf("%v", res.Problems)
	}
}
