package pack

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/human2/hds/blob"
	"github.com/human2/hds/blob/blobtest"
	"github.com/human2/hds/blob/mem"
	"github.com/human2/hds/chunk"
)

// pruneFixture is a store with several index files, packs that are all
// garbage, mostly garbage and mostly live, and one unindexed pack.
type pruneFixture struct {
	st     *mem.Storage
	chunks [][]byte
	ids    []chunk.ID
	live   map[chunk.ID]bool
}

func (f *pruneFixture) isLive(id chunk.ID) bool { return f.live[id] }

func newPruneFixture(t *testing.T) *pruneFixture {
	t.Helper()
	f := &pruneFixture{st: mem.New(), live: make(map[chunk.ID]bool)}
	f.chunks, f.ids = testChunks(240, 20)
	faulty := blobtest.NewFaulty(f.st, nil)
	s := openStore(t, faulty, Options{PackSize: 128 << 10})
	for batch := 0; batch < 4; batch++ {
		for i := batch * 60; i < batch*60+60; i++ {
			switch {
			case batch == 0 && i%5 != 0, // mostly live
				batch == 2 && i%10 == 0: // mostly garbage
				f.live[f.ids[i]] = true
			}
		}
		if batch == 3 { // killed between pack and index: an unindexed pack
			s = openStore(t, faulty, Options{PackSize: 4 << 20})
			faulty.SetInject(func(c blobtest.Call) blobtest.Fault {
				if strings.HasPrefix(c.Name, indexPrefix) {
					return blobtest.Fault{Err: blobtest.ErrInjected}
				}
				return blobtest.Fault{}
			})
		}
		putAll(t, s, f.chunks[batch*60:batch*60+60], f.ids[batch*60:batch*60+60])
		err := s.Flush(ctx)
		if (err != nil) != (batch == 3) {
			t.Fatalf("Flush of batch %d: %v", batch, err)
		}
	}
	return f
}

// verify checks that every live chunk reads back and, if gone is set,
// that no dead chunk does.
func (f *pruneFixture) verify(t *testing.T, s *Store, gone bool) {
	t.Helper()
	for i, id := range f.ids {
		got, err := s.Get(ctx, id, nil)
		switch {
		case f.live[id] && (err != nil || string(got) != string(f.chunks[i])):
			t.Fatalf("live chunk %d: %v", i, err)
		case !f.live[id] && gone && !errors.Is(err, ErrNotFound):
			t.Fatalf("dead chunk %d: %v, want ErrNotFound", i, err)
		}
	}
}

func staleTemp(t *testing.T, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "hds-pack-123.tmp")
	if err := os.WriteFile(p, []byte("left by a kill"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPruneDryRunChangesNothing(t *testing.T) {
	f := newPruneFixture(t)
	tmp := t.TempDir()
	stale := staleTemp(t, tmp)
	before := snapshotBlobs(t, f.st)
	s := openStore(t, f.st, Options{TempDir: tmp, PackSize: 128 << 10})
	stats, err := s.Prune(ctx, f.isLive, PruneOptions{DryRun: true, TempAge: -1})
	if err != nil {
		t.Fatal(err)
	}
	if stats.PacksDeleted == 0 || stats.PacksRepacked == 0 || stats.UnindexedDeleted == 0 || stats.DeadChunks == 0 {
		t.Fatalf("dry run found nothing to do: %+v", stats)
	}
	if after := snapshotBlobs(t, f.st); !reflect.DeepEqual(before, after) {
		t.Fatal("a dry run changed the storage")
	}
	if _, err := os.Stat(stale); err != nil {
		t.Fatal("a dry run removed a temporary file")
	}
	f.verify(t, s, false)
}

func TestPrune(t *testing.T) {
	f := newPruneFixture(t)
	tmp := t.TempDir()
	stale := staleTemp(t, tmp)
	bytesBefore := packBytes(t, f.st)
	indexesBefore := len(names(t, f.st, indexPrefix))
	s := openStore(t, f.st, Options{TempDir: tmp, PackSize: 128 << 10})
	dry, err := s.Prune(ctx, f.isLive, PruneOptions{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	var rep recordingReporter
	stats, err := s.Prune(ctx, f.isLive, PruneOptions{TempAge: -1, Progress: &rep})
	if err != nil {
		t.Fatal(err)
	}
	if stats.PacksDeleted != dry.PacksDeleted || stats.PacksRepacked != dry.PacksRepacked || stats.LiveChunks != int64(len(f.live)) {
		t.Fatalf("Prune did %+v, the dry run planned %+v", stats, dry)
	}
	if stats.PacksWritten == 0 || stats.IndexFilesWritten != 1 || stats.IndexFilesDeleted != indexesBefore || stats.TempFilesDeleted != 1 {
		t.Fatalf("stats = %+v", stats)
	}
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("stale temporary file survived")
	}
	f.verify(t, s, true)
	if got := names(t, f.st, indexPrefix); len(got) != 1 {
		t.Fatalf("index files after Prune: %v", got)
	}
	if after := packBytes(t, f.st); bytesBefore-after != stats.FreedBytes {
		t.Fatalf("pack bytes went from %d to %d, stats say %d freed", bytesBefore, after, stats.FreedBytes)
	}
	if st := s.Stats(); st.Chunks != int64(len(f.live)) || st.IndexFiles != 1 {
		t.Fatalf("Stats after Prune = %+v", st)
	}
	s2 := openStore(t, f.st, Options{PackSize: 128 << 10})
	f.verify(t, s2, true)
	if probs := collect(t, s2, true); len(probs) != 0 {
		t.Fatalf("Check after Prune: %v", probs)
	}
	// Nothing is left to do.
	again, err := s2.Prune(ctx, f.isLive, PruneOptions{})
	if err != nil || again.PacksDeleted+again.PacksRepacked+again.UnindexedDeleted+again.IndexFilesDeleted != 0 {
		t.Fatalf("second Prune = %+v, %v; want nothing done", again, err)
	}
	if len(rep.phases) != 3 {
		t.Fatalf("progress phases %v", rep.phases)
	}
}

func packBytes(t *testing.T, st blob.Storage) int64 {
	var n int64
	st.List(ctx, packPrefix, func(_ string, size int64) error { n += size; return nil })
	return n
}

// Live chunks known only to a lost index file are kept from the packs'
// footers.
func TestPruneRescuesUnindexedLiveChunks(t *testing.T) {
	f := newPruneFixture(t)
	for i := 180; i < 240; i += 7 {
		f.live[f.ids[i]] = true // in the unindexed packs of batch 3
	}
	s := openStore(t, f.st, Options{PackSize: 128 << 10})
	stats, err := s.Prune(ctx, f.isLive, PruneOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if stats.RescuedChunks != 9 {
		t.Fatalf("RescuedChunks = %d, want 9", stats.RescuedChunks)
	}
	f.verify(t, s, true)
	f.verify(t, openStore(t, f.st, Options{}), true)
}

func TestPruneRefuses(t *testing.T) {
	t.Run("bad index", func(t *testing.T) {
		f := newPruneFixture(t)
		blobtest.Put(t, f.st, indexName(chunk.ID{1}), []byte("garbage"))
		before := snapshotBlobs(t, f.st)
		s := openStore(t, f.st, Options{})
		if _, err := s.Prune(ctx, f.isLive, PruneOptions{}); err == nil || !strings.Contains(err.Error(), indexName(chunk.ID{1})) {
			t.Fatalf("Prune with an unreadable index file: %v, want a refusal naming it", err)
		}
		if !reflect.DeepEqual(before, snapshotBlobs(t, f.st)) {
			t.Fatal("a refused Prune changed the storage")
		}
	})
	t.Run("pending", func(t *testing.T) {
		f := newPruneFixture(t)
		s := openStore(t, f.st, Options{})
		putAll(t, s, [][]byte{[]byte("new")}, []chunk.ID{chunk.BLAKE3.Sum([]byte("new"))})
		if _, err := s.Prune(ctx, f.isLive, PruneOptions{}); err == nil || !strings.Contains(err.Error(), "Flush") {
			t.Fatalf("Prune with pending chunks: %v", err)
		}
	})
	t.Run("threshold", func(t *testing.T) {
		s := openStore(t, mem.New(), Options{})
		if _, err := s.Prune(ctx, func(chunk.ID) bool { return true }, PruneOptions{RepackThreshold: 2}); err == nil {
			t.Fatal("Prune accepted RepackThreshold 2")
		}
	})
}

// TestPruneFaultAtEachStep makes the n-th write of Prune fail, for every n,
// in two ways: the process dies there (every later call fails), or the
// write happens but its reply is lost. After each, the store reopens with
// every live chunk readable and no errors, and a clean Prune finishes the
// job.
func TestPruneFaultAtEachStep(t *testing.T) {
	base := newPruneFixture(t)
	modes := map[string]func(n int) func(blobtest.Call) blobtest.Fault{
		"crash": blobtest.CrashAfter,
		"lost reply": func(n int) func(blobtest.Call) blobtest.Fault {
			writes := 0
			return func(c blobtest.Call) blobtest.Fault {
				if c.Op.Mutating() {
					if writes++; writes == n+1 {
						return blobtest.Fault{Err: blobtest.ErrInjected, After: true}
					}
				}
				return blobtest.Fault{}
			}
		},
	}
	for mode, inject := range modes {
		for n := 0; ; n++ {
			f := &pruneFixture{st: cloneMem(t, base.st), chunks: base.chunks, ids: base.ids, live: base.live}
			faulty := blobtest.NewFaulty(f.st, nil)
			s := openStore(t, faulty, Options{PackSize: 128 << 10})
			faulty.SetInject(inject(n))
			_, err := s.Prune(ctx, f.isLive, PruneOptions{})
			s.Close()
			writes := faulty.Count(blobtest.OpPut) + faulty.Count(blobtest.OpPutFile) + faulty.Count(blobtest.OpDelete)
			if err == nil && writes > n && mode == "crash" {
				t.Fatalf("%s after %d writes: Prune succeeded", mode, n)
			}
			t.Run(fmt.Sprintf("%s/%d", mode, n), func(t *testing.T) {
				recovered := openStore(t, f.st, Options{PackSize: 128 << 10})
				f.verify(t, recovered, false)
				if probs := collect(t, recovered, true); countSeverity(probs, Error) != 0 {
					t.Fatalf("Check after the fault: %v", probs)
				}
				if _, err := recovered.Prune(ctx, f.isLive, PruneOptions{}); err != nil {
					t.Fatalf("Prune after the fault: %v", err)
				}
				f.verify(t, recovered, true)
				if probs := collect(t, openStore(t, f.st, Options{}), false); len(probs) != 0 {
					t.Fatalf("Check after the second Prune: %v", probs)
				}
			})
			if writes <= n {
				break // the fault was never reached: every step is covered
			}
		}
	}
}
