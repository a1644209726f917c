// Package gc removes chunks that no version needs. A chunk is live if a
// manifest of a commit reachable from a branch, tag or HEAD names it, or
// a manifest the stat cache refers to (a worktree file a commit may reuse
// without reading it). Marking must read every such manifest: if one cannot
// be read, nothing is deleted. Git objects are all kept (manifests are
// small), but their packs, one per commit, are merged (repo.Repack) so that
// commands stop paying for hundreds of pack indexes.
package gc

import (
	"context"
	"fmt"

	"github.com/human2/hds/chunk"
	"github.com/human2/hds/pack"
	"github.com/human2/hds/progress"
	"github.com/human2/hds/repo"
	"github.com/human2/hds/snapshot"
)

// Options configure Run.
type Options struct {
	DryRun   bool
	Progress progress.Reporter
}

// Result says what was (or with DryRun would be) removed.
type Result struct {
	Commits   int
	Manifests int
	pack.PruneStats
	Objects repo.RepackStats // git object packs before and after
}

// Run collects garbage in r. It takes the write lock and keeps readers
// out while it runs.
func Run(ctx context.Context, r *repo.Repo, opts Options) (*Result, error) {
	unlock, err := r.Lock()
	if err != nil {
		return nil, err
	}
	defer unlock()
	unlockReaders, err := r.ExclusiveLock()
	if err != nil {
		return nil, err
	}
	defer unlockReaders()
	st := r.Store()
	if st == nil {
		return nil, fmt.Errorf("gc: the chunk store does not support pruning")
	}
	prog := progress.Or(opts.Progress)
	res := &Result{}
	live, err := mark(ctx, r, res, prog)
	if err != nil {
		return nil, fmt.Errorf("gc: %w; nothing was deleted", err)
	}
	stats, err := st.Prune(ctx, func(id chunk.ID) bool { _, ok := live[id]; return ok }, pack.PruneOptions{
		DryRun:   opts.DryRun,
		TempAge:  -1, // .hds/tmp is private to this repository and we hold its lock
		Progress: prog,
	})
	res.PruneStats = stats
	if err != nil {
		return res, err
	}
	if opts.DryRun {
		packs, err := r.GitPacks()
		res.Objects = repo.RepackStats{PacksBefore: len(packs), PacksAfter: min(len(packs), 1)}
		return res, err
	}
	n, err := r.RemoveRefTemps()
	res.TempFilesDeleted += n
	if err != nil {
		return res, fmt.Errorf("gc: %w", err)
	}
	prog.Phase("repack objects")
	res.Objects, err = r.Repack(ctx)
	prog.Done()
	return res, err
}

// mark returns the set of live chunks.
func mark(ctx context.Context, r *repo.Repo, res *Result, prog progress.Reporter) (map[chunk.ID]struct{}, error) {
	roots, err := r.Roots()
	if err != nil {
		return nil, err
	}
	live := map[chunk.ID]struct{}{}
	seenBlobs := map[repo.Hash]bool{}
	addManifest := func(blob repo.Hash) error {
		if seenBlobs[blob] {
			return nil
		}
		seenBlobs[blob] = true
		m, err := r.Manifest(blob)
		if err != nil {
			return err
		}
		for _, c := range m.Chunks {
			live[c.ID] = struct{}{}
		}
		return nil
	}
	prog.Phase("mark")
	seenTrees := map[repo.Hash]bool{}
	err = r.Reachable(roots, func(c *repo.Commit) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		res.Commits++
		prog.Add(1, 0)
		return r.WalkNew(c.Tree, seenTrees, func(p string, blob repo.Hash) error {
			if err := addManifest(blob); err != nil {
				return fmt.Errorf("commit %s %s: %w", c.Hash.String()[:10], p, err)
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	cached, err := snapshot.CachedManifests(r)
	if err != nil {
		return nil, err
	}
	for _, blob := range cached {
		// Cache entries are written only after their manifests are
		// stored, so every one must be readable.
		if err := addManifest(blob); err != nil {
			return nil, fmt.Errorf("stat cache: %w", err)
		}
	}
	prog.Done()
	res.Manifests = len(seenBlobs)
	return live, nil
}
