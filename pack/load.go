package pack

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"

	"golang.org/x/sync/errgroup"

	"github.com/human2/hds/blob"
	"github.com/human2/hds/chunk"
)

// loadedIndex is one index file read from storage.
type loadedIndex struct {
	name    string
	header  indexHeader
	entries sortedIndex // pack ordinals local to the file until load remaps them
	err     error
}

// listIndexes returns the names and sizes of all index files, sorted.
func listIndexes(ctx context.Context, st blob.Storage) ([]string, map[string]int64, error) {
	sizes := make(map[string]int64)
	err := st.List(ctx, indexPrefix, func(name string, size int64) error {
		sizes[name] = size
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("pack: list index files: %w", err)
	}
	names := make([]string, 0, len(sizes))
	for n := range sizes {
		names = append(names, n)
	}
	slices.Sort(names)
	return names, sizes, nil
}

// readIndexes reads the named index files in parallel. It fails only if
// ctx is done; a file that cannot be read has err set.
func readIndexes(ctx context.Context, st blob.Storage, names []string, sizes map[string]int64) ([]loadedIndex, error) {
	out := make([]loadedIndex, len(names))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(4)
	for i, name := range names {
		g.Go(func() error {
			out[i] = readIndex(gctx, st, name, sizes[name])
			return gctx.Err()
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return out, nil
}

// readIndex reads and decodes one index file, checking its name.
func readIndex(ctx context.Context, st blob.Storage, name string, size int64) loadedIndex {
	li := loadedIndex{name: name}
	if _, ok := parseIndexName(name); !ok {
		li.err = fmt.Errorf("%w: %s is not named like an index file", ErrCorrupt, name)
		return li
	}
	var entries sortedIndex
	h, err := decodeIndex(&blobReader{ctx: ctx, st: st, name: name, size: size}, size, func(e fileEntry) error {
		if entries == nil {
			// The header has been checked against size by now; this
			// capacity exceeds the count by pack ids' share of size.
			entries = make(sortedIndex, 0, (size-indexHeaderSize-crcSize)/indexEntrySize)
		}
		loc, err := makeLocation(e.Pack, e)
		entries = append(entries, entry{id: e.ID, loc: loc})
		return err
	})
	if err != nil {
		li.err = fmt.Errorf("index file %s: %w", name, err)
		return li
	}
	li.header, li.entries = h, entries
	return li
}

// load reads all index files into the in-memory index.
func (s *Store) load(ctx context.Context) error {
	names, sizes, err := listIndexes(ctx, s.st)
	if err != nil {
		return err
	}
	files, err := readIndexes(ctx, s.st, names, sizes)
	if err != nil {
		return fmt.Errorf("pack: load index: %w", err)
	}
	lists := make([]sortedIndex, 0, len(files))
	for i := range files {
		f := &files[i]
		if f.err != nil {
			s.badIndexes = append(s.badIndexes, indexFailed{f.name, f.err})
			continue
		}
		ords := make([]uint32, len(f.header.Packs))
		for j, p := range f.header.Packs {
			ords[j] = s.addPackLocked(p, f.header.Algorithm)
		}
		for j := range f.entries {
			f.entries[j].loc.pack = ords[f.entries[j].loc.pack]
		}
		lists = append(lists, f.entries)
		s.indexes = append(s.indexes, f.name)
	}
	s.sorted = mergeSorted(lists)
	for _, e := range s.sorted {
		s.count(1, int64(e.loc.stored()), int64(e.loc.raw))
	}
	return nil
}

// blobReader reads a blob sequentially in bounded ranges.
type blobReader struct {
	ctx  context.Context
	st   blob.Storage
	name string
	off  int64
	size int64
}

const readPiece = 4 << 20

func (r *blobReader) Read(p []byte) (int, error) {
	if r.off >= r.size {
		return 0, io.EOF
	}
	n := min(int64(len(p)), r.size-r.off, readPiece)
	b, err := r.st.Get(r.ctx, r.name, r.off, n)
	if err != nil {
		return 0, err
	}
	if int64(len(b)) != n {
		return 0, fmt.Errorf("%w: %s: short read of %d bytes at %d", ErrCorrupt, r.name, len(b), r.off)
	}
	copy(p, b)
	r.off += n
	return int(n), nil
}

// writeIndex stores an index file assembled in a temporary file and
// returns its name.
func (s *Store) writeIndex(ctx context.Context, alg chunk.Algorithm, packs []chunk.ID, entries []fileEntry) (string, error) {
	f, err := os.CreateTemp(s.opts.TempDir, tempIndexPattern)
	if err != nil {
		return "", err
	}
	path := f.Name()
	h := s.opts.Algorithm.New()
	err = encodeIndex(io.MultiWriter(f, h), alg, packs, entries)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	name := indexName(chunk.SumHash(h))
	if err == nil {
		err = blob.PutFile(ctx, s.st, name, path)
	}
	if err != nil {
		os.Remove(path)
		return "", fmt.Errorf("write index file %s: %w", name, err)
	}
	return name, nil
}
