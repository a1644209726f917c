package snapshot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/human2/hds/manifest"
	"github.com/human2/hds/progress"
	"github.com/human2/hds/repo"
)

// State is how a file differs from the version it is compared with.
type State byte

// States, with the letters status and diff print.
const (
	Added    State = 'A'
	Modified State = 'M'
	Deleted  State = 'D'
)

func (s State) String() string { return string(s) }

// FileChange is one changed file with its size and record counts before
// and after (Records -1 when the format has no records or a side is absent).
type FileChange struct {
	Path                   string
	State                  State
	OldSize, NewSize       int64
	OldRecords, NewRecords int64
}

// StatusOptions configure Status.
type StatusOptions struct {
	Paths    []string // limit to these files or directories
	Progress progress.Reporter
	Workers  int
}

// StatusResult lists what differs between the worktree and HEAD.
type StatusResult struct {
	Branch   string
	Head     repo.Hash
	Changes  []FileChange // in path order
	Skipped  []string
	Warnings []string
}

// Status compares the worktree with HEAD. Files whose stat matches the
// stat cache are not read; others are hashed (not chunked, not stored). It
// refreshes the stat cache when it can take the lock without waiting.
func Status(ctx context.Context, r *repo.Repo, opts StatusOptions) (*StatusResult, error) {
	head, err := r.Head()
	if err != nil {
		return nil, err
	}
	res := &StatusResult{Branch: head.Branch, Head: head.Commit}
	tree := repo.ZeroHash
	if !head.Commit.IsZero() {
		c, err := r.Commit(head.Commit)
		if err != nil {
			return nil, err
		}
		tree = c.Tree
	}
	w := &worktreeDiff{r: r, paths: opts.Paths, workers: opts.Workers, prog: progress.Or(opts.Progress)}
	changes, err := w.compare(ctx, tree)
	if err != nil {
		return nil, err
	}
	res.Changes, res.Skipped, res.Warnings = changes, w.skipped, w.warnings
	if unlock, err := r.Lock(); err == nil {
		if err := w.cache.save(r); err != nil {
			res.Warnings = append(res.Warnings, err.Error())
		}
		unlock()
	}
	return res, nil
}

// worktreeDiff compares the worktree with a tree.
type worktreeDiff struct {
	r        *repo.Repo
	paths    []string
	workers  int
	prog     progress.Reporter
	cache    *statCache
	skipped  []string
	warnings []string
}

// compare returns the worktree files that differ from tree.
func (w *worktreeDiff) compare(ctx context.Context, tree repo.Hash) ([]FileChange, error) {
	base := map[string]repo.Hash{}
	err := w.r.Walk(tree, nil, func(p string, h repo.Hash) error {
		base[p] = h
		return nil
	})
	if err != nil {
		return nil, err
	}
	cache, err := loadStatCache(w.r)
	if err != nil {
		w.warnings = append(w.warnings, err.Error()+"; rebuilding it")
	}
	w.cache = cache
	w.prog.Phase("scan")
	sc, err := scan(ctx, w.r.Root)
	if err != nil {
		return nil, err
	}
	w.prog.Done()
	w.skipped = sc.Skipped
	sel := pathSelector(w.paths)
	var changes []FileChange
	var misses []wfile
	seen := map[string]bool{}
	for _, f := range sc.Files {
		seen[f.Path] = true
		if !sel(f.Path) {
			continue
		}
		if e, ok := cache.lookup(f.Path, f.Stat); ok {
			if base[f.Path] != e.Blob {
				fc, err := w.change(f.Path, base[f.Path], f.Stat.Size, e.Records)
				if err != nil {
					return nil, err
				}
				changes = append(changes, fc)
			}
			continue
		}
		misses = append(misses, f)
	}
	cache.retain(func(p string) bool { return seen[p] })
	hashed, err := w.hashAll(ctx, misses, base)
	if err != nil {
		return nil, err
	}
	changes = append(changes, hashed...)
	for p, h := range base {
		if !seen[p] && sel(p) {
			fc, err := w.change(p, h, -1, manifest.NoRecords)
			if err != nil {
				return nil, err
			}
			changes = append(changes, fc)
		}
	}
	sortChanges(changes)
	return changes, nil
}

// change describes path whose base manifest is old (ZeroHash: absent) and
// whose worktree size is size (-1: deleted).
func (w *worktreeDiff) change(p string, old repo.Hash, size, records int64) (FileChange, error) {
	fc := FileChange{Path: p, NewSize: size, NewRecords: records, OldRecords: manifest.NoRecords}
	switch {
	case old.IsZero():
		fc.State = Added
	case size < 0:
		fc.State, fc.NewSize = Deleted, 0
	default:
		fc.State = Modified
	}
	if !old.IsZero() {
		m, err := w.r.Manifest(old)
		if err != nil {
			return fc, fmt.Errorf("%s: %w", p, err)
		}
		fc.OldSize, fc.OldRecords = m.Size, m.Records
	}
	return fc, nil
}

// hashAll reads the files whose stat is unknown, on all cores, and returns
// those whose content differs from base; the others refresh the cache.
func (w *worktreeDiff) hashAll(ctx context.Context, files []wfile, base map[string]repo.Hash) ([]FileChange, error) {
	workers := w.workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	var total int64
	for _, f := range files {
		total += f.Stat.Size
	}
	w.prog.Phase("hash")
	w.prog.SetTotal(int64(len(files)), total)
	defer w.prog.Done()
	results := make([]*FileChange, len(files))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(workers)
	type refresh struct {
		path string
		st   fileStat
		blob repo.Hash
		recs int64
		seen time.Time
	}
	refreshes := make([]*refresh, len(files))
	for i, f := range files {
		g.Go(func() error {
			old := base[f.Path]
			var om *manifest.File
			if !old.IsZero() {
				m, err := w.r.Manifest(old)
				if err != nil {
					return fmt.Errorf("%s: %w", f.Path, err)
				}
				om = m
			}
			fp, err := fingerprint(gctx, w.r, f, om)
			if err != nil {
				return err
			}
			w.prog.Add(1, f.Stat.Size)
			if om != nil && fp.same(om) {
				refreshes[i] = &refresh{f.Path, fp.stat, old, om.Records, fp.seen}
				return nil
			}
			fc, err := w.change(f.Path, old, fp.size, fp.records)
			results[i] = &fc
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	var out []FileChange
	for i := range files {
		if results[i] != nil {
			out = append(out, *results[i])
		}
		if rf := refreshes[i]; rf != nil {
			w.cache.record(rf.path, rf.st, rf.blob, rf.recs, rf.seen)
		}
	}
	return out, nil
}

// print is what hashing a worktree file tells about its content.
type print struct {
	typ     manifest.Type
	perm    os.FileMode
	size    int64
	hash    [32]byte
	target  string
	records int64
	stat    fileStat
	seen    time.Time
}

// same reports whether the content equals m's.
func (p *print) same(m *manifest.File) bool {
	if p.typ != m.Type || p.size != m.Size {
		return false
	}
	if p.typ == manifest.TypeSymlink {
		return p.target == m.Target
	}
	return p.perm == m.Mode && p.hash == m.Hash
}

// fingerprint hashes a worktree file with the algorithm of m (the
// repository's when m is nil). A file that is not in the base and not
// line-oriented is not read: its size says all status needs.
func fingerprint(ctx context.Context, r *repo.Repo, f wfile, m *manifest.File) (*print, error) {
	abs := filepath.Join(r.Root, filepath.FromSlash(f.Path))
	if f.Stat.isSymlink() {
		s, err := readSymlink(abs, f)
		if err != nil {
			return nil, err
		}
		return &print{typ: manifest.TypeSymlink, size: s.M.Size, target: s.M.Target, records: manifest.NoRecords, stat: s.Stat, seen: s.Seen}, nil
	}
	lines := isLineFormat(f.Path)
	p := &print{typ: manifest.TypeFile, perm: f.Stat.perm(), size: f.Stat.Size, records: manifest.NoRecords, stat: f.Stat, seen: time.Now()}
	if m == nil && !lines {
		return p, nil
	}
	fh, err := os.Open(abs)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", f.Path, err)
	}
	defer fh.Close()
	alg := r.Config.Hash
	if m != nil && m.Type == manifest.TypeFile {
		alg = m.Algorithm
	}
	h := alg.New()
	var lc lineCounter
	buf := make([]byte, 256<<10)
	var n int64
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		k, err := fh.Read(buf)
		h.Write(buf[:k])
		if lines {
			lc.write(buf[:k])
		}
		n += int64(k)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", f.Path, err)
		}
	}
	copy(p.hash[:], h.Sum(nil))
	p.size = n
	if lines {
		p.records = lc.records()
	}
	return p, nil
}

// CompareWorktree returns how the worktree differs from tree (any
// version), restricted to paths.
func CompareWorktree(ctx context.Context, r *repo.Repo, tree repo.Hash, paths []string, prog progress.Reporter) ([]FileChange, error) {
	w := &worktreeDiff{r: r, paths: paths, prog: progress.Or(prog)}
	return w.compare(ctx, tree)
}
