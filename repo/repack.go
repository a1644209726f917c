package repo

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/human2/hds/internal/atomicfile"
)

// Every commit adds one git pack (its commit, new trees and manifests).
// Each command reads every pack index before its first object, so after
// hundreds of versions that costs more than the command itself: Repack
// merges them, like git's repack.
const (
	// AutoPackLimit is the pack count past which commit suggests 'hds gc',
	// as git's gc.autoPackLimit triggers its automatic repack.
	AutoPackLimit = 50
	// repackBatch bounds the object bytes held in memory while repacking;
	// each batch becomes one pack.
	repackBatch = 64 << 20
)

// GitPacks returns the names (without extension) of the repository's git
// object packs that have both their pack and index.
func (r *Repo) GitPacks() ([]string, error) { return listPacks(r.path("objects", "pack")) }

// RepackStats says what Repack did.
type RepackStats struct {
	PacksBefore, PacksAfter int
	Objects                 int
}

// Repack merges the git object packs into as few packs as memory allows
// (repackBatch bytes of objects each). Every object is kept: it merges,
// it does not prune. The new packs are fsynced and in place before an old
// one is removed, and an old pack is removed before its index, so a crash
// at any point leaves every object readable. The caller holds the write
// lock; a concurrent reader that listed the old packs may fail once and
// succeed when run again.
func (r *Repo) Repack(ctx context.Context) (RepackStats, error) {
	old, err := r.GitPacks()
	if err != nil {
		return RepackStats{}, err
	}
	st := RepackStats{PacksBefore: len(old), PacksAfter: len(old)}
	if len(old) < 2 {
		return st, nil
	}
	dir := r.path("objects", "pack")
	var hashes []Hash
	seen := map[Hash]bool{}
	for _, name := range old {
		hs, err := indexHashes(filepath.Join(dir, name+".idx"))
		if err != nil {
			return st, err
		}
		for _, h := range hs {
			if !seen[h] {
				seen[h] = true
				hashes = append(hashes, h)
			}
		}
	}
	written := map[string]bool{}
	var batch []gitObject
	var size int
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		sum, err := r.writeGitPack(ctx, batch)
		if err != nil {
			return fmt.Errorf("repack: %w", err)
		}
		written["pack-"+sum.String()] = true
		batch, size = nil, 0
		return nil
	}
	for _, h := range hashes {
		if err := ctx.Err(); err != nil {
			return st, err
		}
		data, typ, err := r.readBytes(plumbing.AnyObject, h)
		if err != nil {
			return st, fmt.Errorf("repack: %w; no pack was removed", err)
		}
		batch = append(batch, gitObject{hash: h, typ: typ, data: data})
		if size += len(data); size >= repackBatch {
			if err := flush(); err != nil {
				return st, err
			}
		}
	}
	if err := flush(); err != nil {
		return st, err
	}
	for _, name := range old {
		if written[name] {
			continue // the same objects in the same order: it is its own result
		}
		base := filepath.Join(dir, name)
		if err := os.Remove(base + ".pack"); err != nil {
			return st, fmt.Errorf("repack: %w", err)
		}
		if err := os.Remove(base + ".idx"); err != nil {
			return st, fmt.Errorf("repack: %w", err)
		}
	}
	if err := atomicfile.SyncDir(dir); err != nil {
		return st, err
	}
	r.objMu.Lock()
	r.st.ObjectStorage.Reindex()
	r.objMu.Unlock()
	r.stored.reset()
	st.Objects, st.PacksAfter = len(hashes), len(written)
	return st, nil
}

// indexHashes lists the object ids in a pack index.
func indexHashes(path string) ([]Hash, error) {
	idx, err := readIndex(path)
	if err != nil {
		return nil, err
	}
	it, err := idx.Entries()
	if err != nil {
		return nil, err
	}
	defer it.Close()
	var out []Hash
	for {
		e, err := it.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
		out = append(out, e.Hash)
	}
}
