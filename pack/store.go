package pack

import (
	"context"
	"fmt"
	"runtime"
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
	sorted     sortedIndex                // loaded at Open, replaced by Prune
	added      map[chunk.ID]location      // stored since
	pending    map[chunk.ID]pendingRef    // in packs not stored yet
	adding     map[chunk.ID]chan struct{} // being appended right now; closed when registered
	packs      []packInfo                 // packs any index entry refers to
	packByID   map[chunk.ID]uint32
	indexes    []string      // index files read or written
	badIndexes []indexFailed // index files that could not be read
	cur        *packWriter   // the open pack
	finishing  map[*packWriter]struct{}
	finishers  chan struct{} // slots for packs stored in the background
	err        error         // sticky: a pack or index could not be stored
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
		adding:    make(map[chunk.ID]chan struct{}),
		finishers: make(chan struct{}, 2),
	}
	s.bufs.New = func() any { return new([]byte) }
	s.enc, err = zstd.NewWriter(nil, zstd.WithEncoderLevel(opts.Level.zstd()),
		zstd.WithEncoderConcurrency(runtime.GOMAXPROCS(0)), zstd.WithEncoderCRC(false),
		zstd.WithLowerEncoderMem(true))
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
