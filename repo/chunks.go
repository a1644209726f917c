package repo

import (
	"context"

	"github.com/human2/hds/chunk"
)

// ChunkStore is the chunk store as the repository's users see it.
// *pack.Store implements it; tests may use MemChunks.
type ChunkStore interface {
	// Has reports whether the chunk is stored (or pending in this process).
	Has(id chunk.ID) bool
	// Put stores data under id, its hash; added is false for a duplicate.
	// Safe for concurrent use.
	Put(ctx context.Context, id chunk.ID, data []byte) (added bool, err error)
	// Flush makes every chunk Put so far durable.
	Flush(ctx context.Context) error
	// Get returns the chunk's bytes, verified against id.
	Get(ctx context.Context, id chunk.ID, dst []byte) ([]byte, error)
	// Close releases resources; chunks not flushed are dropped.
	Close() error
}
