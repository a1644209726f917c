package repo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/human2/hds/manifest"
)

var ctx = context.Background()

// commitFiles commits files (path -> manifest content) on HEAD's branch.
func commitFiles(tb testing.TB, r *Repo, msg string, files map[string]string) Hash {
	tb.Helper()
	b := r.NewBatch()
	var ents []TreeEntry
	for p, content := range files {
		h, err := b.PutBlob([]byte(content))
		if err != nil {
			tb.Fatal(err)
		}
		ents = append(ents, TreeEntry{Path: p, Blob: h})
	}
	sum, _ := b.PutBlob(manifest.Dataset{Files: int64(len(files))}.Encoded())
	ents = append(ents, TreeEntry{Path: manifest.DatasetPath, Blob: sum})
	tree, err := b.BuildTree(ents)
	if err != nil {
		tb.Fatal(err)
	}
	head, err := r.Head()
	if err != nil {
		tb.Fatal(err)
	}
	var parents []Hash
	if !head.Commit.IsZero() {
		parents = []Hash{head.Commit}
	}
	c, err := b.PutCommit(tree, parents, r.Author(), msg)
	if err != nil {
		tb.Fatal(err)
	}
	if err := b.Write(ctx); err != nil {
		tb.Fatal(err)
	}
	if err := r.UpdateHead(c, head.Commit); err != nil {
		tb.Fatal(err)
	}
	return c
}

func gitCmd(tb testing.TB, r *Repo, args ...string) string {
	tb.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		tb.Skip("git CLI not installed")
	}
	out, err := exec.Command("git", append([]string{"--git-dir", r.Dir}, args...)...).CombinedOutput()
	if err != nil {
		tb.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func TestInitRefusesExisting(t *testing.T) {
	r := TestRepo(t)
	_, err := Init(ctx, r.Root, DefaultConfig())
	if !errors.Is(err, ErrExists) {
		t.Fatalf("second init: got %v, want ErrExists", err)
	}
	if _, err := os.Stat(filepath.Join(r.Dir, "HEAD")); err != nil {
		t.Fatal("first repository damaged:", err)
	}
}

func TestOpenFindsRootAndConfig(t *testing.T) {
	r := TestRepo(t)
	sub := filepath.Join(r.Root, "data", "raw")
	os.MkdirAll(sub, 0o755)
	r2, err := Open(ctx, sub)
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	if r2.Root != r.Root || r2.Config != DefaultConfig() {
		t.Fatalf("opened %s with %+v", r2.Root, r2.Config)
	}
	if _, err := Open(ctx, t.TempDir()); !errors.Is(err, ErrNotRepo) {
		t.Fatalf("open outside a repository: %v", err)
	}
}

func TestOpenRejectsPlainGitRepo(t *testing.T) {
	dir := t.TempDir()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	if out, err := exec.Command("git", "init", "--bare", "-q", filepath.Join(dir, ".hds")).CombinedOutput(); err != nil {
		t.Fatal(err, string(out))
	}
	_, err := Open(ctx, dir)
	if err == nil || !strings.Contains(err.Error(), "not an hds one") {
		t.Fatalf("got %v", err)
	}
}

func TestLockExcludesSecondWriter(t *testing.T) {
	r := TestRepo(t)
	unlock, err := r.Lock()
	if err != nil {
		t.Fatal(err)
	}
	r2, err := Open(ctx, r.Root)
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	_, err = r2.Lock()
	var le *LockedError
	if !errors.As(err, &le) || !errors.Is(err, ErrLocked) || le.PID != os.Getpid() {
		t.Fatalf("second lock: %v", err)
	}
	if !strings.Contains(err.Error(), fmt.Sprintf("pid %d", os.Getpid())) {
		t.Fatalf("message should name the pid: %v", err)
	}
	unlock()
	unlock2, err := r2.Lock()
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	unlock2()
}

func TestCommitsReadableByGit(t *testing.T) {
	r := TestRepo(t)
	commitFiles(t, r, "first version", map[string]string{"a.txt": "A\n", "data/x.jsonl": "X\n", "data/y y/ü.csv": "Y\n"})
	commitFiles(t, r, "second version", map[string]string{"a.txt": "A2\n", "data/x.jsonl": "X\n"})
	gitCmd(t, r, "fsck", "--strict", "--no-dangling")
	log := gitCmd(t, r, "log", "--format=%an <%ae> %s")
	want := "Test Author <test@example.com> second version\nTest Author <test@example.com> first version\n"
	if log != want {
		t.Fatalf("git log:\n%s\nwant:\n%s", log, want)
	}
	if got := gitCmd(t, r, "show", "HEAD:a.txt"); got != "A2\n" {
		t.Fatalf("git show: %q", got)
	}
}

func TestTreeOrderMatchesGit(t *testing.T) {
	r := TestRepo(t)
	// "a.b" < "a/" < "a0" in git's order; a naive sort puts "a" before "a.b".
	commitFiles(t, r, "order", map[string]string{"a.b": "1", "a/x": "2", "a0": "3", "a-": "4"})
	gitCmd(t, r, "fsck", "--strict")
}

func TestBuildTreeRejectsConflicts(t *testing.T) {
	r := TestRepo(t)
	for _, ents := range [][]string{{"a", "a/b"}, {"x", "x"}, {"../x"}, {"/abs"}, {"a//b"}, {"sub/.git/x"}, {"d/.HDS"}} {
		var es []TreeEntry
		for _, p := range ents {
			es = append(es, TreeEntry{Path: p, Blob: BlobHash([]byte(p))})
		}
		if _, err := r.NewBatch().BuildTree(es); err == nil {
			t.Errorf("BuildTree(%q) accepted", ents)
		}
	}
}

func TestResolve(t *testing.T) {
	r := TestRepo(t)
	if _, err := r.Resolve("HEAD"); !errors.Is(err, ErrNoCommits) {
		t.Fatalf("empty repo: %v", err)
	}
	c1 := commitFiles(t, r, "one", map[string]string{"a": "1"})
	c2 := commitFiles(t, r, "two", map[string]string{"a": "2"})
	c3 := commitFiles(t, r, "three", map[string]string{"a": "3"})
	unlock, _ := r.Lock()
	b := r.NewBatch()
	tag, err := b.PutTag("v1", c1, r.Author(), "release one")
	if err != nil || b.Write(ctx) != nil {
		t.Fatal(err)
	}
	if err := r.SetTag("v1", tag); err != nil {
		t.Fatal(err)
	}
	if err := r.SetTag("light", c2); err != nil {
		t.Fatal(err)
	}
	if err := r.SetBranch("side", c2, &ZeroHash); err != nil {
		t.Fatal(err)
	}
	unlock()
	for rev, want := range map[string]Hash{
		"HEAD": c3, "main": c3, "HEAD~1": c2, "HEAD~2": c1, "HEAD^": c2, "main^^": c1,
		c2.String(): c2, c2.String()[:8]: c2, "v1": c1, "light": c2, "side": c2, "side~1": c1,
	} {
		got, err := r.Resolve(rev)
		if err != nil || got != want {
			t.Errorf("Resolve(%q) = %v, %v; want %v", rev, got, err, want)
		}
	}
	for _, bad := range []string{"nope", "HEAD~9", "deadbeef"} {
		if _, err := r.Resolve(bad); !errors.Is(err, ErrUnknownRevision) {
			t.Errorf("Resolve(%q): %v", bad, err)
		}
	}
	gitCmd(t, r, "fsck", "--strict")
	if got := strings.TrimSpace(gitCmd(t, r, "rev-parse", "v1^{commit}")); got != c1.String() {
		t.Fatalf("git sees v1 at %s", got)
	}
}

func TestSetBranchCompareAndSwap(t *testing.T) {
	r := TestRepo(t)
	c1 := commitFiles(t, r, "one", map[string]string{"a": "1"})
	c2 := commitFiles(t, r, "two", map[string]string{"a": "2"})
	if err := r.SetBranch("main", c1, &c1); !errors.Is(err, ErrRefChanged) {
		t.Fatalf("stale old value accepted: %v", err)
	}
	if err := r.SetBranch("main", c2, &ZeroHash); !errors.Is(err, ErrRefExists) {
		t.Fatalf("create over existing: %v", err)
	}
	if err := r.SetBranch("bad..name", c1, nil); err == nil {
		t.Fatal("invalid name accepted")
	}
	if err := r.DeleteBranch("main"); err == nil {
		t.Fatal("deleted the current branch")
	}
}

func TestWalkLookupDiff(t *testing.T) {
	r := TestRepo(t)
	files := map[string]string{}
	for i := 0; i < 50; i++ {
		files[fmt.Sprintf("big/%02d/f.jsonl", i)] = fmt.Sprint(i)
	}
	files["top.txt"] = "t"
	c1 := commitFiles(t, r, "one", files)
	files["big/07/f.jsonl"] = "changed"
	delete(files, "big/09/f.jsonl")
	files["new/n.csv"] = "n"
	c2 := commitFiles(t, r, "two", files)
	t1, t2 := mustCommit(t, r, c1).Tree, mustCommit(t, r, c2).Tree

	changes, err := r.Diff(t1, t2, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(changes)
	h := func(s string) Hash { return BlobHash([]byte(s)) }
	want := fmt.Sprint([]Change{
		{Path: "big/07/f.jsonl", From: h("7"), To: h("changed")},
		{Path: "big/09/f.jsonl", From: h("9")},
		{Path: "new/n.csv", To: h("n")},
	})
	if got != want {
		t.Fatalf("diff:\n%s\nwant:\n%s", got, want)
	}
	if ch, _ := r.Diff(t1, t2, []string{"big/07"}); len(ch) != 1 {
		t.Fatalf("diff limited to big/07: %v", ch)
	}
	if ch, _ := r.Diff(ZeroHash, t1, nil); len(ch) != 51 {
		t.Fatalf("diff from empty: %d changes", len(ch))
	}

	var walked []string
	if err := r.Walk(t2, []string{"new", "top.txt"}, func(p string, _ Hash) error {
		walked = append(walked, p)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(walked) != "[new/n.csv top.txt]" {
		t.Fatalf("walk: %v", walked)
	}
	err = r.Walk(t2, []string{"missing"}, func(string, Hash) error { return nil })
	if !errors.Is(err, ErrPathNotFound) {
		t.Fatalf("walk of a missing path: %v", err)
	}
	if b, err := r.Lookup(t2, "big/07/f.jsonl"); err != nil || b != h("changed") {
		t.Fatalf("lookup: %v %v", b, err)
	}
	for _, p := range []string{"big/07", "big/07/f.jsonl/x", "nope", ".hds"} {
		if _, err := r.Lookup(t2, p); !errors.Is(err, ErrPathNotFound) {
			t.Errorf("Lookup(%q): %v", p, err)
		}
	}
}

func mustCommit(tb testing.TB, r *Repo, h Hash) *Commit {
	tb.Helper()
	c, err := r.Commit(h)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func TestWalkRejectsUnsafeTree(t *testing.T) {
	r := TestRepo(t)
	blob := BlobHash([]byte("x"))
	for _, name := range []string{"..", ".", ".git", "a/b"} {
		b := r.NewBatch()
		b.PutBlob([]byte("x"))
		tree, err := b.putObject(&object.Tree{Entries: []object.TreeEntry{{Name: name, Mode: filemode.Regular, Hash: blob}}})
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Write(ctx); err != nil {
			t.Fatal(err)
		}
		err = r.Walk(tree, nil, func(p string, _ Hash) error {
			t.Errorf("walk yielded %q", p)
			return nil
		})
		if err == nil {
			t.Errorf("tree entry %q accepted", name)
		}
	}
}

func TestDatasetAndLog(t *testing.T) {
	r := TestRepo(t)
	commitFiles(t, r, "one", map[string]string{"a": "1"})
	commitFiles(t, r, "two\n\nbody", map[string]string{"a": "1", "b": "2"})
	var subjects []string
	head, _ := r.Resolve("HEAD")
	err := r.Log(head, func(c *Commit) error {
		subjects = append(subjects, c.Subject())
		d, err := r.Dataset(c.Tree)
		if err != nil {
			return err
		}
		subjects = append(subjects, fmt.Sprint(d.Files))
		return nil
	})
	if err != nil || fmt.Sprint(subjects) != "[two 2 one 1]" {
		t.Fatalf("log: %v %v", subjects, err)
	}
}

func TestReadersAndGCExcludeEachOther(t *testing.T) {
	r := TestRepo(t)
	un1, err := r.ReadLock()
	if err != nil {
		t.Fatal(err)
	}
	un2, err := r.ReadLock()
	if err != nil {
		t.Fatal("two readers must share the lock:", err)
	}
	if _, err := r.ExclusiveLock(); !errors.Is(err, ErrBusy) {
		t.Fatalf("gc while reading: %v", err)
	}
	un1()
	un2()
	unx, err := r.ExclusiveLock()
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.ReadLock()
	var be *BusyError
	if !errors.As(err, &be) || be.PID != os.Getpid() || !strings.Contains(err.Error(), "hds gc") {
		t.Fatalf("reader while gc runs: %v", err)
	}
	unx()
}

// A crash between writing a pack's index and renaming the pack into place
// leaves an index alone. Its objects are not stored: a later batch with the
// same content must write them again, not trust the index.
func TestIndexWithoutPackIsNotStored(t *testing.T) {
	r := TestRepo(t)
	b := r.NewBatch()
	h, err := b.PutBlob([]byte("a manifest\n"))
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Write(context.Background()); err != nil {
		t.Fatal(err)
	}
	packs, _ := filepath.Glob(filepath.Join(r.Dir, "objects", "pack", "*.pack"))
	if len(packs) != 1 {
		t.Fatalf("packs %v", packs)
	}
	os.Remove(packs[0])

	r2, err := Open(context.Background(), r.Root)
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	b2 := r2.NewBatch()
	if _, err := b2.PutBlob([]byte("a manifest\n")); err != nil {
		t.Fatal(err)
	}
	if err := b2.Write(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got, err := r2.ReadBlob(h); err != nil || string(got) != "a manifest\n" {
		t.Fatalf("blob after rewrite: %q, %v", got, err)
	}
}

// Repack merges one pack per commit into one; every object stays readable,
// by hds and by git, and a repository with one pack is left alone.
func TestRepackMergesPacks(t *testing.T) {
	r := TestRepo(t)
	var commits []Hash
	for i := range 6 {
		commits = append(commits, commitFiles(t, r, fmt.Sprint("v", i), map[string]string{
			"a.txt": fmt.Sprint("A", i, "\n"), "data/x.jsonl": "X\n", fmt.Sprint("f", i): "new\n"}))
	}
	if packs, _ := r.GitPacks(); len(packs) != 6 {
		t.Fatalf("%d packs before, want 6", len(packs))
	}
	st, err := r.Repack(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.PacksBefore != 6 || st.PacksAfter != 1 || st.Objects == 0 {
		t.Fatalf("repack %+v", st)
	}
	if packs, _ := r.GitPacks(); len(packs) != 1 {
		t.Fatalf("%d packs after", len(packs))
	}
	left, _ := filepath.Glob(filepath.Join(r.Dir, "objects", "pack", "*"))
	if len(left) != 2 {
		t.Fatalf("files left in objects/pack: %v", left)
	}
	// This process (its caches) and a fresh one both read every version.
	r2, err := Open(context.Background(), r.Root)
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	for _, rr := range []*Repo{r, r2} {
		readVersions(t, rr, commits)
	}
	gitCmd(t, r, "fsck", "--strict", "--no-dangling")
	if st, err := r.Repack(context.Background()); err != nil || st.PacksAfter != 1 || st.Objects != 0 {
		t.Fatalf("second repack %+v, %v", st, err)
	}
	// A later commit still writes and reads normally.
	commitFiles(t, r, "after", map[string]string{"a.txt": "A9\n"})
	gitCmd(t, r, "fsck", "--strict", "--no-dangling")
}

// A process that listed the packs before another one merged them still
// reads every object: it lists them again on a miss.
func TestReaderSurvivesConcurrentRepack(t *testing.T) {
	r := TestRepo(t)
	var commits []Hash
	for i := range 4 {
		commits = append(commits, commitFiles(t, r, fmt.Sprint("v", i), map[string]string{"a.txt": fmt.Sprint("A", i, "\n")}))
	}
	reader, err := Open(context.Background(), r.Root)
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	if _, err := reader.Commit(commits[0]); err != nil { // lists the packs
		t.Fatal(err)
	}
	if _, err := r.Repack(context.Background()); err != nil {
		t.Fatal(err)
	}
	readVersions(t, reader, commits)
}

// readVersions reads every commit, tree and blob of commits through r.
func readVersions(t *testing.T, r *Repo, commits []Hash) {
	t.Helper()
	for i, c := range commits {
		co, err := r.Commit(c)
		if err != nil {
			t.Fatalf("commit %d: %v", i, err)
		}
		if err := r.Walk(co.Tree, nil, func(p string, blob Hash) error { _, err := r.ReadBlob(blob); return err }); err != nil {
			t.Fatalf("commit %d: %v", i, err)
		}
	}
}

// A kill during a reference update leaves a temporary file: in .hds/tmp
// now, under refs/ with earlier versions, where git and go-git read it as
// an empty reference. RemoveRefTemps (run by gc) clears both.
func TestRemoveRefTemps(t *testing.T) {
	r := TestRepo(t)
	commitFiles(t, r, "v1", map[string]string{"a.txt": "A\n"})
	os.WriteFile(filepath.Join(r.Dir, "refs", "heads", ".tmp-main-123"), nil, 0o644)
	os.WriteFile(filepath.Join(r.TempDir(), ".tmp-main-456"), nil, 0o644)
	n, err := r.RemoveRefTemps()
	if err != nil || n != 2 {
		t.Fatalf("removed %d, %v", n, err)
	}
	if _, err := r.Branches(); err != nil {
		t.Fatalf("branches after cleaning: %v", err)
	}
	gitCmd(t, r, "fsck", "--strict", "--no-dangling")
}
