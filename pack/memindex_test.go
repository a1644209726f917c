package pack

import (
	"encoding/binary"
	"runtime"
	"slices"
	"testing"

	"github.com/human2/hds/blob/mem"
	"github.com/human2/hds/chunk"
)

func TestMergeSorted(t *testing.T) {
	mk := func(keys ...byte) sortedIndex {
		var s sortedIndex
		for _, k := range keys {
			s = append(s, entry{id: chunk.ID{k}, loc: location{pack: uint32(len(s))}})
		}
		return s
	}
	a, b, c := mk(1, 3, 5), mk(2, 3, 6), mk(0, 7)
	for i := range b {
		b[i].loc.pack = 100
	}
	got := mergeSorted([]sortedIndex{a, b, c, nil})
	var keys []byte
	for _, e := range got {
		keys = append(keys, e.id[0])
		if e.id[0] == 3 && e.loc.pack != 1 {
			t.Fatalf("duplicate id 3 resolved to list b; the first list must win")
		}
	}
	if !slices.Equal(keys, []byte{0, 1, 2, 3, 5, 6, 7}) {
		t.Fatalf("merged keys %v", keys)
	}
	for _, e := range got {
		if l, ok := got.find(e.id); !ok || l != e.loc {
			t.Fatalf("find(%x) = %v, %v", e.id[0], l, ok)
		}
	}
	if _, ok := got.find(chunk.ID{4}); ok {
		t.Fatal("find of a missing id succeeded")
	}
}

// TestFold stores enough chunks that the map of new chunks is folded into
// the sorted index several times.
func TestFold(t *testing.T) {
	old := foldThreshold
	foldThreshold = 16
	defer func() { foldThreshold = old }()
	st := mem.New()
	s := openStore(t, st, Options{PackSize: 16 << 10})
	chunks, ids := testChunks(200, 30)
	putAll(t, s, chunks, ids)
	flush(t, s)
	verifyAll(t, s, chunks, ids)
	if len(s.added) >= foldThreshold || len(s.sorted) < 100 {
		t.Fatalf("no fold: %d in the map, %d sorted", len(s.added), len(s.sorted))
	}
	if got := s.Stats().Chunks; got != 200 {
		t.Fatalf("Stats.Chunks = %d", got)
	}
}

// TestIndexMemoryPerChunk loads an index of 200,000 chunks and measures
// the heap the in-memory index takes: 48 bytes per chunk plus slack.
func TestIndexMemoryPerChunk(t *testing.T) {
	const n = 200000
	st := mem.New()
	s := openStore(t, st, Options{})
	entries := make([]fileEntry, n)
	packs := make([]chunk.ID, n/1000)
	for i := range packs {
		packs[i] = chunk.BLAKE3.Sum(binary.LittleEndian.AppendUint32(nil, uint32(i)))
	}
	for i := range entries {
		entries[i] = fileEntry{ID: chunk.BLAKE3.Sum(binary.LittleEndian.AppendUint64(nil, uint64(i))),
			Pack: uint32(i % len(packs)), Offset: packHeaderSize, Stored: 30000, Raw: 65536, Flags: flagZstd}
	}
	slices.SortFunc(entries, func(a, b fileEntry) int { return a.ID.Compare(b.ID) })
	if _, err := s.writeIndex(ctx, chunk.BLAKE3, packs, entries); err != nil {
		t.Fatal(err)
	}
	entries = nil
	s.Close()

	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	s2 := openStore(t, st, Options{})
	runtime.GC()
	runtime.ReadMemStats(&after)
	if s2.Stats().Chunks != n {
		t.Fatalf("loaded %d chunks", s2.Stats().Chunks)
	}
	perChunk := float64(after.HeapInuse-before.HeapInuse) / n
	t.Logf("in-memory index: %.1f bytes per chunk", perChunk)
	if perChunk > 64 {
		t.Fatalf("in-memory index takes %.1f bytes per chunk, want at most 64", perChunk)
	}
	runtime.KeepAlive(s2)
}
