package pack

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/human2/hds/blob/blobtest"
	"github.com/human2/hds/blob/mem"
	"github.com/human2/hds/chunk"
)

func TestCheckClean(t *testing.T) {
	st := mem.New()
	s := openStore(t, st, Options{})
	chunks, ids := testChunks(100, 10)
	putAll(t, s, chunks, ids)
	flush(t, s)
	for _, readData := range []bool{false, true} {
		if probs := collect(t, s, readData); len(probs) != 0 {
			t.Fatalf("Check(ReadData=%v) of a sound store: %v", readData, probs)
		}
	}
}

func TestCheckFlippedByte(t *testing.T) {
	inner := mem.New()
	st := &countingStorage{Storage: inner}
	s := openStore(t, st, Options{PackSize: 1 << 20})
	chunks, ids := testChunks(200, 11)
	putAll(t, s, chunks, ids)
	flush(t, s)
	pack, loc := locate(t, s, ids[42])
	inner.Modify(pack, func(b []byte) []byte { b[loc.offset+1] ^= 0x01; return b })

	var total int64
	for _, n := range names(t, inner, "packs/") {
		size, _ := inner.Stat(ctx, n)
		total += size
	}
	st.bytes.Store(0)
	if probs := collect(t, s, false); len(probs) != 0 {
		t.Fatalf("Check without ReadData: %v, want nothing (it must not read chunk data)", probs)
	}
	// Footers are read with one read of footerGuess bytes from the end of
	// each pack.
	packs := int64(len(names(t, inner, "packs/")))
	if read := st.bytes.Load(); read > packs*footerGuess+16<<10 || read > total/3 {
		t.Fatalf("Check without ReadData read %d of %d bytes in %d packs", read, total, packs)
	}
	probs := collect(t, s, true)
	var chunkErr, packErr bool
	for _, p := range probs {
		switch {
		case p.Severity == Error && p.ID == ids[42] && p.Pack == pack && strings.Contains(p.Msg, ids[42].Short()):
			chunkErr = true
		case p.Severity == Error && p.ID.IsZero() && p.Pack == pack && strings.Contains(p.Msg, "hash"):
			packErr = true
		default:
			t.Errorf("unexpected problem: %v", p)
		}
	}
	if !chunkErr || !packErr {
		t.Fatalf("Check with ReadData: %v, want an Error for chunk %s and for its pack", probs, ids[42].Short())
	}
}

// A kill between storing a pack and its index leaves an unindexed pack:
// a Warning, not an Error.
func TestCheckUnindexedPack(t *testing.T) {
	inner := mem.New()
	f := blobtest.NewFaulty(inner, func(c blobtest.Call) blobtest.Fault {
		if c.Op == blobtest.OpPutFile && strings.HasPrefix(c.Name, indexPrefix) {
			return blobtest.Fault{Err: blobtest.ErrInjected}
		}
		return blobtest.Fault{}
	})
	s := openStore(t, f, Options{})
	chunks, ids := testChunks(10, 12)
	putAll(t, s, chunks, ids)
	if err := s.Flush(ctx); !errors.Is(err, blobtest.ErrInjected) {
		t.Fatalf("Flush: %v", err)
	}
	s2 := openStore(t, inner, Options{})
	probs := collect(t, s2, true)
	if len(probs) != 1 || probs[0].Severity != Warning || !strings.Contains(probs[0].Msg, "unindexed pack") || !strings.Contains(probs[0].Msg, "hds gc") {
		t.Fatalf("Check: %v, want one Warning about an unindexed pack", probs)
	}
}

func TestCheckMissingPack(t *testing.T) {
	st := mem.New()
	s := openStore(t, st, Options{})
	chunks, ids := testChunks(10, 13)
	putAll(t, s, chunks, ids)
	flush(t, s)
	pack := names(t, st, "packs/")[0]
	st.Delete(ctx, pack)
	probs := collect(t, s, false)
	if len(probs) != 1 || probs[0].Severity != Error || probs[0].Pack != pack || !strings.Contains(probs[0].Msg, "missing") {
		t.Fatalf("Check: %v, want an Error for the missing pack", probs)
	}
	if _, err := s.Get(ctx, ids[0], nil); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), pack) {
		t.Fatalf("Get from a missing pack: %v", err)
	}
}

func TestCheckIndexDisagreesWithFooter(t *testing.T) {
	st := mem.New()
	s := openStore(t, st, Options{})
	chunks, ids := testChunks(5, 14)
	putAll(t, s, chunks, ids)
	flush(t, s)
	pack, loc := locate(t, s, ids[0])
	packID, _ := parsePackName(pack)
	bogus := chunk.BLAKE3.Sum([]byte("not in the pack"))
	e := loc.fileEntry(bogus, 0)
	if _, err := s.writeIndex(ctx, chunk.BLAKE3, []chunk.ID{packID}, []fileEntry{e}); err != nil {
		t.Fatal(err)
	}
	probs := collect(t, s, false)
	if len(probs) != 1 || probs[0].ID != bogus || probs[0].Severity != Error {
		t.Fatalf("Check: %v, want an Error for chunk %s", probs, bogus.Short())
	}
}

// recordingReporter is a progress.Reporter that records phases and items;
// like every Reporter it is safe for concurrent use.
type recordingReporter struct {
	mu     sync.Mutex
	phases []string
	items  int64
}

func (r *recordingReporter) Phase(name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.phases = append(r.phases, name)
}
func (r *recordingReporter) SetTotal(int64, int64) {}
func (r *recordingReporter) Add(items, _ int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.items += items
}
func (r *recordingReporter) Done() {}

func TestCheckProgress(t *testing.T) {
	st := mem.New()
	s := openStore(t, st, Options{})
	chunks, ids := testChunks(50, 15)
	putAll(t, s, chunks, ids)
	flush(t, s)
	var rep recordingReporter
	if err := s.Check(ctx, CheckOptions{ReadData: true, Progress: &rep}, func(p Problem) { t.Error(p) }); err != nil {
		t.Fatal(err)
	}
	if rep.items != int64(s.Stats().Packs) || len(rep.phases) != 2 {
		t.Fatalf("progress saw phases %v and %d items, want %d packs", rep.phases, rep.items, s.Stats().Packs)
	}
}
