package pack

import (
	"encoding/binary"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/human2/hds/blob/local"
	"github.com/human2/hds/chunk"
)

// TestPutMemoryBounded stores 500 MB (64 MB with -short or -race) through
// two workers into a local store and checks that the heap stays small: the
// open pack lives in a temporary file, never in memory.
func TestPutMemoryBounded(t *testing.T) {
	total := 500 << 20
	if testing.Short() || raceEnabled {
		total = 64 << 20
	}
	const workers, size = 2, 64 << 10
	st, err := local.Open(filepath.Join(t.TempDir(), "chunks"))
	if err != nil {
		t.Fatal(err)
	}
	s := openStore(t, st, Options{PackSize: DefaultPackSize})

	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	var peak atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	text := textBytes(size, 1)
	n := total / size
	err = parallel(workers, n, func(i int) error {
		// Each worker's chunk is a fresh copy of text with its number in
		// front: unique, and compressible like source code.
		buf := make([]byte, size)
		copy(buf, text)
		binary.LittleEndian.PutUint64(buf, uint64(i))
		_, err := s.Put(ctx, chunk.BLAKE3.Sum(buf), buf)
		return err
	})
	if err == nil {
		err = s.Flush(ctx)
	}
	close(stop)
	<-sampled
	if err != nil {
		t.Fatal(err)
	}
	grew := int64(peak.Load()) - int64(base.HeapInuse)
	t.Logf("stored %d MB in %d packs; heap in use grew by at most %.1f MB (base %.1f MB)",
		total>>20, s.Stats().Packs, float64(grew)/(1<<20), float64(base.HeapInuse)/(1<<20))
	if grew > 48<<20 {
		t.Fatalf("heap grew by %d MB while storing %d MB", grew>>20, total>>20)
	}
}
