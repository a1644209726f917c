// Package mem is an in-memory blob.Storage for tests and benchmarks. It
// keeps the whole blob.Storage contract except durability.
package mem

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/human2/hds/blob"
)

// Storage is an in-memory blob.Storage. The zero value is not usable; call
// New.
type Storage struct {
	mu     sync.RWMutex
	blobs  map[string][]byte
	closed bool
}

var _ blob.Storage = (*Storage)(nil)

// New returns an empty Storage.
func New() *Storage {
	return &Storage{blobs: make(map[string][]byte)}
}

func (s *Storage) check(ctx context.Context, name string) error {
	if err := blob.ValidName(name); err != nil {
		return err
	}
	return ctx.Err()
}

// Put implements blob.Storage.
func (s *Storage) Put(ctx context.Context, name string, r io.Reader) error {
	if err := s.check(ctx, name); err != nil {
		return err
	}
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, blob.ContextReader(ctx, r)); err != nil {
		return fmt.Errorf("blob/mem: put %s: %w", name, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return blob.ErrClosed
	}
	s.blobs[name] = buf.Bytes()
	return nil
}

// Get implements blob.Storage.
func (s *Storage) Get(ctx context.Context, name string, offset, length int64) ([]byte, error) {
	if err := s.check(ctx, name); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	b, err := s.lookup(name)
	if err != nil {
		return nil, err
	}
	n, err := blob.CheckRange(name, int64(len(b)), offset, length)
	if err != nil {
		return nil, err
	}
	return bytes.Clone(b[offset : offset+n : offset+n]), nil
}

func (s *Storage) lookup(name string) ([]byte, error) {
	if s.closed {
		return nil, blob.ErrClosed
	}
	b, ok := s.blobs[name]
	if !ok {
		return nil, fmt.Errorf("blob/mem: %s: %w", name, blob.ErrNotFound)
	}
	return b, nil
}

// Stat implements blob.Storage.
func (s *Storage) Stat(ctx context.Context, name string) (int64, error) {
	if err := s.check(ctx, name); err != nil {
		return 0, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	b, err := s.lookup(name)
	return int64(len(b)), err
}

// List implements blob.Storage. It calls fn on a snapshot taken when it
// starts, without holding a lock.
func (s *Storage) List(ctx context.Context, prefix string, fn func(string, int64) error) error {
	type entry struct {
		name string
		size int64
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return blob.ErrClosed
	}
	var found []entry
	for name, b := range s.blobs {
		if strings.HasPrefix(name, prefix) {
			found = append(found, entry{name, int64(len(b))})
		}
	}
	s.mu.RUnlock()
	for _, e := range found {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(e.name, e.size); err != nil {
			return err
		}
	}
	return nil
}

// Delete implements blob.Storage.
func (s *Storage) Delete(ctx context.Context, name string) error {
	if err := s.check(ctx, name); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return blob.ErrClosed
	}
	delete(s.blobs, name)
	return nil
}

// Close implements blob.Storage; it drops all blobs.
func (s *Storage) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	s.blobs = nil
	return nil
}

// Modify replaces the bytes of an existing blob with what fn returns,
// bypassing the contract: tests use it to corrupt or truncate a blob.
func (s *Storage) Modify(name string, fn func([]byte) []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.lookup(name)
	if err != nil {
		return err
	}
	s.blobs[name] = fn(bytes.Clone(b))
	return nil
}
