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

// writeBuffer is how many bytes a packWriter gathers before a write(2):
// measured here, 548 MB goes to the page cache in 1.02 s as 32 KiB writes
// and in 0.40 s as 1 MiB writes.
const writeBuffer = 1 << 20

// packWriter assembles one pack in a temporary file. append is called with
// the Store's lock held; readAt may be called concurrently with it.
type packWriter struct {
	path    string
	alg     chunk.Algorithm
	h       hash.Hash // of every byte written
	size    int64     // bytes appended, buffered included
	entries []fileEntry
	done    chan struct{} // closed when finishing ends, stored or not

	mu      sync.Mutex // guards f, buf and flushed for readAt against writes
	f       *os.File
	buf     []byte // appended bytes not yet written to f
	flushed int64  // bytes written to f
	closed  bool

	// inflight counts appends between their reservation under the Store's
	// lock and their registration as pending; finish waits for them, so
	// no chunk can land after the footer.
	inflight sync.WaitGroup
}

func newPackWriter(dir string, alg chunk.Algorithm) (*packWriter, error) {
	f, err := os.CreateTemp(dir, tempPackPattern)
	if err != nil {
		return nil, fmt.Errorf("pack: create pack: %w", err)
	}
	w := &packWriter{path: f.Name(), alg: alg, h: alg.New(), f: f, done: make(chan struct{})}
	w.mu.Lock()
	err = w.writeLocked(packHeader(alg))
	w.mu.Unlock()
	if err != nil {
		w.discard()
		return nil, err
	}
	return w, nil
}

// writeLocked buffers b, hashing it, and writes the buffer when full.
func (w *packWriter) writeLocked(b []byte) error {
	if w.buf == nil {
		w.buf = make([]byte, 0, writeBuffer)
	}
	w.buf = append(w.buf, b...)
	w.h.Write(b)
	w.size += int64(len(b))
	if len(w.buf) >= writeBuffer {
		return w.flushLocked()
	}
	return nil
}

// flushLocked writes the buffered bytes to the file.
func (w *packWriter) flushLocked() error {
	if len(w.buf) == 0 {
		return nil
	}
	if _, err := w.f.Write(w.buf); err != nil {
		return fmt.Errorf("pack: write %s: %w", w.path, err)
	}
	w.flushed += int64(len(w.buf))
	w.buf = w.buf[:0]
	return nil
}

// append adds a stored frame and returns its entry, and whether the pack
// has reached full bytes. Safe for concurrent use.
func (w *packWriter) append(id chunk.ID, frame []byte, raw int, flags uint32, full int64) (fileEntry, bool, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	e := fileEntry{ID: id, Offset: uint64(w.size), Stored: u32(len(frame)), Raw: u32(raw), Flags: flags}
	if err := w.writeLocked(frame); err != nil {
		return e, false, err
	}
	w.entries = append(w.entries, e)
	return e, w.size >= full, nil
}

// finish writes the footer, makes the file durable and returns the pack's
// id. The file stays open for readers until close.
func (w *packWriter) finish() (chunk.ID, error) {
	w.inflight.Wait()
	w.mu.Lock()
	err := w.writeLocked(encodeFooter(w.entries, w.alg, uint64(w.size)))
	if err == nil {
		err = w.flushLocked()
	}
	w.buf = nil
	w.mu.Unlock()
	if err != nil {
		return chunk.ID{}, err
	}
	if err := w.f.Sync(); err != nil {
		return chunk.ID{}, fmt.Errorf("pack: fsync %s: %w", w.path, err)
	}
	return chunk.SumHash(w.h), nil
}

// readAt reads a frame of the open pack.
func (w *packWriter) readAt(offset uint32, n uint32) ([]byte, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil, errWriterClosed
	}
	b := make([]byte, n)
	if off := int64(offset); off >= w.flushed && off+int64(n) <= w.flushed+int64(len(w.buf)) {
		copy(b, w.buf[off-w.flushed:])
		return b, nil
	}
	if err := w.flushLocked(); err != nil {
		return nil, err
	}
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
