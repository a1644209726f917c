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
	w := &worktreeDiff{r: r, paths: opts.Paths, workers: opts.Workers, prog: progress.Or(opts.Progress)}
	w.prog.Phase("scan")
	w.scanned = scanAsync(ctx, r.Root)
	defer w.scanned() // never leave the scan running
	w.loadCache()
	tree, err := w.cache.treeOf(r, head.Commit)
	if err != nil {
		return nil, err
	}
	changes, err := w.compare(ctx, tree, head.Commit)
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
	scanned  func() (*scanResult, error) // the worktree scan, when started early
	skipped  []string
	warnings []string
}

// compare returns the worktree files that differ from tree. It builds the
// worktree's tree in memory the way a commit would, without storing: files
// the stat cache knows keep their manifest; the others are hashed and keep
// the base's manifest when their content matches it, or get a stand-in id
// otherwise. Diffing that tree with the base skips equal subtrees, so the
// cost is the scan plus what changed.
//
// baseCommit, when not zero, is the commit whose tree base is: a clean
// worktree is then memoized for it.
func (w *worktreeDiff) compare(ctx context.Context, base, baseCommit repo.Hash) ([]FileChange, error) {
	if w.cache == nil {
		w.loadCache()
	}
	cache := w.cache
	if w.scanned == nil {
		w.prog.Phase("scan")
		w.scanned = scanAsync(ctx, w.r.Root)
	}
	sc, err := w.scanned()
	if err != nil {
		return nil, err
	}
	w.prog.Done()
	w.skipped = sc.Skipped
	ents, _, misses := cache.split(sc.Files)
	known := make(map[string]sizeRecords, len(misses)) // the rest: from the cache
	// digest is of ents, once they are all known.
	var digest [32]byte
	if len(misses) == 0 && !base.IsZero() {
		digest = entriesDigest(ents)
		if t, ok := cache.memoTree(digest); ok && t == base {
			return nil, nil // the file list the worktree had when it last matched base
		}
	}
	hashed, err := w.hashAll(ctx, misses, base, known)
	if err != nil {
		return nil, err
	}
	ents = append(ents, hashed...)
	b := w.r.NewBatch()
	tree, err := b.BuildTree(ents)
	if err != nil {
		return nil, err
	}
	changes, err := b.View().Diff(base, tree, w.paths)
	if err != nil {
		return nil, err
	}
	if len(changes) == 0 && len(w.paths) == 0 && !base.IsZero() {
		// Clean: every entry is base's own manifest.
		if len(misses) > 0 {
			digest = entriesDigest(ents)
		}
		cache.remember(digest, base, baseCommit)
	}
	out := make([]FileChange, 0, len(changes))
	for _, c := range changes {
		size, recs := int64(-1), int64(manifest.NoRecords)
		if !c.To.IsZero() {
			k, ok := known[c.Path]
			if !ok {
				k, _ = cache.sizeRecords(c.Path)
			}
			size, recs = k.size, k.records
		}
		fc, err := w.change(c.Path, c.From, size, recs)
		if err != nil {
			return nil, err
		}
		out = append(out, fc)
	}
	return out, nil
}

// loadCache reads the stat cache; a corrupt one is rebuilt, with a warning.
func (w *worktreeDiff) loadCache() {
	cache, err := loadStatCache(w.r)
	if err != nil {
		w.warnings = append(w.warnings, err.Error()+"; rebuilding it")
	}
	w.cache = cache
}

// standIn is the id a changed file gets in the in-memory tree of compare:
// never a stored manifest, and different for every path.
func standIn(p string) repo.Hash { return repo.BlobHash([]byte("hds: uncommitted content of " + p)) }

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
// their tree entries: the base's manifest when the content matches it (the
// stat cache learns it), a stand-in otherwise. known gets their sizes.
func (w *worktreeDiff) hashAll(ctx context.Context, files []wfile, base repo.Hash, known map[string]sizeRecords) ([]repo.TreeEntry, error) {
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
	type result struct {
		blob  repo.Hash
		fp    *print
		clean bool
	}
	results := make([]result, len(files))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(workers)
	for i, f := range files {
		g.Go(func() error {
			old, err := w.r.Lookup(base, f.Path)
			if err != nil && !errors.Is(err, repo.ErrPathNotFound) {
				return err
			}
			var om *manifest.File
			if !old.IsZero() {
				if om, err = w.r.Manifest(old); err != nil {
					return fmt.Errorf("%s: %w", f.Path, err)
				}
			}
			fp, err := fingerprint(gctx, w.r, f, om)
			if err != nil {
				return err
			}
			w.prog.Add(1, f.Stat.Size)
			if om != nil && fp.same(om) {
				fp.records = om.Records
				results[i] = result{blob: old, fp: fp, clean: true}
			} else {
				results[i] = result{blob: standIn(f.Path), fp: fp}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	ents := make([]repo.TreeEntry, len(files))
	for i, f := range files {
		rs := results[i]
		ents[i] = repo.TreeEntry{Path: f.Path, Blob: rs.blob}
		known[f.Path] = sizeRecords{rs.fp.size, rs.fp.records}
		if rs.clean {
			w.cache.record(f.Path, rs.fp.stat, rs.blob, rs.fp.records, rs.fp.seen)
		}
	}
	return ents, nil
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
	return w.compare(ctx, tree, repo.ZeroHash)
}
