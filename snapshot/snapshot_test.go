package snapshot

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/human2/hds/manifest"
	"github.com/human2/hds/repo"
)

// awkward is a worktree of the cases that must round-trip exactly.
func awkward() map[string]string {
	rng := rand.New(rand.NewSource(1))
	bin := make([]byte, 700<<10)
	rng.Read(bin)
	var jsonl strings.Builder
	for i := 0; i < 20000; i++ {
		fmt.Fprintf(&jsonl, `{"id":%d,"text":"record %d %x"}`+"\n", i, i, rng.Int63())
	}
	return map[string]string{
		"data/raw/a.jsonl":          jsonl.String(),
		"data/no-newline.txt":       "line one\nline two without newline",
		"data/empty.csv":            "",
		"data/bin/floats.f32":       string(bin),
		"names/with space/ünï cødé": "unicode name\n",
		"names/tab\there.tsv":       "a\tb\n",
		"link-to-jsonl":             "->data/raw/a.jsonl",
		"dangling":                  "->does/not/exist",
		"deep/a/b/c/d/e/f.md":       "# deep\n",
	}
}

func TestCommitCheckoutRoundTrip(t *testing.T) {
	r := repo.TestRepo(t)
	files := awkward()
	write(t, r.Root, files)
	res := commit(t, r, "first")
	if res.NothingToCommit() || len(res.Changes) != len(files) {
		t.Fatalf("first commit: %+v", res)
	}
	wantRecords := int64(20000 + 2 + 0 + 1 + 1) // jsonl, txt, csv, tsv, md; the unicode name has no extension
	if res.Dataset.Files != int64(len(files)) || res.Dataset.Records != wantRecords {
		t.Fatalf("totals %+v, want %d files %d records", res.Dataset, len(files), wantRecords)
	}
	out := filepath.Join(t.TempDir(), "out")
	if _, err := Checkout(ctx, r, "HEAD", CheckoutOptions{To: out}); err != nil {
		t.Fatal(err)
	}
	sameTree(t, tree(t, out), files)
}

func TestRecordAlignedChunks(t *testing.T) {
	r := repo.TestRepo(t)
	write(t, r.Root, awkward())
	commit(t, r, "first")
	head, _ := r.Resolve("HEAD")
	c, _ := r.Commit(head)
	blob, err := r.Lookup(c.Tree, "data/raw/a.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	m, err := r.Manifest(blob)
	if err != nil {
		t.Fatal(err)
	}
	if m.Records != 20000 || len(m.Chunks) < 2 {
		t.Fatalf("manifest: %d records, %d chunks", m.Records, len(m.Chunks))
	}
	data := []byte(awkward()["data/raw/a.jsonl"])
	var off int64
	for i, ch := range m.Chunks {
		off += int64(ch.Len)
		if data[off-1] != '\n' {
			t.Fatalf("chunk %d ends mid-record", i)
		}
	}
}

func TestNothingToCommit(t *testing.T) {
	r := repo.TestRepo(t)
	if res := commit(t, r, "empty"); !res.NothingToCommit() {
		t.Fatal("committed an empty worktree in an empty repository")
	}
	write(t, r.Root, map[string]string{"a.txt": "a\n"})
	first := commit(t, r, "one")
	again := commit(t, r, "two")
	if !again.NothingToCommit() {
		t.Fatalf("second commit of an unchanged worktree made %v", again.Commit)
	}
	// Touching a file changes its stat, not its content.
	abs := filepath.Join(r.Root, "a.txt")
	os.WriteFile(abs, []byte("a\n"), 0o644)
	if res := commit(t, r, "three"); !res.NothingToCommit() {
		t.Fatal("rewriting identical bytes made a commit")
	}
	if h, _ := r.Resolve("HEAD"); h != first.Commit {
		t.Fatal("HEAD moved")
	}
}

func TestModifyCommitDiff(t *testing.T) {
	r := repo.TestRepo(t)
	files := awkward()
	write(t, r.Root, files)
	first := commit(t, r, "first")
	lines := strings.SplitAfter(files["data/raw/a.jsonl"], "\n")
	lines[10000] = `{"id":10000,"text":"edited"}` + "\n"
	lines = append(lines, `{"id":20000}`+"\n")
	files["data/raw/a.jsonl"] = strings.Join(lines, "")
	files["new.csv"] = "x,y\n1,2\n"
	delete(files, "data/empty.csv")
	write(t, r.Root, files)
	os.Remove(filepath.Join(r.Root, "data/empty.csv"))

	st := status(t, r)
	got := fmt.Sprint(st)
	want := fmt.Sprint([]FileChange{
		{Path: "data/empty.csv", State: Deleted, OldRecords: 0, NewRecords: -1},
		{Path: "data/raw/a.jsonl", State: Modified, OldSize: int64(len(awkward()["data/raw/a.jsonl"])), NewSize: int64(len(files["data/raw/a.jsonl"])), OldRecords: 20000, NewRecords: 20001},
		{Path: "new.csv", State: Added, NewSize: 8, OldRecords: -1, NewRecords: 2},
	})
	if got != want {
		t.Fatalf("status:\n%s\nwant\n%s", got, want)
	}
	second := commit(t, r, "second")
	if len(second.Changes) != 3 {
		t.Fatalf("changes: %v", second.Changes)
	}
	// An in-place edit of one record stores one or two new chunks.
	if second.NewCount > 3 {
		t.Fatalf("edit of one record stored %d new chunks (%d bytes)", second.NewCount, second.New)
	}
	if len(status(t, r)) != 0 {
		t.Fatal("status not clean after commit")
	}
	out := t.TempDir()
	if _, err := Checkout(ctx, r, first.Commit.String()[:10], CheckoutOptions{To: out, Force: true}); err != nil {
		t.Fatal(err)
	}
	sameTree(t, tree(t, out), awkward())
}

func TestStatusTouchedFileIsClean(t *testing.T) {
	r := repo.TestRepo(t)
	write(t, r.Root, map[string]string{"a.jsonl": "{}\n", "b.bin": "\x00\x01"})
	commit(t, r, "one")
	write(t, r.Root, map[string]string{"a.jsonl": "{}\n", "b.bin": "\x00\x01"})
	if st := status(t, r); len(st) != 0 {
		t.Fatalf("rewritten identical files reported: %v", st)
	}
	os.Chmod(filepath.Join(r.Root, "b.bin"), 0o755)
	if st := status(t, r); len(st) != 1 || st[0].Path != "b.bin" {
		t.Fatalf("mode change not reported: %v", st)
	}
}

func TestIgnoreFile(t *testing.T) {
	r := repo.TestRepo(t)
	write(t, r.Root, map[string]string{
		".hdsignore":           "*.tmp\n/scratch/\n# comment\n!keep.tmp\n",
		"a.tmp":                "x",
		"keep.tmp":             "k",
		"scratch/big.bin":      "x",
		"data/scratch/x.txt":   "kept: only the top-level scratch is ignored\n",
		"data/.hdsignore":      "local.*\n",
		"data/local.jsonl":     "ignored\n",
		"sub/.git/config":      "nested git dir\n",
		"sub/.hds/anything":    "nested repo dir\n",
		"data/d.jsonl":         "{}\n",
		"data/sub/local.jsonl": "ignored below too\n",
		"other/local.jsonl":    "not ignored here\n",
	})
	res := commit(t, r, "ignore")
	var paths []string
	for _, c := range res.Changes {
		paths = append(paths, c.Path)
	}
	want := "[.hdsignore data/.hdsignore data/d.jsonl data/scratch/x.txt keep.tmp other/local.jsonl]"
	if fmt.Sprint(paths) != want {
		t.Fatalf("committed %v\nwant %s", paths, want)
	}
}

// faultyFile fails reading after n bytes.
type faultyFile struct {
	readFile
	left int
}

func (f *faultyFile) Read(p []byte) (int, error) {
	if f.left <= 0 {
		return 0, errors.New("input/output error")
	}
	if len(p) > f.left {
		p = p[:f.left]
	}
	n, err := f.readFile.Read(p)
	f.left -= n
	return n, err
}

func TestUnreadableFileAbortsCommit(t *testing.T) {
	r := repo.TestRepo(t)
	write(t, r.Root, map[string]string{"a.txt": "a\n"})
	first := commit(t, r, "one")
	big := strings.Repeat("0123456789abcdef", 1<<16)
	write(t, r.Root, map[string]string{"a.txt": "changed\n", "bad/file.bin": big})
	orig := openForRead
	defer func() { openForRead = orig }()
	openForRead = func(name string) (readFile, error) {
		f, err := orig(name)
		if err == nil && strings.HasSuffix(name, "file.bin") {
			return &faultyFile{readFile: f, left: 300 << 10}, nil
		}
		return f, err
	}
	_, err := Commit(ctx, r, CommitOptions{Message: "two"})
	if err == nil || !strings.Contains(err.Error(), "bad/file.bin") || !strings.Contains(err.Error(), "input/output error") {
		t.Fatalf("error should name the file and the cause: %v", err)
	}
	if h, _ := r.Resolve("HEAD"); h != first.Commit {
		t.Fatal("a failed commit moved HEAD")
	}
	openForRead = orig
	if res := commit(t, r, "two"); len(res.Changes) != 2 {
		t.Fatalf("retry after the fault: %v", res.Changes)
	}
}

// growingFile appends to its own file on its first read.
type growingFile struct {
	readFile
	path string
	done bool
}

func (f *growingFile) Read(p []byte) (int, error) {
	n, err := f.readFile.Read(p)
	if !f.done {
		f.done = true
		fh, _ := os.OpenFile(f.path, os.O_APPEND|os.O_WRONLY, 0)
		fh.WriteString("more\n")
		fh.Close()
	}
	return n, err
}

func TestFileChangingWhileRead(t *testing.T) {
	for _, tc := range []struct {
		name    string
		changes int
		ok      bool
	}{{"retried", 1, true}, {"refused", 1000, false}} {
		t.Run(tc.name, func(t *testing.T) {
			r := repo.TestRepo(t)
			write(t, r.Root, map[string]string{"log.txt": "start\n"})
			orig := openForRead
			defer func() { openForRead = orig }()
			n := tc.changes
			openForRead = func(name string) (readFile, error) {
				f, err := orig(name)
				if err != nil || n == 0 {
					return f, err
				}
				n-- // this many opens see the file grow while it is read
				return &growingFile{readFile: f, path: name}, nil
			}
			res, err := Commit(ctx, r, CommitOptions{Message: "m"})
			if !tc.ok {
				if err == nil || !strings.Contains(err.Error(), "kept changing") {
					t.Fatalf("got %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			openForRead = orig
			out := t.TempDir()
			if _, err := Checkout(ctx, r, res.Commit.String(), CheckoutOptions{To: out, Force: true}); err != nil {
				t.Fatal(err)
			}
			if got := tree(t, out)["log.txt"]; got != "start\nmore\n" {
				t.Fatalf("committed %q", got)
			}
		})
	}
}

func TestLargeSingleLine(t *testing.T) {
	if testing.Short() {
		t.Skip("large file")
	}
	r := repo.TestRepo(t)
	line := strings.Repeat("x", 20<<20) // no newline for 20 MB; e2e runs 100 MB
	write(t, r.Root, map[string]string{"one.jsonl": line})
	res := commit(t, r, "big line")
	if res.Dataset.Records != 1 {
		t.Fatalf("records %d", res.Dataset.Records)
	}
	out := t.TempDir()
	if _, err := Checkout(ctx, r, "HEAD", CheckoutOptions{To: out, Force: true}); err != nil {
		t.Fatal(err)
	}
	if got := tree(t, out)["one.jsonl"]; got != line {
		t.Fatalf("round trip of a 20 MB line: %d bytes back", len(got))
	}
}

func TestCheckoutToRefusesNonEmpty(t *testing.T) {
	r := repo.TestRepo(t)
	write(t, r.Root, map[string]string{"a.txt": "a\n"})
	commit(t, r, "one")
	out := t.TempDir()
	os.WriteFile(filepath.Join(out, "x"), []byte("mine"), 0o644)
	if _, err := Checkout(ctx, r, "HEAD", CheckoutOptions{To: out}); !errors.Is(err, ErrNotEmpty) {
		t.Fatalf("got %v", err)
	}
	// With --force, a symlink where a file goes is replaced, not followed.
	victim := filepath.Join(t.TempDir(), "victim")
	os.WriteFile(victim, []byte("precious"), 0o644)
	os.Symlink(victim, filepath.Join(out, "a.txt"))
	if _, err := Checkout(ctx, r, "HEAD", CheckoutOptions{To: out, Force: true}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(victim); string(b) != "precious" {
		t.Fatal("checkout wrote through a symlink")
	}
}

func TestCheckoutSubsetPaths(t *testing.T) {
	r := repo.TestRepo(t)
	write(t, r.Root, awkward())
	commit(t, r, "one")
	out := t.TempDir()
	if _, err := Checkout(ctx, r, "HEAD", CheckoutOptions{To: out, Force: true, Paths: []string{"names", "data/no-newline.txt"}}); err != nil {
		t.Fatal(err)
	}
	if got := len(tree(t, out)); got != 3 {
		t.Fatalf("subset checkout wrote %d files", got)
	}
	_, err := Checkout(ctx, r, "HEAD", CheckoutOptions{To: t.TempDir(), Paths: []string{"nope"}})
	if !errors.Is(err, repo.ErrPathNotFound) {
		t.Fatalf("missing path: %v", err)
	}
}

func TestDatasetSummaryMatchesFiles(t *testing.T) {
	r := repo.TestRepo(t)
	write(t, r.Root, awkward())
	res := commit(t, r, "one")
	var sum manifest.Dataset
	c, _ := r.Commit(res.Commit)
	r.Walk(c.Tree, nil, func(p string, h repo.Hash) error {
		m, err := r.Manifest(h)
		if err != nil {
			return err
		}
		sum.Add(m)
		return nil
	})
	stored, _ := r.Dataset(c.Tree)
	if stored != sum || stored != res.Dataset {
		t.Fatalf("summary %+v, files add up to %+v, commit said %+v", stored, sum, res.Dataset)
	}
}

// The stat cache memoizes the tree of a clean worktree; a deleted file
// (the one change the stat lookups alone cannot see) must still be found,
// and a memo of another version must not be taken for HEAD's.
func TestTreeMemoSeesDeletions(t *testing.T) {
	r := repo.TestRepo(t)
	write(t, r.Root, map[string]string{"a.jsonl": "{}\n", "d/b.csv": "x\n1\n", "d/c.txt": "c\n"})
	v1 := commit(t, r, "v1")
	time.Sleep(2 * racyWindow) // entries recorded from now on are not racy
	for range 2 {
		if st := status(t, r); len(st) != 0 {
			t.Fatalf("clean worktree: %v", st)
		}
	}
	c1, _ := r.Commit(v1.Commit)
	if cache, _ := loadStatCache(r); cache.memo.Tree != c1.Tree || cache.memo.Commit != v1.Commit {
		t.Fatalf("memo %+v, want v1 %v and its tree %v", cache.memo, v1.Commit, c1.Tree)
	}
	os.Remove(filepath.Join(r.Root, "d/b.csv"))
	if st := status(t, r); len(st) != 1 || st[0].Path != "d/b.csv" || st[0].State != Deleted {
		t.Fatalf("deletion: %v", st)
	}
	v2 := commit(t, r, "v2")
	if v2.NothingToCommit() || len(v2.Changes) != 1 {
		t.Fatalf("deletion not committed: %+v", v2)
	}
	time.Sleep(2 * racyWindow)
	if again := commit(t, r, "v3"); !again.NothingToCommit() {
		t.Fatalf("unchanged worktree committed: %+v", again)
	}
	// Back to v1 by reset: the memo is v2's, HEAD's tree is v1's.
	if _, err := Reset(ctx, r, v1.Commit.String(), ResetOptions{}); err != nil {
		t.Fatal(err)
	}
	if st := status(t, r); len(st) != 0 {
		t.Fatalf("after reset: %v", st)
	}
	os.Remove(filepath.Join(r.Root, "a.jsonl"))
	if res := commit(t, r, "v4"); len(res.Changes) != 1 || res.Changes[0].State != Deleted {
		t.Fatalf("deletion after reset: %+v", res.Changes)
	}
}

// A stat cache written before the tree memo existed (version 1) is still
// read: an upgrade must not make the next commit re-read every file.
func TestStatCacheV1StillRead(t *testing.T) {
	r := repo.TestRepo(t)
	write(t, r.Root, map[string]string{"a.jsonl": "{}\n", "b.txt": "b\n"})
	commit(t, r, "v1")
	b, err := os.ReadFile(cachePath(r))
	if err != nil {
		t.Fatal(err)
	}
	body := append([]byte(cacheMagicV1), b[len(cacheMagic):len(b)-4-32-20-20]...)
	v1 := binary.LittleEndian.AppendUint32(body, crc32.Checksum(body, crcTable))
	c, err := decodeStatCache(v1)
	if err != nil || len(c.entries) != 2 || !c.memo.Tree.IsZero() {
		t.Fatalf("v1 cache: %v, %+v", err, c)
	}
}

// Past repo.AutoPackLimit packs (one per commit) a commit merges them,
// unless a reader holds the readers lock; every version still checks out.
func TestCommitMergesObjectPacks(t *testing.T) {
	r := repo.TestRepo(t)
	var first *CommitResult
	for i := range repo.AutoPackLimit {
		write(t, r.Root, map[string]string{"a.jsonl": strings.Repeat("{}\n", i+1)})
		res := commit(t, r, fmt.Sprint("v", i))
		if first == nil {
			first = res
		}
		if res.Repacked != nil {
			t.Fatalf("commit %d repacked %+v", i, res.Repacked)
		}
	}
	// A reader blocks the merge; the commit still succeeds.
	unlock, err := r.ReadLock()
	if err != nil {
		t.Fatal(err)
	}
	write(t, r.Root, map[string]string{"a.jsonl": strings.Repeat("{}\n", 75) + "x\n"})
	if res := commit(t, r, "while reading"); res.Repacked != nil || res.NothingToCommit() {
		t.Fatalf("merged under a reader: %+v", res)
	}
	unlock()
	write(t, r.Root, map[string]string{"b.csv": "x\n"})
	res := commit(t, r, "merge now")
	if res.Repacked == nil || res.Repacked.PacksBefore != repo.AutoPackLimit+2 || res.Repacked.PacksAfter != 1 {
		t.Fatalf("repacked %+v", res.Repacked)
	}
	out := t.TempDir()
	if _, err := Checkout(ctx, r, first.Commit.String(), CheckoutOptions{To: out, Force: true}); err != nil {
		t.Fatal(err)
	}
	if got := tree(t, out)["a.jsonl"]; got != "{}\n" {
		t.Fatalf("first version after the merge: %q", got)
	}
}
