package pack

import (
	"errors"
	"fmt"

	"github.com/human2/hds/chunk"
)

// Sentinel errors, matched with errors.Is.
var (
	// ErrNotFound: the store has no such chunk, or its pack is missing.
	ErrNotFound = errors.New("pack: chunk not found")
	// ErrCorrupt: stored bytes do not decode, or do not hash to their id;
	// also a damaged pack footer or index file.
	ErrCorrupt = errors.New("pack: chunk does not match its id")
	// ErrClosed: the Store was closed.
	ErrClosed = errors.New("pack: store closed")
)

// ChunkError reports a failure to read one chunk. Err wraps ErrNotFound or
// ErrCorrupt when the cause is one of those, or the storage's error.
type ChunkError struct {
	ID     chunk.ID
	Pack   string // blob name of the pack, "" if the chunk is not indexed
	Offset int64  // of the chunk's frame in the pack
	Err    error
}

// Error names the chunk by its short id, the pack and the offset.
func (e *ChunkError) Error() string {
	if e.Pack == "" {
		return fmt.Sprintf("chunk %s: %v", e.ID.Short(), e.Err)
	}
	return fmt.Sprintf("chunk %s in %s at offset %d: %v", e.ID.Short(), e.Pack, e.Offset, e.Err)
}

// Unwrap returns Err.
func (e *ChunkError) Unwrap() error { return e.Err }

// corruptf returns an error wrapping ErrCorrupt with a description.
func corruptf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrCorrupt, fmt.Sprintf(format, args...))
}
