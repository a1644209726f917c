package pack

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/human2/hds/blob"
	"github.com/human2/hds/chunk"
	"github.com/human2/hds/progress"
)

// Severity grades a Problem.
type Severity int

// Severities. A Warning is harmless leftover state that 'hds gc' removes;
// an Error means data is missing or damaged.
const (
	Warning Severity = iota + 1
	Error
)

// String returns "warning" or "error".
func (s Severity) String() string {
	switch s {
	case Warning:
		return "warning"
	case Error:
		return "error"
	}
	return fmt.Sprintf("Severity(%d)", int(s))
}

// Problem is one finding of Check. Pack, Index and ID are set when the
// problem concerns that pack, index file or chunk.
type Problem struct {
	Severity Severity
	Pack     string
	Index    string
	ID       chunk.ID
	Msg      string
}

// String formats the problem for a terminal: severity, chunk, message.
func (p Problem) String() string {
	s := p.Severity.String() + ": "
	if !p.ID.IsZero() {
		s += "chunk " + p.ID.Short() + ": "
	}
	return s + p.Msg
}

// CheckOptions configure Check.
type CheckOptions struct {
	// ReadData reads, decompresses and hashes every chunk, and hashes
	// every pack against its name. Without it Check reads only index
	// files and pack footers.
	ReadData bool
	Progress progress.Reporter // nil: no progress
}

// Check verifies the store in storage, reporting each problem found; it
// calls report from one goroutine at a time. It checks that every index
// file is readable, that every indexed pack exists and its footer agrees
// with the index, and reports packs no index lists (Warning: left by a
// process killed between storing a pack and its index). With ReadData it
// verifies every chunk. Check returns an error only if it could not run
// (cancelled, storage not listable); problems are reported, not returned.
func (s *Store) Check(ctx context.Context, opts CheckOptions, report func(Problem)) error {
	pr := progress.Or(opts.Progress)
	var mu sync.Mutex
	rep := func(p Problem) { mu.Lock(); defer mu.Unlock(); report(p) }

	pr.Phase("check index")
	indexed, err := s.checkIndexes(ctx, rep)
	if err != nil {
		return err
	}
	pr.Done()
	stored, err := listPacks(ctx, s.st, rep)
	if err != nil {
		return err
	}
	pr.Phase("check packs")
	var total int64
	for _, size := range stored {
		total += size
	}
	if opts.ReadData {
		pr.SetTotal(int64(len(stored)), total)
	} else {
		pr.SetTotal(int64(len(stored)), 0)
	}
	for id, want := range indexed {
		if _, ok := stored[id]; !ok {
			rep(Problem{Severity: Error, Pack: packName(id), Msg: fmt.Sprintf("pack %s is missing; %d chunks listed in %s are lost", packName(id), len(want.entries), want.index)})
		}
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(runtime.GOMAXPROCS(0))
	for _, id := range sortedIDs(stored) {
		g.Go(func() error {
			s.checkPack(gctx, id, stored[id], indexed[id], opts.ReadData, rep)
			pr.Add(1, stored[id])
			return gctx.Err()
		})
	}
	err = g.Wait()
	pr.Done()
	return err
}

// indexedPack is what the index files say about one pack.
type indexedPack struct {
	index   string // one index file listing it, for messages
	alg     chunk.Algorithm
	entries map[chunk.ID]fileEntry
}

// checkIndexes reads every index file afresh and returns what they say
// about each pack.
func (s *Store) checkIndexes(ctx context.Context, rep func(Problem)) (map[chunk.ID]*indexedPack, error) {
	names, sizes, err := listIndexes(ctx, s.st)
	if err != nil {
		return nil, err
	}
	files, err := readIndexes(ctx, s.st, names, sizes)
	if err != nil {
		return nil, err
	}
	packs := make(map[chunk.ID]*indexedPack)
	for _, f := range files {
		if f.err != nil {
			rep(Problem{Severity: Error, Index: f.name, Msg: fmt.Sprintf("cannot read index file %s: %v; chunks only it lists cannot be found (restore the file, or re-create it: 'hds gc' re-indexes live chunks from pack footers)", f.name, f.err)})
			continue
		}
		for _, e := range f.entries {
			pid := f.header.Packs[e.loc.pack]
			ip := packs[pid]
			if ip == nil {
				ip = &indexedPack{index: f.name, alg: f.header.Algorithm, entries: make(map[chunk.ID]fileEntry)}
				packs[pid] = ip
			}
			ip.entries[e.id] = e.loc.fileEntry(e.id, 0)
		}
	}
	return packs, nil
}

// listPacks returns the size of every pack in storage by id, reporting
// blobs under packs/ that are not named like packs.
func listPacks(ctx context.Context, st blob.Storage, rep func(Problem)) (map[chunk.ID]int64, error) {
	packs := make(map[chunk.ID]int64)
	err := st.List(ctx, packPrefix, func(name string, size int64) error {
		if id, ok := parsePackName(name); ok {
			packs[id] = size
		} else if rep != nil {
			rep(Problem{Severity: Warning, Pack: name, Msg: fmt.Sprintf("%s is not named like a pack; hds ignores it", name)})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("pack: list packs: %w", err)
	}
	return packs, nil
}

func sortedIDs[V any](m map[chunk.ID]V) []chunk.ID {
	ids := make([]chunk.ID, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, chunk.ID.Compare)
	return ids
}

// checkPack checks one stored pack against what the index says of it.
func (s *Store) checkPack(ctx context.Context, id chunk.ID, size int64, want *indexedPack, readData bool, rep func(Problem)) {
	name := packName(id)
	t, entries, err := readFooter(ctx, s.st, name, size)
	if ctx.Err() != nil {
		return
	}
	if err != nil {
		msg := fmt.Sprintf("pack %s: %v", name, err)
		if want == nil {
			msg = fmt.Sprintf("unindexed pack %s with an unreadable footer: %v; no index lists it, so hds ignores it (delete it by hand)", name, err)
		}
		rep(Problem{Severity: Error, Pack: name, Msg: msg})
		return
	}
	if want == nil {
		rep(Problem{Severity: Warning, Pack: name, Msg: fmt.Sprintf("unindexed pack %s (%d chunks, left by an interrupted write); 'hds gc' removes it", name, len(entries))})
	} else {
		compareFooter(name, t, entries, want, rep)
	}
	if readData {
		s.checkPackData(ctx, name, size, t, entries, rep)
	}
}

func compareFooter(name string, t trailer, entries []fileEntry, want *indexedPack, rep func(Problem)) {
	if t.Algorithm != want.alg {
		rep(Problem{Severity: Error, Pack: name, Index: want.index, Msg: fmt.Sprintf("pack %s uses %s but index file %s says %s", name, t.Algorithm, want.index, want.alg)})
	}
	inFooter := make(map[chunk.ID]fileEntry, len(entries))
	for _, e := range entries {
		inFooter[e.ID] = e
	}
	for _, id := range sortedIDs(want.entries) {
		ie := want.entries[id]
		fe, ok := inFooter[id]
		switch {
		case !ok:
			rep(Problem{Severity: Error, Pack: name, Index: want.index, ID: id, Msg: fmt.Sprintf("index says chunk %s is in pack %s, its footer does not list it", id.Short(), name)})
		case fe != ie:
			rep(Problem{Severity: Error, Pack: name, Index: want.index, ID: id, Msg: fmt.Sprintf("index and footer of pack %s disagree on chunk %s: offset %d/%d, length %d/%d", name, id.Short(), ie.Offset, fe.Offset, ie.Stored, fe.Stored)})
		}
	}
}

// footerGuess is how much of a pack's end readFooter reads at first: the
// footer of a 32 MiB pack of 64 KiB chunks compressed to 38% is 70 KiB;
// a larger footer takes a second read.
const footerGuess = 128 << 10

// readFooter reads and decodes the footer of a pack of the given size,
// with one ranged read when the table is small.
func readFooter(ctx context.Context, st blob.Storage, name string, size int64) (trailer, []fileEntry, error) {
	tailLen := min(size, footerGuess)
	tail, err := st.Get(ctx, name, size-tailLen, tailLen)
	if err != nil {
		return trailer{}, nil, footerErr(err)
	}
	t, entries, err := decodePackFooter(tail, size)
	if err != nil || entries != nil {
		return t, entries, err
	}
	table, err := st.Get(ctx, name, int64(t.TableOffset), t.tableSize())
	if err != nil {
		return t, nil, footerErr(err)
	}
	entries, err = decodeFooterTable(table, t)
	return t, entries, err
}

func footerErr(err error) error {
	if errors.Is(err, blob.ErrOutOfRange) {
		return fmt.Errorf("%w: truncated: %w", ErrCorrupt, err)
	}
	return err
}

// checkPackData reads a pack front to back in bounded pieces, verifying
// every chunk and the pack's name.
func (s *Store) checkPackData(ctx context.Context, name string, size int64, t trailer, entries []fileEntry, rep func(Problem)) {
	h := t.Algorithm.New()
	var dst []byte
	err := readFrames(ctx, s.st, name, entries, func(e fileEntry, frame []byte) error {
		var err error
		dst, err = s.decode(e.ID, t.Algorithm, frame, e.Stored, e.Raw, e.Flags, dst)
		if err != nil {
			rep(Problem{Severity: Error, Pack: name, ID: e.ID, Msg: (&ChunkError{ID: e.ID, Pack: name, Offset: int64(e.Offset), Err: err}).Error()})
		}
		return nil
	}, h)
	if err == nil {
		var rest []byte
		rest, err = s.st.Get(ctx, name, int64(t.TableOffset), size-int64(t.TableOffset))
		h.Write(rest)
	}
	if ctx.Err() != nil {
		return
	}
	if err != nil {
		rep(Problem{Severity: Error, Pack: name, Msg: fmt.Sprintf("read pack %s: %v", name, err)})
		return
	}
	if got, ok := parsePackName(name); !ok || chunk.SumHash(h) != got {
		rep(Problem{Severity: Error, Pack: name, Msg: fmt.Sprintf("pack %s: its bytes hash to %s, not to its name; it is damaged", name, chunk.SumHash(h).Short())})
	}
}

// readFrames reads the frames of entries (sorted by offset) in pieces of
// at most readPiece bytes, or one frame if larger, and calls fn for each;
// an error from fn stops it.
// If h is not nil it is fed the header and every frame, which is every
// byte before the footer when entries are a whole footer table.
func readFrames(ctx context.Context, st blob.Storage, name string, entries []fileEntry, fn func(fileEntry, []byte) error, h interface{ Write([]byte) (int, error) }) error {
	if h != nil {
		head, err := st.Get(ctx, name, 0, packHeaderSize)
		if err != nil {
			return err
		}
		if _, err := decodePackHeader(head); err != nil {
			return err
		}
		h.Write(head)
	}
	for i := 0; i < len(entries); {
		start := entries[i].Offset
		end := start + uint64(entries[i].Stored)
		j := i + 1
		for j < len(entries) && entries[j].Offset == end && end+uint64(entries[j].Stored)-start <= readPiece {
			end += uint64(entries[j].Stored)
			j++
		}
		b, err := st.Get(ctx, name, int64(start), int64(end-start))
		if err != nil {
			return err
		}
		if uint64(len(b)) != end-start {
			return corruptf("short read of %d bytes at offset %d", len(b), start)
		}
		if h != nil {
			h.Write(b)
		}
		for _, e := range entries[i:j] {
			if err := fn(e, b[e.Offset-start:e.Offset-start+uint64(e.Stored)]); err != nil {
				return err
			}
		}
		i = j
	}
	return nil
}
