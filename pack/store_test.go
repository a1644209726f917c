package pack

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/human2/hds/blob"
	"github.com/human2/hds/blob/blobtest"
	"github.com/human2/hds/blob/local"
	"github.com/human2/hds/blob/mem"
	"github.com/human2/hds/chunk"
)

func storages(t *testing.T) map[string]func(t *testing.T) blob.Storage {
	return map[string]func(t *testing.T) blob.Storage{
		"mem": func(t *testing.T) blob.Storage { return mem.New() },
		"local": func(t *testing.T) blob.Storage {
			st, err := local.Open(filepath.Join(t.TempDir(), "chunks"))
			if err != nil {
				t.Fatal(err)
			}
			return st
		},
	}
}

func TestRoundTrip(t *testing.T) {
	for sname, newStorage := range storages(t) {
		for _, level := range []Level{LevelFastest, LevelNone, LevelBetter} {
			t.Run(fmt.Sprintf("%s/%s", sname, level), func(t *testing.T) {
				st := newStorage(t)
				opts := Options{Level: level, TempDir: t.TempDir()}
				s := openStore(t, st, opts)
				chunks, ids := testChunks(300, 1)
				putAll(t, s, chunks, ids)
				verifyAll(t, s, chunks, ids) // some pending, some in stored packs
				flush(t, s)
				verifyAll(t, s, chunks, ids)
				before := s.Stats()
				if before.Chunks != 300 || before.Pending != 0 || before.Packs < 2 || before.IndexFiles != before.Packs {
					t.Fatalf("Stats after Flush = %+v", before)
				}
				if level == LevelNone && before.StoredBytes != before.RawBytes {
					t.Fatalf("LevelNone stored %d of %d bytes", before.StoredBytes, before.RawBytes)
				}
				if level != LevelNone && before.StoredBytes >= before.RawBytes*3/4 {
					t.Fatalf("compression saved little: %d of %d bytes", before.StoredBytes, before.RawBytes)
				}
				s.Close()
				s2 := openStore(t, st, opts)
				verifyAll(t, s2, chunks, ids)
				if after := s2.Stats(); after != before {
					t.Fatalf("Stats after reopening = %+v, before %+v", after, before)
				}
				if n := len(names(t, st, "packs/")); n != before.Packs {
					t.Fatalf("%d pack blobs, Stats says %d", n, before.Packs)
				}
			})
		}
	}
}

func TestDedup(t *testing.T) {
	st := mem.New()
	s := openStore(t, st, Options{})
	data := textBytes(10000, 1)
	id := chunk.BLAKE3.Sum(data)
	for i, want := range []bool{true, false} {
		added, err := s.Put(ctx, id, data)
		if err != nil || added != want {
			t.Fatalf("Put %d = %v, %v; want added=%v", i, added, err, want)
		}
	}
	flush(t, s)
	s.Close()
	s = openStore(t, st, Options{})
	if added, err := s.Put(ctx, id, data); err != nil || added {
		t.Fatalf("Put after reopening = %v, %v; want a duplicate", added, err)
	}
	flush(t, s)
	if got := s.Stats(); got.Chunks != 1 || got.Packs != 1 {
		t.Fatalf("Stats = %+v, want one chunk in one pack", got)
	}
}

func TestIncompressibleStoredRaw(t *testing.T) {
	st := mem.New()
	s := openStore(t, st, Options{})
	random := randomBytes(64<<10, 1)
	text := textBytes(64<<10, 1)
	for _, b := range [][]byte{random, text} {
		if _, err := s.Put(ctx, chunk.BLAKE3.Sum(b), b); err != nil {
			t.Fatal(err)
		}
	}
	flush(t, s)
	name := names(t, st, "packs/")[0]
	size, _ := st.Stat(ctx, name)
	_, entries, err := readFooter(ctx, st, name, size)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		isRandom := e.ID == chunk.BLAKE3.Sum(random)
		if isRandom != (e.Flags&flagZstd == 0) || isRandom != (e.Stored == e.Raw) {
			t.Errorf("chunk %s (random=%v): flags %d, %d of %d bytes stored", e.ID.Short(), isRandom, e.Flags, e.Stored, e.Raw)
		}
	}
	verifyAll(t, s, [][]byte{random, text}, []chunk.ID{chunk.BLAKE3.Sum(random), chunk.BLAKE3.Sum(text)})
}

func TestEmptyChunk(t *testing.T) {
	st := mem.New()
	s := openStore(t, st, Options{})
	id := chunk.BLAKE3.Sum(nil)
	putAll(t, s, [][]byte{{}}, []chunk.ID{id})
	flush(t, s)
	if got, err := s.Get(ctx, id, nil); err != nil || len(got) != 0 {
		t.Fatalf("Get of the empty chunk = %q, %v", got, err)
	}
}

func TestGetNotFound(t *testing.T) {
	s := openStore(t, mem.New(), Options{})
	id := chunk.BLAKE3.Sum([]byte("never stored"))
	_, err := s.Get(ctx, id, nil)
	if ce, ok := isChunkError(err, ErrNotFound); !ok || ce.ID != id || !strings.Contains(err.Error(), id.Short()) {
		t.Fatalf("Get of an unknown chunk: %v, want a *ChunkError wrapping ErrNotFound naming it", err)
	}
}

func TestGetReusesDst(t *testing.T) {
	s := openStore(t, mem.New(), Options{})
	chunks, ids := testChunks(2, 3)
	putAll(t, s, chunks, ids)
	flush(t, s)
	dst := make([]byte, 0, 64<<10)
	got, err := s.Get(ctx, ids[0], dst)
	if err != nil || &got[0] != &dst[:1][0] || cap(got) != cap(dst) {
		t.Fatalf("Get did not decode into dst: %v", err)
	}
}

// locate returns where the store says chunk id is.
func locate(t *testing.T, s *Store, id chunk.ID) (string, location) {
	t.Helper()
	s.mu.RLock()
	defer s.mu.RUnlock()
	loc, ok := s.lookupLocked(id)
	if !ok {
		t.Fatalf("chunk %s not indexed", id.Short())
	}
	return s.packs[loc.pack].name, loc
}

func TestFlippedByte(t *testing.T) {
	st := mem.New()
	s := openStore(t, st, Options{})
	chunks, ids := testChunks(20, 2)
	putAll(t, s, chunks, ids)
	flush(t, s)
	victim := 4
	pack, loc := locate(t, s, ids[victim])
	st.Modify(pack, func(b []byte) []byte { b[loc.offset+loc.stored()/2] ^= 0x10; return b })

	_, err := s.Get(ctx, ids[victim], nil)
	ce, ok := isChunkError(err, ErrCorrupt)
	if !ok || ce.ID != ids[victim] || ce.Pack != pack || ce.Offset != int64(loc.offset) {
		t.Fatalf("Get of a damaged chunk: %v, want a *ChunkError wrapping ErrCorrupt", err)
	}
	if msg := err.Error(); !strings.Contains(msg, ids[victim].Short()) || !strings.Contains(msg, pack) {
		t.Fatalf("error %q does not name chunk and pack", msg)
	}
	for i := range chunks {
		if i == victim {
			continue
		}
		if got, err := s.Get(ctx, ids[i], nil); err != nil || !bytes.Equal(got, chunks[i]) {
			t.Fatalf("undamaged chunk %d: %v", i, err)
		}
	}
}

func TestTruncatedPack(t *testing.T) {
	st := mem.New()
	s := openStore(t, st, Options{})
	chunks, ids := testChunks(20, 3)
	putAll(t, s, chunks, ids)
	flush(t, s)
	pack, _ := locate(t, s, ids[0])
	size, _ := st.Stat(ctx, pack)
	st.Modify(pack, func(b []byte) []byte { return b[:size/2] })
	bad := 0
	for i := range ids {
		p, loc := locate(t, s, ids[i])
		_, err := s.Get(ctx, ids[i], nil)
		beyond := p == pack && int64(loc.offset+loc.stored()) > size/2
		if beyond {
			bad++
			if _, ok := isChunkError(err, ErrCorrupt); !ok {
				t.Fatalf("chunk %d beyond the truncation: %v, want ErrCorrupt", i, err)
			}
		} else if err != nil {
			t.Fatalf("chunk %d before the truncation: %v", i, err)
		}
	}
	if bad == 0 {
		t.Fatal("no chunk lay beyond the truncation")
	}
	probs := collect(t, s, false)
	if countSeverity(probs, Error) != 1 || probs[0].Pack != pack {
		t.Fatalf("Check of a truncated pack: %v, want one Error naming %s", probs, pack)
	}
}

func TestGarbageIndexFile(t *testing.T) {
	st := mem.New()
	s := openStore(t, st, Options{})
	chunks, ids := testChunks(10, 4)
	putAll(t, s, chunks[:5], ids[:5])
	flush(t, s)
	putAll(t, s, chunks[5:], ids[5:])
	flush(t, s)
	s.Close()
	// Damage the index of the second pack, and add a garbage file.
	_, loc := locate(t, s, ids[7])
	var victimIndex string
	for _, n := range names(t, st, "index/") {
		b := blobtest.Get(t, st, n)
		if bytes.Contains(b, s.packs[loc.pack].id[:]) {
			victimIndex = n
			st.Modify(n, func(b []byte) []byte { b[len(b)-10] ^= 1; return b })
		}
	}
	garbage := indexName(chunk.BLAKE3.Sum([]byte("garbage")))
	blobtest.Put(t, st, garbage, []byte("this is not an index file"))

	s2 := openStore(t, st, Options{})
	verifyAll(t, s2, chunks[:5], ids[:5])
	for _, id := range ids[5:] {
		if _, err := s2.Get(ctx, id, nil); !errors.Is(err, ErrNotFound) {
			t.Fatalf("chunk known only to the damaged index: %v, want ErrNotFound", err)
		}
	}
	probs := collect(t, s2, false)
	var bad []string
	for _, p := range probs {
		if p.Severity == Error {
			bad = append(bad, p.Index)
		}
	}
	if len(bad) != 2 || !strings.Contains(strings.Join(bad, " "), garbage) || !strings.Contains(strings.Join(bad, " "), victimIndex) {
		t.Fatalf("Check reported %v, want Errors for %s and %s", probs, garbage, victimIndex)
	}
	if countSeverity(probs, Warning) != 1 {
		t.Fatalf("Check reported %v, want the pack of the damaged index as unindexed", probs)
	}
}

func TestConcurrentPutGet(t *testing.T) {
	st := mem.New()
	s := openStore(t, st, Options{PackSize: 64 << 10})
	chunks, ids := testChunks(400, 5)
	var wg sync.WaitGroup
	var addedCount atomic.Int64
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Goroutines overlap, so the same chunk is Put concurrently.
			for i := g * 40; i < g*40+80; i++ {
				added, err := s.Put(ctx, ids[i], chunks[i])
				if err != nil {
					errs <- err
					return
				}
				if added {
					addedCount.Add(1)
				}
				j := g*40 + (i*7)%(i-g*40+1)
				if got, err := s.Get(ctx, ids[j], nil); err != nil || !bytes.Equal(got, chunks[j]) {
					errs <- fmt.Errorf("Get %d while putting: %v", j, err)
					return
				}
				if !s.Has(ids[i]) {
					errs <- fmt.Errorf("Has(%d) false after Put", i)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	flush(t, s)
	n := 8*40 + 40
	if got := s.Stats().Chunks; got != int64(n) || addedCount.Load() != int64(n) {
		t.Fatalf("Stats.Chunks = %d and %d Puts added, want %d", got, addedCount.Load(), n)
	}
	verifyAll(t, openStore(t, st, Options{}), chunks[:n], ids[:n])
}

func TestCloseWithoutFlush(t *testing.T) {
	st := mem.New()
	tmp := t.TempDir()
	s := openStore(t, st, Options{TempDir: tmp})
	chunks, ids := testChunks(40, 6)
	putAll(t, s, chunks[:20], ids[:20])
	flush(t, s)
	putAll(t, s, chunks[20:], ids[20:])
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(ctx, ids[0], chunks[0]); !errors.Is(err, ErrClosed) {
		t.Fatalf("Put after Close: %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(tmp, "*")); len(left) != 0 {
		t.Fatalf("Close left temporary files: %v", left)
	}
	s2 := openStore(t, st, Options{TempDir: tmp})
	verifyAll(t, s2, chunks[:20], ids[:20])
	for _, id := range ids[20:] {
		if s2.Has(id) {
			t.Fatal("a chunk Put after the last Flush survived Close")
		}
	}
	putAll(t, s2, chunks[20:], ids[20:])
	flush(t, s2)
	verifyAll(t, s2, chunks, ids)
}

func TestStoreFailureIsSticky(t *testing.T) {
	inner := mem.New()
	f := blobtest.NewFaulty(inner, nil)
	s := openStore(t, f, Options{})
	chunks, ids := testChunks(20, 7)
	putAll(t, s, chunks[:10], ids[:10])
	flush(t, s)
	putAll(t, s, chunks[10:], ids[10:])
	f.SetInject(func(c blobtest.Call) blobtest.Fault {
		if c.Op == blobtest.OpPutFile {
			return blobtest.Fault{Err: errors.New("disk full")}
		}
		return blobtest.Fault{}
	})
	err := s.Flush(ctx)
	if err == nil || !strings.Contains(err.Error(), "disk full") || !strings.Contains(err.Error(), "packs/") {
		t.Fatalf("Flush with failing storage: %v, want the storage's error naming the pack", err)
	}
	if s.Has(ids[15]) {
		t.Fatal("a chunk of the pack that failed to store is still reported present")
	}
	f.SetInject(nil)
	if _, err := s.Put(ctx, ids[15], chunks[15]); err == nil {
		t.Fatal("Put after a failed Flush succeeded; the store must refuse to write")
	}
	if err := s.Flush(ctx); err == nil {
		t.Fatal("Flush after a failed Flush succeeded")
	}
	verifyAll(t, s, chunks[:10], ids[:10])
	verifyAll(t, openStore(t, inner, Options{}), chunks[:10], ids[:10])
}

func TestFlushEmptyWritesNothing(t *testing.T) {
	st := mem.New()
	s := openStore(t, st, Options{})
	flush(t, s)
	if n := names(t, st, ""); len(n) != 0 {
		t.Fatalf("empty Flush wrote %v", n)
	}
}

func TestEach(t *testing.T) {
	st := mem.New()
	s := openStore(t, st, Options{})
	chunks, ids := testChunks(30, 8)
	putAll(t, s, chunks[:20], ids[:20])
	flush(t, s)
	s.Close()
	s = openStore(t, st, Options{})
	putAll(t, s, chunks[20:], ids[20:])
	flush(t, s)
	seen := make(map[chunk.ID]int)
	if err := s.Each(func(id chunk.ID) error { seen[id]++; return nil }); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if seen[id] != 1 {
			t.Fatalf("Each saw chunk %s %d times", id.Short(), seen[id])
		}
	}
	stop := errors.New("stop")
	if err := s.Each(func(chunk.ID) error { return stop }); err != stop {
		t.Fatalf("Each returned %v, want the callback's error", err)
	}
}

// A repository can move to another hash: old packs verify with theirs.
func TestMixedAlgorithms(t *testing.T) {
	st := mem.New()
	old := openStore(t, st, Options{Algorithm: chunk.SHA256})
	a := textBytes(5000, 1)
	if _, err := old.Put(ctx, chunk.SHA256.Sum(a), a); err != nil {
		t.Fatal(err)
	}
	flush(t, old)
	old.Close()
	s := openStore(t, st, Options{Algorithm: chunk.BLAKE3})
	b := textBytes(5000, 2)
	putAll(t, s, [][]byte{b}, []chunk.ID{chunk.BLAKE3.Sum(b)})
	flush(t, s)
	verifyAll(t, s, [][]byte{a, b}, []chunk.ID{chunk.SHA256.Sum(a), chunk.BLAKE3.Sum(b)})
	if probs := collect(t, s, true); len(probs) != 0 {
		t.Fatalf("Check: %v", probs)
	}
}

func TestPutRejectsHugeChunk(t *testing.T) {
	s := openStore(t, mem.New(), Options{})
	if _, err := s.Put(ctx, chunk.ID{}, make([]byte, MaxChunkSize+1)); err == nil {
		t.Fatal("Put of a chunk above MaxChunkSize succeeded")
	}
}

func TestOptions(t *testing.T) {
	for _, o := range []Options{{Algorithm: "md5"}, {Level: 17}, {PackSize: -1}, {PackSize: MaxPackSize + 1}} {
		if _, err := Open(ctx, mem.New(), o); err == nil {
			t.Errorf("Open with %+v succeeded", o)
		}
	}
	for _, l := range []Level{LevelNone, LevelFastest, LevelDefault, LevelBetter} {
		if got, err := ParseLevel(l.String()); err != nil || got != l {
			t.Errorf("ParseLevel(%q) = %v, %v", l, got, err)
		}
	}
	if _, err := ParseLevel("max"); err == nil {
		t.Error("ParseLevel accepted an unknown level")
	}
}

func TestTempDirUsed(t *testing.T) {
	tmp := t.TempDir()
	s := openStore(t, mem.New(), Options{TempDir: tmp})
	chunks, ids := testChunks(3, 9)
	putAll(t, s, chunks, ids)
	files, _ := os.ReadDir(tmp)
	if len(files) != 1 || !strings.HasPrefix(files[0].Name(), "hds-pack-") {
		t.Fatalf("TempDir holds %v, want the open pack", files)
	}
}
