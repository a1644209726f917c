package repo

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/human2/hds/chunk"
)

// TestRepo creates a repository in a temporary directory with a fixed
// clock and author, for tests. It is closed when the test ends.
func TestRepo(tb testing.TB) *Repo {
	tb.Helper()
	tb.Setenv("HDS_AUTHOR_NAME", "Test Author")
	tb.Setenv("HDS_AUTHOR_EMAIL", "test@example.com")
	r, err := Init(context.Background(), tb.TempDir(), DefaultConfig())
	if err != nil {
		tb.Fatal(err)
	}
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	var n int
	r.Now = func() time.Time { n++; return t0.Add(time.Duration(n) * time.Minute) }
	tb.Cleanup(func() { r.Close() })
	return r
}

// MemChunks is an in-memory ChunkStore for tests.
type MemChunks struct {
	Alg     chunk.Algorithm
	mu      sync.Mutex
	durable map[chunk.ID][]byte
	pending map[chunk.ID][]byte
}

var _ ChunkStore = (*MemChunks)(nil)

// ErrChunkNotFound is MemChunks' error for a missing chunk.
var ErrChunkNotFound = errors.New("chunk not found")

// NewMemChunks returns an empty store.
func NewMemChunks(alg chunk.Algorithm) *MemChunks {
	return &MemChunks{Alg: alg, durable: map[chunk.ID][]byte{}, pending: map[chunk.ID][]byte{}}
}

// Has implements ChunkStore.
func (m *MemChunks) Has(id chunk.ID) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, a := m.durable[id]
	_, b := m.pending[id]
	return a || b
}

// Put implements ChunkStore.
func (m *MemChunks) Put(_ context.Context, id chunk.ID, data []byte) (bool, error) {
	if m.Alg.Sum(data) != id {
		return false, fmt.Errorf("put %s: id does not match data", id.Short())
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.durable[id]; ok {
		return false, nil
	}
	if _, ok := m.pending[id]; ok {
		return false, nil
	}
	m.pending[id] = append([]byte(nil), data...)
	return true, nil
}

// Flush implements ChunkStore.
func (m *MemChunks) Flush(context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for id, b := range m.pending {
		m.durable[id] = b
	}
	m.pending = map[chunk.ID][]byte{}
	return nil
}

// Get implements ChunkStore.
func (m *MemChunks) Get(_ context.Context, id chunk.ID, dst []byte) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.durable[id]
	if !ok {
		b, ok = m.pending[id]
	}
	if !ok {
		return nil, fmt.Errorf("chunk %s: %w", id.Short(), ErrChunkNotFound)
	}
	return append(dst[:0], b...), nil
}

// Close implements ChunkStore: pending chunks are dropped.
func (m *MemChunks) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.pending = map[chunk.ID][]byte{}
	return nil
}
