package pack

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/human2/hds/blob/local"
	"github.com/human2/hds/chunk"
	"github.com/human2/hds/chunker"
)

const benchBytes = 32 << 20

// benchText returns Go source from the local toolchain split by the
// record-aligned chunker, about benchBytes in all.
func benchText(tb testing.TB) ([][]byte, []chunk.ID) {
	tb.Helper()
	var buf bytes.Buffer
	root := filepath.Join(runtime.GOROOT(), "src")
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || buf.Len() >= benchBytes {
			return filepath.SkipAll
		}
		if strings.HasSuffix(p, ".go") {
			if b, err := os.ReadFile(p); err == nil {
				buf.Write(b)
			}
		}
		return nil
	})
	if buf.Len() < benchBytes {
		tb.Skipf("only %d bytes of Go source under %s", buf.Len(), root)
	}
	p := chunker.DefaultParams
	p.Records = true
	c := chunker.New(&buf, p)
	var chunks [][]byte
	var ids []chunk.ID
	for {
		b, err := c.Next()
		if err == io.EOF {
			return chunks, ids
		}
		if err != nil {
			tb.Fatal(err)
		}
		chunks = append(chunks, bytes.Clone(b))
		ids = append(ids, chunk.BLAKE3.Sum(b))
	}
}

// benchRandom returns incompressible 64 KiB chunks, benchBytes in all.
func benchRandom(tb testing.TB) ([][]byte, []chunk.ID) {
	var chunks [][]byte
	var ids []chunk.ID
	for i := 0; i < benchBytes/(64<<10); i++ {
		b := randomBytes(64<<10, uint64(i))
		chunks = append(chunks, b)
		ids = append(ids, chunk.BLAKE3.Sum(b))
	}
	return chunks, ids
}

func totalBytes(chunks [][]byte) int64 {
	var n int64
	for _, c := range chunks {
		n += int64(len(c))
	}
	return n
}

// parallel calls fn(i) for i in [0, n) from the given number of goroutines.
func parallel(workers, n int, fn func(i int) error) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				if err := fn(i); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}

func benchWorkers() []int {
	if n := runtime.GOMAXPROCS(0); n > 1 {
		return []int{1, n}
	}
	return []int{1}
}

// openBenchStore opens a store on a new local directory.
func openBenchStore(b *testing.B, opts Options) (*Store, func()) {
	dir, err := os.MkdirTemp(b.TempDir(), "store")
	if err != nil {
		b.Fatal(err)
	}
	st, err := local.Open(filepath.Join(dir, "chunks"))
	if err != nil {
		b.Fatal(err)
	}
	opts.TempDir = filepath.Join(dir, "tmp")
	s, err := Open(ctx, st, opts)
	if err != nil {
		b.Fatal(err)
	}
	return s, func() { s.Close(); st.Close(); os.RemoveAll(dir) }
}

// BenchmarkPut stores 32 MiB into a local store and flushes it: compressing
// in the callers' goroutines, writing the pack, storing pack and index.
func BenchmarkPut(b *testing.B) {
	for _, kind := range []string{"text", "random"} {
		for _, workers := range benchWorkers() {
			b.Run(fmt.Sprintf("%s/workers=%d", kind, workers), func(b *testing.B) {
				load := benchText
				if kind == "random" {
					load = benchRandom
				}
				chunks, ids := load(b)
				b.SetBytes(totalBytes(chunks))
				var ratio float64
				for b.Loop() {
					b.StopTimer()
					s, done := openBenchStore(b, Options{})
					b.StartTimer()
					err := parallel(workers, len(chunks), func(i int) error {
						_, err := s.Put(ctx, ids[i], chunks[i])
						return err
					})
					if err == nil {
						err = s.Flush(ctx)
					}
					if err != nil {
						b.Fatal(err)
					}
					b.StopTimer()
					st := s.Stats()
					ratio = float64(st.StoredBytes) / float64(st.RawBytes)
					done()
					b.StartTimer()
				}
				b.ReportMetric(ratio, "stored/raw")
			})
		}
	}
}

// BenchmarkFlush measures storing one full 32 MiB pack: footer, fsync,
// rename into place, then the index file.
func BenchmarkFlush(b *testing.B) {
	chunks, ids := benchRandom(b)
	b.SetBytes(totalBytes(chunks))
	for b.Loop() {
		b.StopTimer()
		s, done := openBenchStore(b, Options{Level: LevelNone, PackSize: MaxPackSize})
		putAll(b, s, chunks, ids)
		b.StartTimer()
		if err := s.Flush(ctx); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		done()
		b.StartTimer()
	}
}

// BenchmarkGet reads back, decompresses and verifies every chunk of 32 MiB
// of Go source.
func BenchmarkGet(b *testing.B) {
	chunks, ids := benchText(b)
	s, done := openBenchStore(b, Options{})
	defer done()
	putAll(b, s, chunks, ids)
	flush(b, s)
	for _, workers := range benchWorkers() {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			b.SetBytes(totalBytes(chunks))
			bufs := make(chan []byte, workers)
			for i := 0; i < workers; i++ {
				bufs <- make([]byte, 0, chunker.DefaultParams.Max)
			}
			for b.Loop() {
				err := parallel(workers, len(chunks), func(i int) error {
					buf := <-bufs
					buf, err := s.Get(ctx, ids[i], buf)
					bufs <- buf
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkHas looks up ids in an index of a million chunks.
func BenchmarkHas(b *testing.B) {
	s, done := openBenchStore(b, Options{})
	defer done()
	const n = 1 << 20
	idx := make(sortedIndex, n)
	for i := range idx {
		idx[i].id = chunk.BLAKE3.Sum([]byte(fmt.Sprint(i)))
	}
	idx = mergeSorted([]sortedIndex{sortIndex(idx)})
	s.sorted = idx
	i := 0
	for b.Loop() {
		if !s.Has(idx[i%n].id) {
			b.Fatal("missing")
		}
		i += 7919
	}
}

func sortIndex(idx sortedIndex) sortedIndex {
	lists := make([]sortedIndex, len(idx))
	for i := range idx {
		lists[i] = idx[i : i+1]
	}
	return mergeSorted(lists)
}
