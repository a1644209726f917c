package snapshot

import (
	"context"
	"errors"
	"fmt"

	"github.com/human2/hds/manifest"
	"github.com/human2/hds/progress"
	"github.com/human2/hds/repo"
)

// CommitOptions configure Commit.
type CommitOptions struct {
	Message  string
	Progress progress.Reporter
	Workers  int // readers and compressors each; default GOMAXPROCS
}

// CommitResult says what Commit did.
type CommitResult struct {
	Commit   repo.Hash // ZeroHash when nothing changed
	Parent   repo.Hash
	Branch   string       // "" when HEAD is detached
	Changes  []FileChange // against the parent, in path order
	Dataset  manifest.Dataset
	Read     int64    // bytes read from files whose stat changed
	New      int64    // raw bytes of chunks the store did not have
	NewCount int64    // number of those chunks
	Skipped  []string // special files left out
	Warnings []string
	// Repacked is set when the commit merged the git object packs (more
	// than repo.AutoPackLimit of them, and no reader active).
	Repacked *repo.RepackStats
}

// NothingToCommit reports whether the worktree matched HEAD.
func (r *CommitResult) NothingToCommit() bool { return r.Commit.IsZero() }

// ErrEmptyMessage is returned for a commit without a message.
var ErrEmptyMessage = errors.New("empty commit message; say what changed with -m")

// Commit snapshots the worktree as a new version on HEAD. Files whose stat
// matches the stat cache are not read. If the worktree matches HEAD, no
// commit is made and the result's Commit is ZeroHash.
func Commit(ctx context.Context, r *repo.Repo, opts CommitOptions) (*CommitResult, error) {
	if opts.Message == "" {
		return nil, ErrEmptyMessage
	}
	unlock, err := r.Lock()
	if err != nil {
		return nil, err
	}
	defer unlock()
	head, err := r.Head()
	if err != nil {
		return nil, err
	}
	res := &CommitResult{Parent: head.Commit, Branch: head.Branch}
	prog := progress.Or(opts.Progress)
	prog.Phase("scan")
	scanned := scanAsync(ctx, r.Root)
	defer scanned() // never leave the scan running
	cache, err := loadStatCache(r)
	if err != nil {
		res.Warnings = append(res.Warnings, err.Error()+"; rebuilding it by reading every file")
	}
	headTree, err := cache.treeOf(r, head.Commit)
	if err != nil {
		return nil, err
	}
	sc, err := scanned()
	if err != nil {
		return nil, err
	}
	prog.Add(int64(len(sc.Files)), 0)
	prog.Done()
	wt, err := snapshotWorktree(ctx, r, sc, cache, opts.Workers, prog, res, headTree)
	if err != nil {
		return nil, err
	}
	if wt.tree == headTree && !head.Commit.IsZero() {
		wt.cache.remember(wt.digest, wt.tree, head.Commit)
		return res, wt.cache.save(r) // refreshed entries are worth keeping
	}
	changes, err := wt.batch.View().Diff(headTree, wt.tree, nil)
	if err != nil {
		return nil, err
	}
	if res.Changes, err = wt.fileChanges(r, changes); err != nil {
		return nil, err
	}
	if head.Commit.IsZero() && len(res.Changes) == 0 {
		return res, wt.cache.save(r)
	}
	// Order matters for crash safety: chunks, then objects, then the ref.
	if err := r.Chunks.Flush(ctx); err != nil {
		return nil, fmt.Errorf("store chunks: %w", err)
	}
	var parents []repo.Hash
	if !head.Commit.IsZero() {
		parents = []repo.Hash{head.Commit}
	}
	c, err := wt.batch.PutCommit(wt.tree, parents, r.Author(), opts.Message)
	if err != nil {
		return nil, err
	}
	if err := wt.batch.Write(ctx); err != nil {
		return nil, err
	}
	if err := r.UpdateHead(c, head.Commit); err != nil {
		return nil, err
	}
	res.Commit = c
	wt.cache.remember(wt.digest, wt.tree, c)
	if err := wt.cache.save(r); err != nil {
		res.Warnings = append(res.Warnings, "the commit is done, but "+err.Error()+"; the next command re-reads files")
	}
	autoRepack(ctx, r, res)
	return res, nil
}

// autoRepack merges the git object packs once there are more than
// repo.AutoPackLimit (one per commit), as git repacks automatically: every
// command reads every pack index. It skips when a reader (checkout, cat,
// fsck) holds the readers lock, and only warns on failure: the commit is
// done either way.
func autoRepack(ctx context.Context, r *repo.Repo, res *CommitResult) {
	packs, err := r.GitPacks()
	if err != nil || len(packs) <= repo.AutoPackLimit {
		return
	}
	unlock, err := r.ExclusiveLock()
	if err != nil {
		return // a reader is active; a later commit or 'hds gc' merges them
	}
	defer unlock()
	st, err := r.Repack(ctx)
	if err != nil {
		res.Warnings = append(res.Warnings, "the commit is done, but merging object packs failed: "+err.Error()+"; 'hds gc' retries")
		return
	}
	res.Repacked = &st
}

// worktreeSnapshot is the worktree turned into a (not yet committed) tree.
type worktreeSnapshot struct {
	tree   repo.Hash
	digest [32]byte // of the file list (entriesDigest)
	batch  *repo.Batch
	cache  *statCache
	known  map[string]sizeRecords // files read; the stat cache has the others
}

type sizeRecords struct{ size, records int64 }

// fileChanges turns tree changes into file changes: the new side is known
// from the scan, only the old side of modified and deleted files is read.
func (wt *worktreeSnapshot) fileChanges(r *repo.Repo, changes []repo.Change) ([]FileChange, error) {
	out := make([]FileChange, 0, len(changes))
	for _, c := range changes {
		fc := FileChange{Path: c.Path, State: Modified, OldRecords: manifest.NoRecords, NewRecords: manifest.NoRecords}
		if c.From.IsZero() {
			fc.State = Added
		} else {
			m, err := r.Manifest(c.From)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", c.Path, err)
			}
			fc.OldSize, fc.OldRecords = m.Size, m.Records
		}
		if c.To.IsZero() {
			fc.State = Deleted
		} else {
			k, ok := wt.known[c.Path]
			if !ok {
				k, _ = wt.cache.sizeRecords(c.Path)
			}
			fc.NewSize, fc.NewRecords = k.size, k.records
		}
		out = append(out, fc)
	}
	return out, nil
}

// snapshotWorktree stores what changed in the scanned worktree and builds
// the tree, without writing any reference. Totals and counters go into res.
// When every file is known by stat and the file list is the one the stat
// cache memoized for headTree, the tree is headTree and is not rebuilt.
func snapshotWorktree(ctx context.Context, r *repo.Repo, sc *scanResult, cache *statCache, workers int, prog progress.Reporter, res *CommitResult, headTree repo.Hash) (*worktreeSnapshot, error) {
	res.Skipped = sc.Skipped

	ents, hits, misses := cache.split(sc.Files)
	for _, e := range hits {
		res.Dataset.Add(&manifest.File{Size: e.Stat.Size, Records: e.Records})
	}
	var missBytes int64
	for _, f := range misses {
		missBytes += f.Stat.Size
	}
	known := make(map[string]sizeRecords, len(misses)) // the rest: from the cache

	prog.Phase("store")
	prog.SetTotal(int64(len(misses)), missBytes)
	p := newPipeline(r, r.Root, workers, prog)
	got, err := p.storeAll(ctx, misses)
	prog.Done()
	if err != nil {
		return nil, err
	}
	res.Read, res.New, res.NewCount = missBytes, p.newBytes, p.newCount

	b := r.NewBatch()
	for i, s := range got {
		h, err := b.PutBlob(s.Blob)
		if err != nil {
			return nil, err
		}
		ents = append(ents, repo.TreeEntry{Path: misses[i].Path, Blob: h})
		res.Dataset.Add(s.M)
		known[misses[i].Path] = sizeRecords{s.M.Size, s.M.Records}
		cache.record(misses[i].Path, s.Stat, h, s.M.Records, s.Seen)
	}
	sum, err := b.PutBlob(res.Dataset.Encoded())
	if err != nil {
		return nil, err
	}
	digest := entriesDigest(ents)
	wt := &worktreeSnapshot{digest: digest, batch: b, cache: cache, known: known}
	if t, ok := cache.memoTree(digest); ok && t == headTree {
		wt.tree = t
		return wt, nil
	}
	ents = append(ents, repo.TreeEntry{Path: manifest.DatasetPath, Blob: sum})
	if wt.tree, err = b.BuildTree(ents); err != nil {
		return nil, err
	}
	return wt, nil
}
