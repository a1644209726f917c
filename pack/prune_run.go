package pack

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/human2/hds/blob"
	"github.com/human2/hds/chunk"
	"github.com/human2/hds/progress"
)

// newPack is a pack written by Prune, or a kept one.
type newPack struct {
	id      chunk.ID
	alg     chunk.Algorithm
	size    int64
	entries []fileEntry
}

func (s *Store) runPrune(ctx context.Context, plan *prunePlan, tempAge time.Duration, pr progress.Reporter) (PruneStats, error) {
	stats := &plan.stats
	result, err := s.repack(ctx, plan, pr)
	if err != nil {
		return *stats, err
	}
	for _, pp := range plan.packs {
		if pp.action == keepPack {
			result = append(result, newPack{id: pp.id, alg: pp.alg, entries: pp.live})
		}
	}
	written, err := s.writeConsolidated(ctx, result)
	stats.IndexFilesWritten = len(written)
	if err != nil {
		return *stats, err
	}
	pr.Phase("delete")
	for _, name := range plan.indexes {
		if slices.Contains(written, name) {
			continue
		}
		if err := s.st.Delete(ctx, name); err != nil {
			return *stats, fmt.Errorf("pack: prune: delete old index file: %w", err)
		}
		stats.IndexFilesDeleted++
	}
	indexed := make(map[chunk.ID]bool, len(result))
	for _, p := range result {
		indexed[p.id] = true
	}
	for _, id := range sortedIDs(plan.packs) {
		// A new pack can have the bytes, hence the name, of a pack a killed
		// Prune left unindexed: it is not deleted.
		if plan.packs[id].action == keepPack {
			continue
		}
		if indexed[id] {
			stats.FreedBytes -= plan.packs[id].size
			continue
		}
		if err := s.st.Delete(ctx, packName(id)); err != nil {
			return *stats, fmt.Errorf("pack: prune: delete pack: %w", err)
		}
		pr.Add(1, 0)
	}
	pr.Done()
	stats.TempFilesDeleted, err = s.removeTemp(ctx, tempAge)
	return *stats, err
}

// repack copies the live chunks of the packs to repack into new packs.
func (s *Store) repack(ctx context.Context, plan *prunePlan, pr progress.Reporter) ([]newPack, error) {
	pr.Phase("repack")
	pr.SetTotal(int64(plan.stats.PacksRepacked), plan.stats.CopiedBytes)
	defer pr.Done()
	writers := make(map[chunk.Algorithm]*packWriter)
	defer func() {
		for _, w := range writers {
			w.discard()
		}
	}()
	var out []newPack
	var dst []byte
	for _, id := range sortedIDs(plan.packs) {
		pp := plan.packs[id]
		if pp.action != repackPack {
			continue
		}
		err := readFrames(ctx, s.st, packName(id), pp.live, func(e fileEntry, frame []byte) error {
			var err error
			if dst, err = s.decode(e.ID, pp.alg, frame, e.Stored, e.Raw, e.Flags, dst); err != nil {
				plan.stats.CorruptChunks = append(plan.stats.CorruptChunks, e.ID)
			}
			np, err := s.copyFrame(ctx, writers, pp.alg, e, frame)
			if np != nil {
				out = append(out, *np)
			}
			pr.Add(0, int64(e.Stored))
			return err
		}, nil)
		if err != nil {
			return nil, fmt.Errorf("pack: prune: copy live chunks of %s: %w", packName(id), err)
		}
		pr.Add(1, 0)
	}
	for _, alg := range []chunk.Algorithm{chunk.BLAKE3, chunk.SHA256} {
		if w := writers[alg]; w != nil {
			delete(writers, alg)
			np, err := s.storeRepacked(ctx, w)
			if err != nil {
				return nil, err
			}
			out = append(out, np)
		}
	}
	plan.stats.PacksWritten = len(out)
	plan.stats.FreedBytes += plan.stats.CopiedBytes
	for _, np := range out {
		plan.stats.FreedBytes -= np.size
	}
	return out, nil
}

// copyFrame appends a frame to the new pack of its algorithm, storing the
// pack when it is full.
func (s *Store) copyFrame(ctx context.Context, writers map[chunk.Algorithm]*packWriter, alg chunk.Algorithm, e fileEntry, frame []byte) (*newPack, error) {
	w := writers[alg]
	if w == nil {
		var err error
		if w, err = newPackWriter(s.opts.TempDir, alg); err != nil {
			return nil, err
		}
		writers[alg] = w
	}
	_, full, err := w.append(e.ID, frame, int(e.Raw), e.Flags, s.opts.PackSize)
	if err != nil {
		return nil, err
	}
	if !full {
		return nil, nil
	}
	delete(writers, alg)
	np, err := s.storeRepacked(ctx, w)
	if err != nil {
		return nil, err
	}
	return &np, nil
}

func (s *Store) storeRepacked(ctx context.Context, w *packWriter) (newPack, error) {
	defer w.discard()
	id, err := w.finish()
	if err == nil {
		err = blob.PutFile(ctx, s.st, packName(id), w.path)
	}
	if err != nil {
		return newPack{}, fmt.Errorf("pack: prune: store new pack: %w", err)
	}
	return newPack{id: id, alg: w.alg, size: w.size, entries: w.entries}, nil
}

// writeConsolidated writes one index file per hash algorithm for packs,
// then makes it the store's in-memory index.
func (s *Store) writeConsolidated(ctx context.Context, packs []newPack) ([]string, error) {
	slices.SortFunc(packs, func(a, b newPack) int { return a.id.Compare(b.id) })
	var names []string
	var all sortedIndex
	var infos []packInfo
	for _, alg := range []chunk.Algorithm{chunk.BLAKE3, chunk.SHA256} {
		var ids []chunk.ID
		var entries []fileEntry
		for _, p := range packs {
			if p.alg != alg {
				continue
			}
			ord := u32(len(ids))
			ids = append(ids, p.id)
			infos = append(infos, packInfo{id: p.id, name: packName(p.id), alg: alg})
			for _, e := range p.entries {
				e.Pack = ord
				entries = append(entries, e)
				all = append(all, entry{id: e.ID, loc: mustLocation(u32(len(infos)-1), e)})
			}
		}
		if len(entries) == 0 {
			continue
		}
		slices.SortFunc(entries, func(a, b fileEntry) int { return a.ID.Compare(b.ID) })
		name, err := s.writeIndex(ctx, alg, ids, entries)
		if err != nil {
			return names, fmt.Errorf("pack: prune: %w", err)
		}
		names = append(names, name)
	}
	slices.SortFunc(all, func(a, b entry) int { return a.id.Compare(b.id) })
	s.replaceIndex(all, infos, names)
	return names, nil
}

// replaceIndex swaps in the in-memory index Prune built.
func (s *Store) replaceIndex(sorted sortedIndex, packs []packInfo, indexes []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sorted = sorted
	s.added = make(map[chunk.ID]location)
	s.packs = packs
	s.packByID = make(map[chunk.ID]uint32, len(packs))
	for i, p := range packs {
		s.packByID[p.id] = u32(i)
	}
	s.indexes = indexes
	s.stats = Stats{}
	for _, e := range sorted {
		s.count(1, int64(e.loc.stored()), int64(e.loc.raw))
	}
}

// removeTemp removes stale temporary files of this package from TempDir,
// and the storage's own if it can.
func (s *Store) removeTemp(ctx context.Context, age time.Duration) (int, error) {
	removed := 0
	for _, pattern := range []string{tempPackPattern, tempIndexPattern} {
		paths, err := filepath.Glob(filepath.Join(s.opts.TempDir, pattern))
		if err != nil {
			return removed, err
		}
		for _, p := range paths {
			fi, err := os.Stat(p)
			if err != nil || (age > 0 && time.Since(fi.ModTime()) < age) {
				continue
			}
			if os.Remove(p) == nil {
				removed++
			}
		}
	}
	if tc, ok := s.st.(blob.TempCleaner); ok {
		n, err := tc.CleanTemp(ctx)
		removed += n
		if err != nil {
			return removed, fmt.Errorf("pack: prune: %w", err)
		}
	}
	return removed, nil
}
