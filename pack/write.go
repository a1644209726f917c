package pack

import (
	"context"
	"fmt"
	"slices"

	"github.com/human2/hds/blob"
	"github.com/human2/hds/chunk"
)

// Put stores data as chunk id, which must be Options.Algorithm.Sum(data);
// Put trusts it, and every later read verifies it. A chunk the store
// already holds is skipped and added is false. Put compresses in the
// calling goroutine, so callers get parallelism from a pool of goroutines
// calling Put; it stores the chunk raw when zstd saves less than 1/32 of
// its size. data is not retained. The chunk is durable after the next
// Flush returns.
//
// When the open pack reaches Options.PackSize, it is stored in the
// background (at most two at a time; beyond that the Put that filled it
// stores it before returning) while Puts go on into a new pack. If storing
// fails, later Puts and Flush return the error: the store can no longer
// write and must be closed.
func (s *Store) Put(ctx context.Context, id chunk.ID, data []byte) (added bool, err error) {
	if len(data) > MaxChunkSize {
		return false, fmt.Errorf("pack: put chunk %s: %d bytes is more than the %d a chunk may have", id.Short(), len(data), MaxChunkSize)
	}
	if err := ctx.Err(); err != nil {
		return false, err
	}
	s.mu.RLock()
	err = s.writableLocked()
	has := s.hasLocked(id)
	s.mu.RUnlock()
	if err != nil || has {
		return false, err
	}
	frame, flags, buf := s.compress(data)
	defer s.bufs.Put(buf)
	full, added, err := s.append(id, frame, len(data), flags)
	if err == nil && full != nil {
		select {
		case s.finishers <- struct{}{}:
			// Store the full pack in the background (its fsync would
			// stall this compressing worker); Flush and Close wait for it.
			// Not the caller's ctx: it ends with the caller (an errgroup
			// cancels its context when the group is done), while the pack
			// must still be stored. The work is bounded: an fsync, a
			// rename, an index file.
			go func() {
				defer func() { <-s.finishers }()
				s.finish(context.WithoutCancel(ctx), full)
			}()
		default:
			err = s.finish(ctx, full) // both slots busy: store inline, as backpressure
		}
	}
	return added && err == nil, err
}

// compress returns the frame to store for data, and the buffer it used.
func (s *Store) compress(data []byte) ([]byte, uint32, *[]byte) {
	buf := s.bufs.Get().(*[]byte)
	if s.opts.Level == LevelNone || len(data) == 0 {
		return data, 0, buf
	}
	*buf = s.enc.EncodeAll(data, (*buf)[:0])
	if len(*buf) >= len(data)-len(data)/32 {
		return data, 0, buf
	}
	return *buf, flagZstd, buf
}

// append adds a frame to the open pack; added is false if the store has
// the chunk or another goroutine is adding it. The Store's lock covers
// only the bookkeeping: the bytes are copied and written under the pack
// writer's own lock, so Has and Get (readers' hot path) never wait on I/O.
// If the pack is now full it is detached and returned, for the caller to
// finish.
func (s *Store) append(id chunk.ID, frame []byte, raw int, flags uint32) (full *packWriter, added bool, err error) {
	s.mu.Lock()
	if err := s.writableLocked(); err != nil {
		s.mu.Unlock()
		return nil, false, err
	}
	if done, busy := s.adding[id]; busy {
		// Another Put is appending this chunk: return once it has, so
		// that after Put returns, Has and Get find the chunk.
		s.mu.Unlock()
		<-done
		return nil, false, nil
	}
	if s.hasLocked(id) {
		s.mu.Unlock()
		return nil, false, nil
	}
	if s.cur == nil {
		w, err := newPackWriter(s.opts.TempDir, s.opts.Algorithm)
		if err != nil {
			s.mu.Unlock()
			return nil, false, err
		}
		s.cur = w
	}
	w := s.cur
	w.inflight.Add(1) // finish waits for this append to be registered
	defer w.inflight.Done()
	done := make(chan struct{})
	defer close(done)
	s.adding[id] = done
	s.mu.Unlock()

	e, isFull, err := w.append(id, frame, raw, flags, s.opts.PackSize)

	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.adding, id)
	if err != nil {
		if s.err == nil {
			s.err = err
		}
		return nil, false, err
	}
	s.pending[id] = pendingRef{w: w, e: e}
	s.count(1, int64(len(frame)), int64(raw))
	s.stats.Pending++
	if isFull && s.cur == w {
		return s.detachLocked(), true, nil
	}
	return nil, true, nil
}

func (s *Store) writableLocked() error {
	if s.closed {
		return ErrClosed
	}
	return s.err
}

func (s *Store) count(chunks, stored, raw int64) {
	s.stats.Chunks += chunks
	s.stats.StoredBytes += stored
	s.stats.RawBytes += raw
}

// detachLocked takes the open pack out of s.cur for finishing.
func (s *Store) detachLocked() *packWriter {
	w := s.cur
	s.cur = nil
	if w != nil {
		s.finishing[w] = struct{}{}
	}
	return w
}

// Flush stores the open pack and then its index file. When Flush returns
// nil, every chunk whose Put returned before Flush was called is durable
// and Has and Get find it, in this process and after Open. Flush also
// waits for packs other goroutines' Puts are storing.
func (s *Store) Flush(ctx context.Context) error {
	s.mu.Lock()
	if err := s.writableLocked(); err != nil {
		s.mu.Unlock()
		return err
	}
	var waits []chan struct{}
	for w := range s.finishing {
		waits = append(waits, w.done)
	}
	w := s.detachLocked()
	s.mu.Unlock()
	var err error
	if w != nil {
		err = s.finish(ctx, w)
	}
	for _, ch := range waits {
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err == nil {
		err = s.err
	}
	return err
}

// finish stores a detached pack and its index; on failure it forgets the
// pack's chunks and makes the error sticky.
func (s *Store) finish(ctx context.Context, w *packWriter) error {
	err := s.storePack(ctx, w)
	s.mu.Lock()
	delete(s.finishing, w)
	if err != nil {
		s.forgetPendingLocked(w)
		if s.err == nil {
			s.err = err
		}
	}
	s.mu.Unlock()
	if err != nil {
		w.discard()
	}
	close(w.done)
	return err
}

func (s *Store) forgetPendingLocked(w *packWriter) {
	for _, e := range w.entries {
		if p, ok := s.pending[e.ID]; ok && p.w == w {
			delete(s.pending, e.ID)
			s.count(-1, -int64(e.Stored), -int64(e.Raw))
			s.stats.Pending--
		}
	}
}

// storePack makes the pack durable, moves its chunks from pending to the
// index, then makes its index file durable.
func (s *Store) storePack(ctx context.Context, w *packWriter) error {
	id, err := w.finish()
	if err != nil {
		return err
	}
	name := packName(id)
	if err := blob.PutFile(ctx, s.st, name, w.path); err != nil {
		return fmt.Errorf("pack: store pack %s: %w", name, err)
	}
	s.mu.Lock()
	ord := s.addPackLocked(id, w.alg)
	for _, e := range w.entries {
		s.added[e.ID] = mustLocation(ord, e)
		delete(s.pending, e.ID)
	}
	s.stats.Pending -= int64(len(w.entries))
	if len(s.added) >= foldThreshold {
		s.foldLocked()
	}
	s.mu.Unlock()
	w.close()

	entries := slices.Clone(w.entries)
	slices.SortFunc(entries, func(a, b fileEntry) int { return a.ID.Compare(b.ID) })
	idx, err := s.writeIndex(ctx, w.alg, []chunk.ID{id}, entries)
	if err != nil {
		return fmt.Errorf("pack: store index of %s: %w", name, err)
	}
	s.mu.Lock()
	s.indexes = append(s.indexes, idx)
	s.mu.Unlock()
	return nil
}

// foldThreshold is the size at which the map of chunks stored since Open
// (about 100 bytes per chunk) is merged into the sorted slice (48 bytes).
var foldThreshold = 1 << 16

// foldLocked merges s.added into s.sorted.
func (s *Store) foldLocked() {
	add := make(sortedIndex, 0, len(s.added))
	for id, l := range s.added {
		add = append(add, entry{id: id, loc: l})
	}
	slices.SortFunc(add, func(a, b entry) int { return a.id.Compare(b.id) })
	s.sorted = mergeSorted([]sortedIndex{s.sorted, add})
	s.added = make(map[chunk.ID]location)
}

func mustLocation(ord uint32, e fileEntry) location {
	l, err := makeLocation(ord, e)
	if err != nil {
		panic(err) // Options and MaxChunkSize keep packs in range
	}
	return l
}
