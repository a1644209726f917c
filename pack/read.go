package pack

import (
	"context"
	"errors"
	"fmt"

	"github.com/human2/hds/blob"
	"github.com/human2/hds/chunk"
)

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
