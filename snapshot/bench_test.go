package snapshot

import (
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/human2/hds/repo"
)

// benchTree writes n small files in a source-tree-like layout (about 10
// files per directory, 3 levels) plus one JSONL file of jsonlMB.
func benchTree(b *testing.B, root string, n, jsonlMB int) int64 {
	b.Helper()
	rng := rand.New(rand.NewSource(1))
	var total int64
	for i := 0; i < n; i++ {
		p := filepath.Join(root, fmt.Sprintf("src/d%02d/e%02d/f%05d.go", i%37, (i/37)%29, i))
		os.MkdirAll(filepath.Dir(p), 0o755)
		body := fmt.Sprintf("package p%d\n\nfunc F%d() int { return %d }\n%s", i, i, rng.Int(), strings.Repeat("// filler\n", rng.Intn(200)))
		os.WriteFile(p, []byte(body), 0o644)
		total += int64(len(body))
	}
	if jsonlMB > 0 {
		var sb strings.Builder
		for sb.Len() < jsonlMB<<20 {
			fmt.Fprintf(&sb, `{"id":%d,"text":"%s"}`+"\n", rng.Int63(), strings.Repeat("lorem ipsum ", 1+rng.Intn(60)))
		}
		os.MkdirAll(filepath.Join(root, "data"), 0o755)
		os.WriteFile(filepath.Join(root, "data", "records.jsonl"), []byte(sb.String()), 0o644)
		total += int64(sb.Len())
	}
	return total
}

// BenchmarkCommit is a first commit of 2,000 files and 64 MiB of JSONL.
func BenchmarkCommit(b *testing.B) {
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		r := repo.TestRepo(b)
		size := benchTree(b, r.Root, 2000, 64)
		b.SetBytes(size)
		b.StartTimer()
		if _, err := Commit(ctx, r, CommitOptions{Message: "bench"}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNoChangeCommit is a commit of an unchanged 20,000-file worktree:
// the stat cache answers for every file.
func BenchmarkNoChangeCommit(b *testing.B) {
	r := repo.TestRepo(b)
	benchTree(b, r.Root, 20000, 0)
	if _, err := Commit(ctx, r, CommitOptions{Message: "v1"}); err != nil {
		b.Fatal(err)
	}
	// Make every entry trustworthy (not racy), as after any real pause.
	cache, _ := loadStatCache(r)
	for p, e := range cache.entries {
		e.Racy = false
		cache.entries[p] = e
	}
	cache.dirty = true
	cache.save(r)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := Commit(ctx, r, CommitOptions{Message: "again"})
		if err != nil || !res.NothingToCommit() {
			b.Fatal(err, res)
		}
	}
}

// BenchmarkStatus is status of the same unchanged 20,000 files.
func BenchmarkStatus(b *testing.B) {
	r := repo.TestRepo(b)
	benchTree(b, r.Root, 20000, 0)
	if _, err := Commit(ctx, r, CommitOptions{Message: "v1"}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Status(ctx, r, StatusOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCheckoutTo materializes a 2,000-file, 64 MiB version.
func BenchmarkCheckoutTo(b *testing.B) {
	r := repo.TestRepo(b)
	size := benchTree(b, r.Root, 2000, 64)
	if _, err := Commit(ctx, r, CommitOptions{Message: "v1"}); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(size)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out := filepath.Join(b.TempDir(), "out")
		if _, err := Checkout(ctx, r, "HEAD", CheckoutOptions{To: out}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDiffTrees diffs two 20,000-file versions that differ in 20
// files: the cost follows the change, not the size.
func BenchmarkDiffTrees(b *testing.B) {
	r := repo.TestRepo(b)
	benchTree(b, r.Root, 20000, 0)
	v1, err := Commit(ctx, r, CommitOptions{Message: "v1"})
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < 20; i++ {
		p := filepath.Join(r.Root, fmt.Sprintf("src/d%02d/e%02d/f%05d.go", (i*997)%37, ((i*997)/37)%29, i*997))
		os.WriteFile(p, []byte("changed\n"), 0o644)
	}
	v2, err := Commit(ctx, r, CommitOptions{Message: "v2"})
	if err != nil {
		b.Fatal(err)
	}
	t1, _ := r.TreeOf(v1.Commit)
	t2, _ := r.TreeOf(v2.Commit)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ch, err := DiffTrees(r, t1, t2, nil)
		if err != nil || len(ch) != 20 {
			b.Fatal(err, len(ch))
		}
	}
}
