package pack

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/human2/hds/chunk"
	"github.com/human2/hds/progress"
)

// PruneOptions configure Prune.
type PruneOptions struct {
	// DryRun computes the statistics without changing anything.
	DryRun bool
	// RepackThreshold is the fraction of a pack's bytes that may be
	// garbage before its live chunks are copied into a new pack and it is
	// deleted; 0 means 0.5, 1 never repacks.
	RepackThreshold float64
	// TempAge is how old a temporary file in Options.TempDir must be to be
	// removed as stale; 0 means one hour (TempDir may be shared with other
	// repositories), a negative value removes all.
	TempAge  time.Duration
	Progress progress.Reporter // nil: no progress
}

// PruneStats says what Prune did, or with DryRun would do.
type PruneStats struct {
	LiveChunks        int64
	DeadChunks        int64 // indexed but not live: dropped from the index
	RescuedChunks     int64 // live chunks found only in unindexed packs, kept
	PacksDeleted      int   // indexed packs without live chunks
	UnindexedDeleted  int   // unindexed packs without live chunks
	PacksRepacked     int   // packs whose live chunks were copied, then deleted
	PacksWritten      int   // new packs holding the copies (estimated by DryRun)
	UnreadablePacks   int   // unindexed packs with a damaged footer, left alone
	CopiedBytes       int64
	FreedBytes        int64 // deleted minus written pack bytes (estimated by DryRun)
	IndexFilesDeleted int
	IndexFilesWritten int
	TempFilesDeleted  int
	// CorruptChunks are live chunks that failed verification while being
	// copied; they were copied unchanged, so nothing was lost.
	CorruptChunks []chunk.ID
}

type pruneAction int

const (
	keepPack pruneAction = iota
	deletePack
	repackPack
)

// prunePack is the plan for one pack.
type prunePack struct {
	id        chunk.ID
	size      int64
	alg       chunk.Algorithm
	indexed   bool
	live      []fileEntry // sorted by offset
	liveBytes int64
	action    pruneAction
}

// prunePlan is what Prune found and decided.
type prunePlan struct {
	packs   map[chunk.ID]*prunePack
	indexes []string // index files to delete once the new one is durable
	stats   PruneStats
}

// Prune removes the chunks for which live returns false, together with
// leftovers of interrupted writes. It deletes packs holding no live chunk,
// copies the live chunks (verbatim) out of packs whose garbage fraction is
// above the threshold into new packs, keeps live chunks of unindexed packs,
// deletes unindexed packs without live chunks and stale temporary files,
// and replaces all index files by one consolidated index.
//
// The order keeps live chunks safe if the process dies at any point: new
// packs, then the new index are made durable; only then are old index files
// deleted, then old packs. Prune refuses to run while chunks are pending,
// or when an index file could not be read or a live chunk's pack is
// missing (run Check). It must not overlap Put or Flush, needs exclusive
// use of the storage (the repository lock), and calls live from one
// goroutine; live must not call the Store.
func (s *Store) Prune(ctx context.Context, live func(chunk.ID) bool, opts PruneOptions) (PruneStats, error) {
	if opts.RepackThreshold == 0 {
		opts.RepackThreshold = 0.5
	}
	if opts.RepackThreshold < 0 || opts.RepackThreshold > 1 {
		return PruneStats{}, fmt.Errorf("pack: prune: RepackThreshold %v outside (0, 1]", opts.RepackThreshold)
	}
	if opts.TempAge == 0 {
		opts.TempAge = time.Hour
	}
	pr := progress.Or(opts.Progress)
	pr.Phase("plan")
	plan, err := s.planPrune(ctx, live, opts.RepackThreshold)
	pr.Done()
	if err != nil || opts.DryRun {
		return plan.stats, err
	}
	return s.runPrune(ctx, plan, opts.TempAge, pr)
}

// snapshot returns every indexed entry with its pack, and the index files
// the store knows, or why pruning is not safe now.
func (s *Store) snapshot() (sortedIndex, map[chunk.ID]location, []packInfo, map[string]bool, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.writableLocked(); err != nil {
		return nil, nil, nil, nil, err
	}
	if len(s.pending) > 0 || s.cur != nil || len(s.finishing) > 0 {
		return nil, nil, nil, nil, errors.New("pack: prune: chunks are pending; Flush before pruning")
	}
	if len(s.badIndexes) > 0 {
		b := s.badIndexes[0]
		return nil, nil, nil, nil, fmt.Errorf("pack: prune refused: %v; pruning would delete the packs only it lists (run 'hds fsck')", b.err)
	}
	added := make(map[chunk.ID]location, len(s.added))
	for id, l := range s.added {
		added[id] = l
	}
	known := make(map[string]bool, len(s.indexes))
	for _, n := range s.indexes {
		known[n] = true
	}
	return s.sorted, added, slices.Clone(s.packs), known, nil
}

func (s *Store) planPrune(ctx context.Context, live func(chunk.ID) bool, threshold float64) (*prunePlan, error) {
	plan := &prunePlan{packs: make(map[chunk.ID]*prunePack)}
	sorted, added, packs, known, err := s.snapshot()
	if err != nil {
		return plan, err
	}
	names, _, err := listIndexes(ctx, s.st)
	if err != nil {
		return plan, err
	}
	for _, n := range names {
		if !known[n] {
			return plan, fmt.Errorf("pack: prune refused: index file %s appeared since the store was opened; open it again and retry", n)
		}
	}
	plan.indexes = names
	stored, err := listPacks(ctx, s.st, nil)
	if err != nil {
		return plan, err
	}
	for _, e := range sorted {
		if err := plan.addIndexed(e, packs[e.loc.pack], stored, live); err != nil {
			return plan, err
		}
	}
	for id, l := range added {
		if err := plan.addIndexed(entry{id: id, loc: l}, packs[l.pack], stored, live); err != nil {
			return plan, err
		}
	}
	isIndexed := func(id chunk.ID) bool {
		_, ok := sorted.find(id)
		_, ok2 := added[id]
		return ok || ok2
	}
	if err := s.rescueUnindexed(ctx, plan, stored, live, isIndexed); err != nil {
		return plan, err
	}
	plan.decide(threshold, s.opts.PackSize)
	return plan, nil
}

func (p *prunePlan) addIndexed(e entry, pi packInfo, stored map[chunk.ID]int64, live func(chunk.ID) bool) error {
	pp := p.packs[pi.id]
	if pp == nil {
		pp = &prunePack{id: pi.id, size: stored[pi.id], alg: pi.alg, indexed: true}
		p.packs[pi.id] = pp
	}
	if !live(e.id) {
		p.stats.DeadChunks++
		return nil
	}
	if _, ok := stored[pi.id]; !ok {
		return fmt.Errorf("pack: prune refused: live chunk %s is in %s, which is missing (run 'hds fsck')", e.id.Short(), pi.name)
	}
	p.stats.LiveChunks++
	pp.live = append(pp.live, e.loc.fileEntry(e.id, 0))
	pp.liveBytes += int64(e.loc.stored())
	return nil
}

// rescueUnindexed plans the packs no index lists: live chunks found only
// in them are kept.
func (s *Store) rescueUnindexed(ctx context.Context, plan *prunePlan, stored map[chunk.ID]int64, live, isIndexed func(chunk.ID) bool) error {
	rescued := make(map[chunk.ID]bool)
	for _, id := range sortedIDs(stored) {
		if plan.packs[id] != nil {
			continue
		}
		t, entries, err := readFooter(ctx, s.st, packName(id), stored[id])
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			plan.stats.UnreadablePacks++
			continue
		}
		pp := &prunePack{id: id, size: stored[id], alg: t.Algorithm}
		for _, e := range entries {
			if !rescued[e.ID] && live(e.ID) && !isIndexed(e.ID) {
				rescued[e.ID] = true
				pp.live = append(pp.live, e)
				pp.liveBytes += int64(e.Stored)
				plan.stats.RescuedChunks++
				plan.stats.LiveChunks++
			}
		}
		plan.packs[id] = pp
	}
	return nil
}

// decide picks an action for each pack.
func (p *prunePlan) decide(threshold float64, packSize int64) {
	for _, pp := range p.packs {
		slices.SortFunc(pp.live, func(a, b fileEntry) int { return cmp.Compare(a.Offset, b.Offset) })
		switch {
		case len(pp.live) == 0:
			pp.action = deletePack
			p.stats.FreedBytes += pp.size
			if pp.indexed {
				p.stats.PacksDeleted++
			} else {
				p.stats.UnindexedDeleted++
			}
		case 1-float64(pp.liveBytes)/float64(pp.size) > threshold:
			pp.action = repackPack
			p.stats.PacksRepacked++
			p.stats.CopiedBytes += pp.liveBytes
			p.stats.FreedBytes += pp.size - pp.liveBytes
		}
	}
	if p.stats.CopiedBytes > 0 {
		p.stats.PacksWritten = int((p.stats.CopiedBytes + packSize - 1) / packSize)
	}
}
