package snapshot

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/human2/hds/internal/atomicfile"
	"github.com/human2/hds/manifest"
	"github.com/human2/hds/repo"
)

// racyWindow is how close to the moment of recording an mtime must be for
// the entry to be distrusted next time. Linux stamps files from a coarse
// clock (one jiffy, at most 10 ms); the margin is twice that.
const racyWindow = 20 * time.Millisecond

// cacheMagic starts .hds/statcache; the last byte is the format version.
// Version 2 adds the tree memo after the entries; version 1 is still read.
const (
	cacheMagic   = "HDSSTAT\x02"
	cacheMagicV1 = "HDSSTAT\x01"
)

// errCacheCorrupt reports an unreadable stat cache. It is only a cache:
// callers rebuild it by reading files.
var errCacheCorrupt = errors.New("stat cache is corrupt")

// cacheEntry is what is known about one worktree file.
type cacheEntry struct {
	Stat    fileStat
	Blob    repo.Hash // manifest blob of the content that had this stat
	Records int64
	Racy    bool // recorded within racyWindow of its mtime: verify by content
}

// statCache maps worktree paths to entries.
type statCache struct {
	entries map[string]cacheEntry
	memo    treeMemo
	dirty   bool // changed since loaded: save writes it
}

// treeMemo remembers a stored tree and the digest of the file list it was
// built from (entriesDigest). A tree is a pure function of that list, so
// when an unchanged worktree gives the same digest again, its tree is
// Tree without encoding and hashing a few thousand tree objects: that is
// most of the cost of a no-change commit or status once the stat cache
// answers for every file.
//
// Commit, when not zero, is a commit whose tree is Tree: a commit's tree
// never changes, so when HEAD is still that commit its tree is known
// without reading the commit (which makes go-git load every pack index).
type treeMemo struct {
	Digest [32]byte
	Tree   repo.Hash
	Commit repo.Hash
}

// entriesDigest hashes a worktree's file list: paths in order with their
// manifest ids (the version summary entry left out, as it follows from
// the manifests). It sorts ents by path first if they are not already.
func entriesDigest(ents []repo.TreeEntry) [32]byte {
	byPath := func(a, b repo.TreeEntry) int { return strings.Compare(a.Path, b.Path) }
	if !slices.IsSortedFunc(ents, byPath) {
		slices.SortFunc(ents, byPath)
	}
	h := sha256.New()
	var buf []byte
	for _, e := range ents {
		if e.Path == manifest.DatasetPath {
			continue
		}
		buf = append(buf[:0], e.Path...)
		buf = append(buf, 0)
		buf = append(buf, e.Blob[:]...)
		h.Write(buf)
	}
	var d [32]byte
	h.Sum(d[:0])
	return d
}

// memoTree returns the memoized tree for the digest, if any.
func (c *statCache) memoTree(d [32]byte) (repo.Hash, bool) {
	if c.memo.Tree.IsZero() || c.memo.Digest != d {
		return repo.ZeroHash, false
	}
	return c.memo.Tree, true
}

// remember memoizes tree, which must be stored, as the tree of digest d
// and of commit (ZeroHash: not known).
func (c *statCache) remember(d [32]byte, tree, commit repo.Hash) {
	if m := (treeMemo{d, tree, commit}); m != c.memo {
		c.memo, c.dirty = m, true
	}
}

// treeOf returns the tree of commit (ZeroHash for none), from the memo
// when it was made for that commit.
func (c *statCache) treeOf(r *repo.Repo, commit repo.Hash) (repo.Hash, error) {
	switch {
	case commit.IsZero():
		return repo.ZeroHash, nil
	case commit == c.memo.Commit && !c.memo.Tree.IsZero():
		return c.memo.Tree, nil
	}
	co, err := r.Commit(commit)
	if err != nil {
		return repo.ZeroHash, err
	}
	return co.Tree, nil
}

func newStatCache() *statCache { return &statCache{entries: map[string]cacheEntry{}} }

// cachePath is .hds/statcache. Not .hds/index as first planned: git reads
// a file of that name in a git directory as its staging index and "git
// fsck" fails on it.
func cachePath(r *repo.Repo) string { return filepath.Join(r.Dir, "statcache") }

// split sorts the scanned files (in path order) into those whose stat the
// cache vouches for, as tree entries in path order with their cache
// entries, and those that must be read. Entries of files no longer in the
// worktree are dropped.
func (c *statCache) split(files []wfile) (ents []repo.TreeEntry, hits []cacheEntry, misses []wfile) {
	ents = make([]repo.TreeEntry, 0, len(files)+1)
	hits = make([]cacheEntry, 0, len(files))
	cached := 0 // scanned files the cache has an entry for
	for _, f := range files {
		e, ok := c.entries[f.Path]
		if ok {
			cached++
		}
		if !ok || e.Racy || e.Stat != f.Stat {
			misses = append(misses, f)
			continue
		}
		ents = append(ents, repo.TreeEntry{Path: f.Path, Blob: e.Blob})
		hits = append(hits, e)
	}
	if cached < len(c.entries) { // some cached files are gone
		present := make(map[string]bool, len(files))
		for _, f := range files {
			present[f.Path] = true
		}
		c.retain(func(p string) bool { return present[p] })
	}
	return ents, hits, misses
}

// sizeRecords returns the size and record count the cache holds for p.
func (c *statCache) sizeRecords(p string) (sizeRecords, bool) {
	e, ok := c.entries[p]
	return sizeRecords{e.Stat.Size, e.Records}, ok
}

// record stores what p's content is, as seen at time seen.
func (c *statCache) record(p string, st fileStat, blob repo.Hash, records int64, seen time.Time) {
	e := cacheEntry{
		Stat: st, Blob: blob, Records: records,
		Racy: st.Mtime >= seen.Add(-racyWindow).UnixNano(),
	}
	if old, ok := c.entries[p]; !ok || old != e {
		c.entries[p] = e
		c.dirty = true
	}
}

// forget drops p's entry.
func (c *statCache) forget(p string) {
	if _, ok := c.entries[p]; ok {
		delete(c.entries, p)
		c.dirty = true
	}
}

// retain drops entries for paths not in keep.
func (c *statCache) retain(keep func(string) bool) {
	for p := range c.entries {
		if !keep(p) {
			delete(c.entries, p)
			c.dirty = true
		}
	}
}

// loadStatCache reads the cache; a missing file is an empty cache, a
// corrupt one an empty cache plus errCacheCorrupt.
func loadStatCache(r *repo.Repo) (*statCache, error) {
	b, err := os.ReadFile(cachePath(r))
	if os.IsNotExist(err) {
		return newStatCache(), nil
	}
	if err != nil {
		return newStatCache(), fmt.Errorf("read stat cache: %w", err)
	}
	c, err := decodeStatCache(b)
	if err != nil {
		nc := newStatCache()
		nc.dirty = true
		return nc, err
	}
	return c, nil
}

func decodeStatCache(b []byte) (*statCache, error) {
	if len(b) < len(cacheMagic)+4 {
		return nil, fmt.Errorf("%w: bad header", errCacheCorrupt)
	}
	v1 := string(b[:len(cacheMagicV1)]) == cacheMagicV1
	if !v1 && string(b[:len(cacheMagic)]) != cacheMagic {
		return nil, fmt.Errorf("%w: bad header", errCacheCorrupt)
	}
	body, sum := b[:len(b)-4], binary.LittleEndian.Uint32(b[len(b)-4:])
	if crc32.Checksum(body, crcTable) != sum {
		return nil, fmt.Errorf("%w: checksum mismatch", errCacheCorrupt)
	}
	// One string holds every path: entries share it instead of costing an
	// allocation each (the cache is read by every command).
	d := &cacheDecoder{b: body[len(cacheMagic):]}
	d.s = string(d.b)
	n := d.uvarint()
	if d.err != nil || n > uint64(len(body)) {
		return nil, fmt.Errorf("%w: bad count", errCacheCorrupt)
	}
	c := &statCache{entries: make(map[string]cacheEntry, n)}
	for i := uint64(0); i < n; i++ {
		p, e := d.entry()
		if d.err != nil {
			return nil, fmt.Errorf("%w: entry %d: %v", errCacheCorrupt, i, d.err)
		}
		c.entries[p] = e
	}
	if !v1 {
		copy(c.memo.Digest[:], d.bytes(len(c.memo.Digest)))
		copy(c.memo.Tree[:], d.bytes(len(c.memo.Tree)))
		copy(c.memo.Commit[:], d.bytes(len(c.memo.Commit)))
		if d.err != nil {
			return nil, fmt.Errorf("%w: memo: %v", errCacheCorrupt, d.err)
		}
	}
	if d.off != len(d.b) {
		return nil, fmt.Errorf("%w: trailing bytes", errCacheCorrupt)
	}
	return c, nil
}

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// cacheDecoder reads the cache's body; the first error sticks. Numbers
// are read from b with encoding/binary; paths are cut from s, the same
// bytes as one string, so entries share it instead of costing an
// allocation each.
type cacheDecoder struct {
	b   []byte
	s   string
	off int
	err error
}

var errShort = errors.New("truncated")

func (d *cacheDecoder) bytes(n int) string {
	if d.err != nil || n < 0 || n > len(d.b)-d.off {
		d.err = cmp.Or(d.err, errShort)
		return ""
	}
	b := d.s[d.off : d.off+n]
	d.off += n
	return b
}

func (d *cacheDecoder) uvarint() uint64 { return readVarint(d, binary.Uvarint) }
func (d *cacheDecoder) varint() int64   { return readVarint(d, binary.Varint) }

// readVarint reads one number with read (binary.Uvarint or binary.Varint).
func readVarint[T uint64 | int64](d *cacheDecoder, read func([]byte) (T, int)) T {
	if d.err != nil {
		return 0
	}
	v, n := read(d.b[d.off:])
	if n <= 0 {
		d.err = errors.New("bad varint")
		return 0
	}
	d.off += n
	return v
}

func (d *cacheDecoder) entry() (string, cacheEntry) {
	var e cacheEntry
	pl := d.uvarint()
	if pl > uint64(len(d.b)) {
		d.err = cmp.Or(d.err, errors.New("bad path length"))
		return "", e
	}
	p := d.bytes(int(pl))
	e.Stat = fileStat{Size: d.varint(), Mtime: d.varint(), Ctime: d.varint(), Ino: uint64(d.varint()), Mode: uint32(d.varint())}
	copy(e.Blob[:], d.bytes(len(e.Blob)))
	e.Records = d.varint()
	flags := d.bytes(1)
	e.Racy = flags != "" && flags[0]&1 != 0
	return p, e
}

// save writes the cache atomically (temp, fsync, rename) if it changed.
func (c *statCache) save(r *repo.Repo) error {
	if !c.dirty {
		return nil
	}
	if err := atomicfile.Write(cachePath(r), c.encode()); err != nil {
		return err
	}
	c.dirty = false
	return nil
}

// encode returns the cache file's bytes: magic, entry count, entries in
// path order, the tree memo, and a CRC-32C of all of it.
func (c *statCache) encode() []byte {
	paths := make([]string, 0, len(c.entries))
	for p := range c.entries {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	var buf bytes.Buffer
	buf.Grow(len(cacheMagic) + len(paths)*72)
	buf.WriteString(cacheMagic)
	var tmp [binary.MaxVarintLen64]byte
	putU := func(v uint64) { buf.Write(tmp[:binary.PutUvarint(tmp[:], v)]) }
	putI := func(v int64) { buf.Write(tmp[:binary.PutVarint(tmp[:], v)]) }
	putU(uint64(len(paths)))
	for _, p := range paths {
		e := c.entries[p]
		putU(uint64(len(p)))
		buf.WriteString(p)
		for _, v := range []int64{e.Stat.Size, e.Stat.Mtime, e.Stat.Ctime, int64(e.Stat.Ino), int64(e.Stat.Mode)} {
			putI(v)
		}
		buf.Write(e.Blob[:])
		putI(e.Records)
		var flags byte
		if e.Racy {
			flags = 1
		}
		buf.WriteByte(flags)
	}
	buf.Write(c.memo.Digest[:])
	buf.Write(c.memo.Tree[:])
	buf.Write(c.memo.Commit[:])
	binary.LittleEndian.PutUint32(tmp[:4], crc32.Checksum(buf.Bytes(), crcTable))
	buf.Write(tmp[:4])
	return buf.Bytes()
}

// CachedManifests returns the manifest blobs the stat cache refers to:
// worktree files hds knows by stat alone. gc keeps their chunks, since a
// commit may reuse them without reading the files again.
func CachedManifests(r *repo.Repo) ([]repo.Hash, error) {
	c, err := loadStatCache(r)
	if err != nil && !errors.Is(err, errCacheCorrupt) {
		return nil, err
	}
	out := make([]repo.Hash, 0, len(c.entries))
	for _, e := range c.entries {
		out = append(out, e.Blob)
	}
	return out, nil
}
