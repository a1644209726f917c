package gc

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/human2/hds/fsck"
	"github.com/human2/hds/repo"
	"github.com/human2/hds/snapshot"
)

var ctx = context.Background()

func put(tb testing.TB, r *repo.Repo, name, content string) {
	tb.Helper()
	p := filepath.Join(r.Root, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		tb.Fatal(err)
	}
}

func commit(tb testing.TB, r *repo.Repo, msg string) repo.Hash {
	tb.Helper()
	res, err := snapshot.Commit(ctx, r, snapshot.CommitOptions{Message: msg})
	if err != nil {
		tb.Fatal(err)
	}
	return res.Commit
}

func TestGCKeepsReachableDropsRest(t *testing.T) {
	r := repo.TestRepo(t)
	put(t, r, "keep.txt", strings.Repeat("keep me ", 10000))
	v1 := commit(t, r, "one")
	put(t, r, "drop.txt", strings.Repeat("only in v2 ", 10000))
	commit(t, r, "two")
	put(t, r, "tagged.txt", strings.Repeat("tagged in v3 ", 10000))
	v3 := commit(t, r, "three")
	unlock, _ := r.Lock()
	if err := r.SetTag("v3", v3); err != nil {
		t.Fatal(err)
	}
	unlock()
	// Back to v1: v2's chunks are reachable only through v3 (tagged), so
	// nothing is garbage yet.
	if _, err := snapshot.Reset(ctx, r, v1.String(), snapshot.ResetOptions{}); err != nil {
		t.Fatal(err)
	}
	dry, err := Run(ctx, r, Options{DryRun: true})
	if err != nil || dry.DeadChunks != 0 {
		t.Fatalf("dry run: %+v %v", dry, err)
	}
	unlock, _ = r.Lock()
	r.DeleteTag("v3")
	unlock()
	before := r.Store().Stats()
	dry, err = Run(ctx, r, Options{DryRun: true})
	if err != nil || dry.DeadChunks == 0 {
		t.Fatalf("dry run after untagging: %+v %v", dry, err)
	}
	if r.Store().Stats() != before {
		t.Fatal("dry run changed the store")
	}
	res, err := Run(ctx, r, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.DeadChunks != dry.DeadChunks || res.LiveChunks == 0 {
		t.Fatalf("gc %+v, dry run said %+v", res.PruneStats, dry.PruneStats)
	}
	// One git pack per commit, merged into one; dry runs only counted them.
	if dry.Objects.PacksBefore != 3 || res.Objects.PacksBefore != 3 || res.Objects.PacksAfter != 1 {
		t.Fatalf("object packs: dry run %+v, gc %+v", dry.Objects, res.Objects)
	}
	check, err := fsck.Run(ctx, r, fsck.Options{ReadData: true})
	if err != nil || len(check.Problems) != 0 {
		t.Fatalf("fsck after gc: %v %v", check.Problems, err)
	}
	out := t.TempDir()
	if _, err := snapshot.Checkout(ctx, r, v1.String(), snapshot.CheckoutOptions{To: out, Force: true}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(out, "keep.txt")); len(b) != 80000 {
		t.Fatalf("v1 after gc: %d bytes", len(b))
	}
}

func TestGCKeepsStatCacheChunks(t *testing.T) {
	r := repo.TestRepo(t)
	put(t, r, "a.txt", "version one\n")
	v1 := commit(t, r, "one")
	put(t, r, "a.txt", "version two, in the worktree\n")
	v2 := commit(t, r, "two")
	// Move the branch back without touching the worktree: the stat cache
	// still knows a.txt as v2's manifest, which no ref reaches any more.
	unlock, _ := r.Lock()
	if err := r.SetBranch("main", v1, &v2); err != nil {
		t.Fatal(err)
	}
	unlock()
	if _, err := Run(ctx, r, Options{}); err != nil {
		t.Fatal(err)
	}
	// Committing reuses the cached manifest without reading the file; its
	// chunk must still be there.
	v3 := commit(t, r, "three")
	out := t.TempDir()
	if _, err := snapshot.Checkout(ctx, r, v3.String(), snapshot.CheckoutOptions{To: out, Force: true}); err != nil {
		t.Fatalf("checkout after gc: %v", err)
	}
}

func TestGCRefusesWhileReading(t *testing.T) {
	r := repo.TestRepo(t)
	unlock, err := r.ReadLock()
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	if _, err := Run(ctx, r, Options{}); err == nil {
		t.Fatal("gc ran while a reader held the lock")
	}
}
