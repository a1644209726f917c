package pack

import (
	"errors"
	"fmt"
	"hash"
	"os"
	"sync"

	"github.com/human2/hds/chunk"
)

// tempPattern names the files packWriter and writeIndex assemble; Prune
// removes stale ones.
const (
	tempPackPattern  = "hds-pack-*.tmp"
	tempIndexPattern = "hds-index-*.tmp"
)

var errWriterClosed = errors.New("pack: open pack already stored")

// packWriter assembles one pack in a temporary file. append is called with
// the Store's lock held; readAt may be called concurrently with it.
type packWriter struct {
	path    string
	alg     chunk.Algorithm
	h       hash.Hash // of every byte written
	size    int64
	entries []fileEntry
	done    chan struct{} // closed when finishing ends, stored or not

	mu     sync.RWMutex // readers hold it shared while using f
	f      *os.File
	closed bool
}

func newPackWriter(dir string, alg chunk.Algorithm) (*packWriter, error) {
	f, err := os.CreateTemp(dir, tempPackPattern)
	if err != nil {
		return nil, fmt.Errorf("pack: create pack: %w", err)
	}
	w := &packWriter{path: f.Name(), alg: alg, h: alg.New(), f: f, done: make(chan struct{})}
	if err := w.write(packHeader(alg)); err != nil {
		w.discard()
		return nil, err
	}
	return w, nil
}

func (w *packWriter) write(b []byte) error {
	if _, err := w.f.Write(b); err != nil {
		return fmt.Errorf("pack: write %s: %w", w.path, err)
	}
	w.h.Write(b)
	w.size += int64(len(b))
	return nil
}

// append adds a stored frame and returns its entry.
func (w *packWriter) append(id chunk.ID, frame []byte, raw int, flags uint32) (fileEntry, error) {
	e := fileEntry{ID: id, Offset: uint64(w.size), Stored: u32(len(frame)), Raw: u32(raw), Flags: flags}
	if err := w.write(frame); err != nil {
		return e, err
	}
	w.entries = append(w.entries, e)
	return e, nil
}

// finish writes the footer, makes the file durable and returns the pack's
// id. The file stays open for readers until close.
func (w *packWriter) finish() (chunk.ID, error) {
	if err := w.write(encodeFooter(w.entries, w.alg, uint64(w.size))); err != nil {
		return chunk.ID{}, err
	}
	if err := w.f.Sync(); err != nil {
		return chunk.ID{}, fmt.Errorf("pack: fsync %s: %w", w.path, err)
	}
	return chunk.SumHash(w.h), nil
}

// readAt reads a frame of the open pack.
func (w *packWriter) readAt(offset uint32, n uint32) ([]byte, error) {
	w.mu.RLock()
	defer w.mu.RUnlock()
	if w.closed {
		return nil, errWriterClosed
	}
	b := make([]byte, n)
	if _, err := w.f.ReadAt(b, int64(offset)); err != nil {
		return nil, fmt.Errorf("pack: read open pack %s: %w", w.path, err)
	}
	return b, nil
}

// close closes the file once no reader uses it.
func (w *packWriter) close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.closed {
		w.closed = true
		w.f.Close()
	}
}

// discard closes and removes the temporary file.
func (w *packWriter) discard() {
	w.close()
	os.Remove(w.path)
}
