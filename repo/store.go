package repo

import (
	"context"
	"fmt"

	"github.com/human2/hds/blob/local"
	"github.com/human2/hds/pack"
)

// openChunks opens the chunk store under .hds/chunks. Packs are assembled
// in .hds/tmp, on the same file system, so finishing one is a rename.
func (r *Repo) openChunks(ctx context.Context) error {
	level, err := pack.ParseLevel(r.Config.Compression)
	if err != nil {
		return fmt.Errorf("open %s: config hds.compression: %w", r.Dir, err)
	}
	st, err := local.Open(r.path("chunks"))
	if err != nil {
		return fmt.Errorf("open chunk store: %w", err)
	}
	s, err := pack.Open(ctx, st, pack.Options{
		Algorithm: r.Config.Hash,
		Level:     level,
		PackSize:  r.Config.PackSize,
		TempDir:   r.path("tmp"),
	})
	if err != nil {
		st.Close()
		return fmt.Errorf("open chunk store: %w", err)
	}
	r.Chunks = s
	return nil
}

// Store returns the chunk store as the pack store, for maintenance (fsck,
// gc) that needs more than ChunkStore offers; nil if it is something else.
func (r *Repo) Store() *pack.Store {
	s, _ := r.Chunks.(*pack.Store)
	return s
}
