package snapshot

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/human2/hds/repo"
)

func TestCheckoutWorktreeRefusesDirty(t *testing.T) {
	r := repo.TestRepo(t)
	v1 := map[string]string{"a.txt": "one\n", "dir/b.txt": "b\n"}
	write(t, r.Root, v1)
	c1 := commit(t, r, "one").Commit
	write(t, r.Root, map[string]string{"a.txt": "two\n", "dir/c.txt": "c\n"})
	c2 := commit(t, r, "two").Commit
	v2 := tree(t, r.Root)

	// Uncommitted edit to a file the checkout would change.
	write(t, r.Root, map[string]string{"a.txt": "local edit\n"})
	_, err := Checkout(ctx, r, c1.String(), CheckoutOptions{})
	if !errors.Is(err, ErrDirty) || !strings.Contains(err.Error(), "a.txt") {
		t.Fatalf("got %v", err)
	}
	if got := tree(t, r.Root)["a.txt"]; got != "local edit\n" {
		t.Fatal("refused checkout touched the file")
	}
	// --force discards it; HEAD is detached at c1.
	res, err := Checkout(ctx, r, c1.String(), CheckoutOptions{Force: true})
	if err != nil {
		t.Fatal(err)
	}
	sameTree(t, tree(t, r.Root), v1)
	if res.Removed != 1 {
		t.Fatalf("removed %d", res.Removed)
	}
	head, _ := r.Head()
	if !head.Detached() || head.Commit != c1 {
		t.Fatalf("HEAD %+v", head)
	}
	if st := status(t, r); len(st) != 0 {
		t.Fatalf("status after checkout: %v", st)
	}
	// Checking out a branch name attaches HEAD again.
	if _, err := Checkout(ctx, r, "main", CheckoutOptions{}); err != nil {
		t.Fatal(err)
	}
	sameTree(t, tree(t, r.Root), v2)
	if head, _ := r.Head(); head.Branch != "main" || head.Commit != c2 {
		t.Fatalf("HEAD %+v", head)
	}
}

func TestCheckoutKeepsUnrelatedLocalChanges(t *testing.T) {
	r := repo.TestRepo(t)
	write(t, r.Root, map[string]string{"a.txt": "1\n", "b.txt": "1\n"})
	c1 := commit(t, r, "one").Commit
	write(t, r.Root, map[string]string{"a.txt": "2\n"})
	commit(t, r, "two")
	write(t, r.Root, map[string]string{"b.txt": "local\n", "untracked.txt": "u\n"})
	if _, err := Checkout(ctx, r, c1.String(), CheckoutOptions{}); err != nil {
		t.Fatal(err)
	}
	got := tree(t, r.Root)
	if got["a.txt"] != "1\n" || got["b.txt"] != "local\n" || got["untracked.txt"] != "u\n" {
		t.Fatalf("worktree %v", got)
	}
}

func TestCheckoutUntrackedInTheWay(t *testing.T) {
	r := repo.TestRepo(t)
	write(t, r.Root, map[string]string{"keep.txt": "k\n"})
	c1 := commit(t, r, "one").Commit
	write(t, r.Root, map[string]string{"data/new.txt": "n\n"})
	commit(t, r, "two")
	if _, err := Checkout(ctx, r, c1.String(), CheckoutOptions{}); err != nil {
		t.Fatal(err)
	}
	// An untracked file named like the directory the next version needs.
	write(t, r.Root, map[string]string{"data": "untracked file\n"})
	_, err := Checkout(ctx, r, "main", CheckoutOptions{})
	if !errors.Is(err, ErrDirty) || !strings.Contains(err.Error(), "data") {
		t.Fatalf("got %v", err)
	}
}

func TestCheckoutPathsRestores(t *testing.T) {
	r := repo.TestRepo(t)
	write(t, r.Root, map[string]string{"a.txt": "1\n", "b.txt": "1\n"})
	c1 := commit(t, r, "one").Commit
	write(t, r.Root, map[string]string{"a.txt": "2\n", "b.txt": "2\n"})
	c2 := commit(t, r, "two").Commit
	if _, err := Checkout(ctx, r, c1.String(), CheckoutOptions{Paths: []string{"a.txt"}}); err != nil {
		t.Fatal(err)
	}
	got := tree(t, r.Root)
	if got["a.txt"] != "1\n" || got["b.txt"] != "2\n" {
		t.Fatalf("worktree %v", got)
	}
	if h, _ := r.Resolve("HEAD"); h != c2 {
		t.Fatal("restoring a path moved HEAD")
	}
	if st := status(t, r); len(st) != 1 || st[0].Path != "a.txt" {
		t.Fatalf("status %v", st)
	}
}

func TestSwitchAndBranches(t *testing.T) {
	r := repo.TestRepo(t)
	write(t, r.Root, map[string]string{"a.txt": "main\n"})
	commit(t, r, "one")
	if _, err := Switch(ctx, r, "cleanup", SwitchOptions{Create: true}); err != nil {
		t.Fatal(err)
	}
	write(t, r.Root, map[string]string{"a.txt": "cleaned\n", "extra.txt": "x\n"})
	commit(t, r, "cleanup work")
	if _, err := Switch(ctx, r, "main", SwitchOptions{}); err != nil {
		t.Fatal(err)
	}
	sameTree(t, tree(t, r.Root), map[string]string{"a.txt": "main\n"})
	if _, err := Switch(ctx, r, "nope", SwitchOptions{}); err == nil || !strings.Contains(err.Error(), "switch -c") {
		t.Fatalf("missing branch: %v", err)
	}
	if _, err := Switch(ctx, r, "cleanup", SwitchOptions{}); err != nil {
		t.Fatal(err)
	}
	sameTree(t, tree(t, r.Root), map[string]string{"a.txt": "cleaned\n", "extra.txt": "x\n"})
	if h, _ := r.Head(); h.Branch != "cleanup" {
		t.Fatalf("HEAD %+v", h)
	}
}

func TestResetHard(t *testing.T) {
	r := repo.TestRepo(t)
	write(t, r.Root, map[string]string{"a.txt": "1\n"})
	c1 := commit(t, r, "one").Commit
	write(t, r.Root, map[string]string{"a.txt": "2\n", "b.txt": "b\n"})
	commit(t, r, "two")
	write(t, r.Root, map[string]string{"a.txt": "local\n", "untracked": "u\n"})
	if _, err := Reset(ctx, r, c1.String(), ResetOptions{}); err != nil {
		t.Fatal(err)
	}
	sameTree(t, tree(t, r.Root), map[string]string{"a.txt": "1\n", "untracked": "u\n"})
	if h, _ := r.Head(); h.Branch != "main" || h.Commit != c1 {
		t.Fatalf("HEAD %+v", h)
	}
}

func TestRevert(t *testing.T) {
	r := repo.TestRepo(t)
	write(t, r.Root, map[string]string{"a.txt": "1\n", "b.jsonl": "{}\n"})
	commit(t, r, "one")
	write(t, r.Root, map[string]string{"a.txt": "2\n", "c.txt": "new\n"})
	os.Remove(filepath.Join(r.Root, "b.jsonl"))
	bad := commit(t, r, "bad change").Commit
	write(t, r.Root, map[string]string{"d.txt": "later\n"})
	commit(t, r, "three")

	res, err := Revert(ctx, r, bad.String(), RevertOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sameTree(t, tree(t, r.Root), map[string]string{"a.txt": "1\n", "b.jsonl": "{}\n", "d.txt": "later\n"})
	if len(res.Changes) != 3 || res.Dataset.Files != 3 || res.Dataset.Records != 3 {
		t.Fatalf("revert: %+v", res)
	}
	c, _ := r.Commit(res.Commit)
	if !strings.HasPrefix(c.Message, `Revert "bad change"`) || c.Parent() == bad {
		t.Fatalf("message %q", c.Message)
	}
	if st := status(t, r); len(st) != 0 {
		t.Fatalf("status %v", st)
	}
	// Reverting again conflicts: the files changed since.
	if _, err := Revert(ctx, r, bad.String(), RevertOptions{}); !errors.Is(err, ErrRevertConflict) {
		t.Fatalf("second revert: %v", err)
	}
}
