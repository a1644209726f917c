package pack

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"

	"github.com/klauspost/compress/zstd"

	"github.com/human2/hds/blob"
	"github.com/human2/hds/chunk"
)

// Store is the chunk store: chunks compressed into packs in a
// blob.Storage, found through an in-memory index. All methods are safe for
// concurrent use, except that Prune must not overlap Put or Flush.
type Store struct {
	st   blob.Storage
	opts Options
	enc  *zstd.Encoder
	dec  *zstd.Decoder
	bufs sync.Pool // *[]byte for compressed frames

	mu         sync.RWMutex
	sorted     sortedIndex             // loaded at Open, replaced by Prune
	added      map[chunk.ID]location   // stored since
	pending    map[chunk.ID]pendingRef // in packs not stored yet
	packs      []packInfo              // packs any index entry refers to
	packByID   map[chunk.ID]uint32
	indexes    []string      // index files read or written
	badIndexes []indexFailed // index files that could not be read
	cur        *packWriter   // the open pack
	finishing  map[*packWriter]struct{}
	err        error // sticky: a pack or index could not be stored
	closed     bool
	stats      Stats
}

type packInfo struct {
	id   chunk.ID
	name string
	alg  chunk.Algorithm
}

type pendingRef struct {
	w *packWriter
	e fileEntry
}

type indexFailed struct {
	name string
	err  error
}

// Stats counts what the store holds, pending chunks included.
type Stats struct {
	Chunks      int64 // distinct chunks
	Pending     int64 // of Chunks, not yet durable (Flush makes them so)
	Packs       int   // packs the index refers to
	IndexFiles  int   // index files read or written
	StoredBytes int64 // bytes of the chunks as stored (compressed)
	RawBytes    int64 // bytes of the chunks uncompressed
}

// Open opens the chunk store in st, loading every index file. An index file
// that cannot be read does not make Open fail: Check reports it, and the
// chunks only it knew are not found. Open fails only if the options are
// invalid or st cannot be listed.
func Open(ctx context.Context, st blob.Storage, opts Options) (*Store, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Store{
		st:        st,
		opts:      opts,
		added:     make(map[chunk.ID]location),
		pending:   make(map[chunk.ID]pendingRef),
		packByID:  make(map[chunk.ID]uint32),
		finishing: make(map[*packWriter]struct{}),
	}
	s.bufs.New = func() any { return new([]byte) }
	s.enc, err = zstd.NewWriter(nil, zstd.WithEncoderLevel(opts.Level.zstd()),
		zstd.WithEncoderConcurrency(runtime.GOMAXPROCS(0)), zstd.WithEncoderCRC(false))
	if err != nil {
		return nil, fmt.Errorf("pack: zstd encoder: %w", err)
	}
	s.dec, err = zstd.NewReader(nil, zstd.WithDecoderConcurrency(0),
		zstd.WithDecodeAllCapLimit(true), zstd.WithDecoderMaxMemory(MaxChunkSize))
	if err != nil {
		s.enc.Close()
		return nil, fmt.Errorf("pack: zstd decoder: %w", err)
	}
	if err := s.load(ctx); err != nil {
		s.enc.Close()
		s.dec.Close()
		return nil, err
	}
	return s, nil
}

// addPackLocked returns the ordinal of pack id, adding it if new.
func (s *Store) addPackLocked(id chunk.ID, alg chunk.Algorithm) uint32 {
	if ord, ok := s.packByID[id]; ok {
		return ord
	}
	ord := u32(len(s.packs))
	s.packs = append(s.packs, packInfo{id: id, name: packName(id), alg: alg})
	s.packByID[id] = ord
	return ord
}

func (s *Store) lookupLocked(id chunk.ID) (location, bool) {
	if l, ok := s.added[id]; ok {
		return l, true
	}
	return s.sorted.find(id)
}

// Has reports whether the store holds chunk id, durable or pending in an
// open pack.
func (s *Store) Has(id chunk.ID) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.hasLocked(id)
}

func (s *Store) hasLocked(id chunk.ID) bool {
	if _, ok := s.pending[id]; ok {
		return true
	}
	_, ok := s.lookupLocked(id)
	return ok
}

// Put stores data as chunk id, which must be Options.Algorithm.Sum(data);
// Put trusts it, and every later read verifies it. A chunk the store
// already holds is skipped and added is false. Put compresses in the
// calling goroutine, so callers get parallelism from a pool of goroutines
// calling Put; it stores the chunk raw when zstd saves less than 1/32 of
// its size. data is not retained. The chunk is durable after the next
// Flush returns.
//
// When the open pack reaches Options.PackSize, the Put that filled it
// stores it before returning, while other Puts go on into a new pack. If
// storing fails, that Put, later Puts and Flush return the error: the
// store can no longer write and must be closed.
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
	full, err := s.append(id, frame, len(data), flags)
	if err != nil || full == nil {
		return err == nil, err
	}
	return true, s.finish(ctx, full)
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

// append adds a frame to the open pack under the lock. If the pack is full
// it is detached and returned, for the caller to finish.
func (s *Store) append(id chunk.ID, frame []byte, raw int, flags uint32) (*packWriter, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.writableLocked(); err != nil {
		return nil, err
	}
	if s.hasLocked(id) {
		return nil, nil // another goroutine stored it meanwhile
	}
	if s.cur == nil {
		w, err := newPackWriter(s.opts.TempDir, s.opts.Algorithm)
		if err != nil {
			return nil, err
		}
		s.cur = w
	}
	e, err := s.cur.append(id, frame, raw, flags)
	if err != nil {
		s.err = err
		return nil, err
	}
	s.pending[id] = pendingRef{w: s.cur, e: e}
	s.count(1, int64(len(frame)), int64(raw))
	s.stats.Pending++
	if s.cur.size < s.opts.PackSize {
		return nil, nil
	}
	return s.detachLocked(), nil
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

func mustLocation(ord uint32, e fileEntry) location {
	l, err := makeLocation(ord, e)
	if err != nil {
		panic(err) // Options and MaxChunkSize keep packs in range
	}
	return l
}

// Get returns the bytes of chunk id, appended to dst[:0] (dst is reused if
// its capacity suffices). It always decompresses and checks the hash; any
// failure is a *ChunkError wrapping ErrNotFound, ErrCorrupt or the
// storage's error.
func (s *Store) Get(ctx context.Context, id chunk.ID, dst []byte) ([]byte, error) {
	for attempt := 0; ; attempt++ {
		s.mu.RLock()
		if s.closed {
			s.mu.RUnlock()
			return nil, &ChunkError{ID: id, Err: ErrClosed}
		}
		p, isPending := s.pending[id]
		loc, ok := s.lookupLocked(id)
		var pi packInfo
		if ok {
			pi = s.packs[loc.pack]
		}
		s.mu.RUnlock()
		if isPending {
			out, err := s.getPending(id, p, dst)
			if errors.Is(err, errWriterClosed) && attempt < 3 {
				continue // stored meanwhile: look again
			}
			return out, err
		}
		if !ok {
			return nil, &ChunkError{ID: id, Err: fmt.Errorf("%w in the index", ErrNotFound)}
		}
		return s.getStored(ctx, id, pi, loc, dst)
	}
}

func (s *Store) getPending(id chunk.ID, p pendingRef, dst []byte) ([]byte, error) {
	frame, err := p.w.readAt(uint32(p.e.Offset), p.e.Stored)
	if err == nil {
		dst, err = s.decode(id, p.w.alg, frame, p.e.Stored, p.e.Raw, p.e.Flags, dst)
	}
	if err != nil {
		return nil, &ChunkError{ID: id, Pack: "open pack " + p.w.path, Offset: int64(p.e.Offset), Err: err}
	}
	return dst, nil
}

func (s *Store) getStored(ctx context.Context, id chunk.ID, pi packInfo, loc location, dst []byte) ([]byte, error) {
	frame, err := s.st.Get(ctx, pi.name, int64(loc.offset), int64(loc.stored()))
	if errors.Is(err, blob.ErrNotFound) {
		err = fmt.Errorf("%w: the pack is missing (run 'hds fsck'): %w", ErrNotFound, err)
	} else if errors.Is(err, blob.ErrOutOfRange) {
		err = fmt.Errorf("%w: the pack is truncated (run 'hds fsck'): %w", ErrCorrupt, err)
	}
	if err == nil {
		dst, err = s.decode(id, pi.alg, frame, loc.stored(), loc.raw, loc.flags(), dst)
	}
	if err != nil {
		return nil, &ChunkError{ID: id, Pack: pi.name, Offset: int64(loc.offset), Err: err}
	}
	return dst, nil
}

// decode decompresses a frame into dst and verifies its hash.
func (s *Store) decode(id chunk.ID, alg chunk.Algorithm, frame []byte, stored, raw, flags uint32, dst []byte) ([]byte, error) {
	if len(frame) != int(stored) {
		return nil, corruptf("read %d bytes of a %d-byte frame", len(frame), stored)
	}
	n := int(raw)
	if cap(dst) < n {
		dst = make([]byte, 0, n)
	}
	out := dst[:0:n]
	if flags&flagZstd != 0 {
		var err error
		out, err = s.dec.DecodeAll(frame, out)
		if err != nil {
			return nil, corruptf("zstd frame: %v", err)
		}
	} else {
		out = append(out, frame...)
	}
	if len(out) != n {
		return nil, corruptf("decoded %d bytes, the index says %d", len(out), n)
	}
	if n > 0 && &out[0] != &dst[:n][0] {
		return nil, corruptf("decoded past %d bytes", n)
	}
	if got := alg.Sum(out); got != id {
		return nil, fmt.Errorf("%w: its bytes hash to %s (%s); the pack is damaged, run 'hds fsck --read-data'", ErrCorrupt, got.Short(), alg)
	}
	return dst[:n], nil
}

// Each calls fn for the id of every indexed (durable) chunk, in no
// particular order, on a snapshot taken when it starts; fn may call the
// Store's other methods. An error from fn stops Each and is returned.
func (s *Store) Each(fn func(id chunk.ID) error) error {
	s.mu.RLock()
	sorted := s.sorted
	added := make([]chunk.ID, 0, len(s.added))
	for id := range s.added {
		added = append(added, id)
	}
	s.mu.RUnlock()
	for _, e := range sorted {
		if err := fn(e.id); err != nil {
			return err
		}
	}
	for _, id := range added {
		if err := fn(id); err != nil {
			return err
		}
	}
	return nil
}

// Stats returns what the store holds now.
func (s *Store) Stats() Stats {
	s.mu.RLock()
	defer s.mu.RUnlock()
	st := s.stats
	st.Packs = len(s.packs)
	st.IndexFiles = len(s.indexes)
	return st
}

// Close releases the store. It does not flush: chunks Put since the last
// Flush are dropped, as the caller aborted. It waits for packs that Puts
// are storing, and does not close the blob.Storage. Calls after Close fail
// with ErrClosed.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	w := s.cur
	s.cur = nil
	if w != nil {
		s.forgetPendingLocked(w)
	}
	var waits []chan struct{}
	for f := range s.finishing {
		waits = append(waits, f.done)
	}
	s.mu.Unlock()
	if w != nil {
		w.discard()
	}
	for _, ch := range waits {
		<-ch
	}
	s.enc.Close()
	s.dec.Close()
	return nil
}
