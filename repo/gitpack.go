package repo

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"runtime"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/idxfile"
	"github.com/klauspost/compress/zlib"
	"golang.org/x/sync/errgroup"

	"github.com/human2/hds/internal/atomicfile"
)

// gitObject is an object to pack: its id, type and raw content.
type gitObject struct {
	hash Hash
	typ  plumbing.ObjectType
	data []byte
}

// writeGitPack stores objs as one git pack (version 2) plus its index
// under .hds/objects/pack and returns the pack's checksum. It replaces
// go-git's encoder for speed: objects are zlib-compressed on all cores at
// level 1 (manifests are small and mostly hex), and the index is built
// from the offsets as they are written instead of by parsing the pack
// again. Both files are fsynced; the index is renamed into place before
// the pack, so a crash leaves at most an index without a pack, which git
// and go-git ignore.
func (r *Repo) writeGitPack(ctx context.Context, objs []gitObject) (Hash, error) {
	entries, err := compressObjects(ctx, objs)
	if err != nil {
		return ZeroHash, err
	}
	dir := r.path("objects", "pack")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return ZeroHash, err
	}
	pf, err := os.CreateTemp(dir, ".tmp-pack-")
	if err != nil {
		return ZeroHash, fmt.Errorf("write objects: %w", err)
	}
	defer os.Remove(pf.Name())
	defer pf.Close()

	sum := sha1.New()
	w := bufio.NewWriterSize(pf, 1<<20)
	out := func(b []byte) { w.Write(b); sum.Write(b) }
	var hdr [12]byte
	copy(hdr[:], "PACK")
	binary.BigEndian.PutUint32(hdr[4:], 2)
	binary.BigEndian.PutUint32(hdr[8:], uint32(len(objs)))
	out(hdr[:])
	idx := new(idxfile.Writer)
	idx.OnHeader(uint32(len(objs)))
	offset := uint64(len(hdr))
	for i, e := range entries {
		out(e)
		idx.Add(objs[i].hash, offset, crc32.ChecksumIEEE(e))
		offset += uint64(len(e))
	}
	var packSum Hash
	copy(packSum[:], sum.Sum(nil))
	w.Write(packSum[:])
	if err := w.Flush(); err != nil {
		return ZeroHash, fmt.Errorf("write objects: %w", err)
	}
	if err := pf.Sync(); err != nil {
		return ZeroHash, fmt.Errorf("write objects: %w", err)
	}
	if err := idx.OnFooter(packSum); err != nil {
		return ZeroHash, err
	}
	mi, err := idx.Index()
	if err != nil {
		return ZeroHash, err
	}
	var ib bytes.Buffer
	if _, err := idxfile.NewEncoder(&ib).Encode(mi); err != nil {
		return ZeroHash, err
	}
	base := filepath.Join(dir, "pack-"+packSum.String())
	if err := atomicfile.Write(base+".idx", ib.Bytes()); err != nil {
		return ZeroHash, err
	}
	if err := os.Rename(pf.Name(), base+".pack"); err != nil {
		return ZeroHash, fmt.Errorf("write objects: %w", err)
	}
	if err := atomicfile.SyncDir(dir); err != nil {
		return ZeroHash, err
	}
	r.objMu.Lock()
	r.st.ObjectStorage.Reindex() // let go-git see the new pack
	r.objMu.Unlock()
	return packSum, nil
}

// compressObjects returns each object's pack entry: the type-and-size
// header followed by the zlib stream of its content.
func compressObjects(ctx context.Context, objs []gitObject) ([][]byte, error) {
	entries := make([][]byte, len(objs))
	g, gctx := errgroup.WithContext(ctx)
	workers := runtime.GOMAXPROCS(0)
	for w := 0; w < workers; w++ {
		g.Go(func() error {
			var buf bytes.Buffer
			zw, _ := zlib.NewWriterLevel(&buf, zlib.BestSpeed)
			for i := w; i < len(objs); i += workers {
				if err := gctx.Err(); err != nil {
					return err
				}
				buf.Reset()
				buf.Write(objectHeader(objs[i].typ, int64(len(objs[i].data))))
				zw.Reset(&buf)
				zw.Write(objs[i].data)
				if err := zw.Close(); err != nil {
					return err
				}
				entries[i] = bytes.Clone(buf.Bytes())
			}
			return nil
		})
	}
	return entries, g.Wait()
}

// objectHeader is a pack entry header: type in bits 4-6 of the first byte,
// size in 4 bits there and 7 bits per following byte, low bits first.
func objectHeader(t plumbing.ObjectType, size int64) []byte {
	b := []byte{byte(t)<<4 | byte(size&0x0f)}
	size >>= 4
	for size > 0 {
		b[len(b)-1] |= 0x80
		b = append(b, byte(size&0x7f))
		size >>= 7
	}
	return b
}
