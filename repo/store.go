package repo

import "context"

// openChunks opens the chunk store. Until the pack store lands this is the
// in-memory store, so nothing survives the process.
func (r *Repo) openChunks(ctx context.Context) error {
	r.Chunks = NewMemChunks(r.Config.Hash)
	return nil
}
