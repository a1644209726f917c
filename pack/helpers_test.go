package pack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/human2/hds/blob"
	"github.com/human2/hds/blob/mem"
	"github.com/human2/hds/chunk"
)

var ctx = context.Background()

// openStore opens a store on st with small packs unless opts say
// otherwise, closing it when the test ends.
func openStore(tb testing.TB, st blob.Storage, opts Options) *Store {
	tb.Helper()
	if opts.TempDir == "" {
		opts.TempDir = tb.TempDir()
	}
	if opts.PackSize == 0 {
		opts.PackSize = 256 << 10
	}
	s, err := Open(ctx, st, opts)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// testChunks returns n chunks: compressible text and random bytes of
// varied sizes, with their BLAKE3 ids.
func testChunks(n int, seed uint64) ([][]byte, []chunk.ID) {
	r := rand.New(rand.NewPCG(seed, 99))
	chunks := make([][]byte, n)
	ids := make([]chunk.ID, n)
	for i := range chunks {
		size := 1 + r.IntN(40<<10)
		if i%3 == 2 {
			chunks[i] = randomBytes(size, seed*1000+uint64(i))
		} else {
			chunks[i] = textBytes(size, seed*1000+uint64(i))
		}
		ids[i] = chunk.BLAKE3.Sum(chunks[i])
	}
	return chunks, ids
}

func randomBytes(n int, seed uint64) []byte {
	b := make([]byte, n)
	rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8), byte(seed >> 16), 7}).Read(b)
	return b
}

func textBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 5))
	words := []string{"def ", "return ", "self", ".value", " = ", "import numpy as np\n", "for i in range(n):\n    ", "print(x)\n", "{\"text\": \"", "\"}\n"}
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "# chunk %d\n", seed)
	for buf.Len() < n {
		buf.WriteString(words[r.IntN(len(words))])
	}
	return buf.Bytes()[:n]
}

func putAll(tb testing.TB, s *Store, chunks [][]byte, ids []chunk.ID) {
	tb.Helper()
	for i := range chunks {
		if _, err := s.Put(ctx, ids[i], chunks[i]); err != nil {
			tb.Fatalf("Put chunk %d: %v", i, err)
		}
	}
}

func verifyAll(tb testing.TB, s *Store, chunks [][]byte, ids []chunk.ID) {
	tb.Helper()
	var buf []byte
	for i := range chunks {
		got, err := s.Get(ctx, ids[i], buf)
		if err != nil {
			tb.Fatalf("Get chunk %d: %v", i, err)
		}
		if !bytes.Equal(got, chunks[i]) {
			tb.Fatalf("Get chunk %d returned different bytes", i)
		}
		buf = got
	}
}

func flush(tb testing.TB, s *Store) {
	tb.Helper()
	if err := s.Flush(ctx); err != nil {
		tb.Fatalf("Flush: %v", err)
	}
}

// names returns the sorted blob names under prefix.
func names(tb testing.TB, st blob.Storage, prefix string) []string {
	tb.Helper()
	var out []string
	if err := st.List(ctx, prefix, func(n string, _ int64) error { out = append(out, n); return nil }); err != nil {
		tb.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// cloneMem copies every blob of src into a new in-memory storage.
func cloneMem(tb testing.TB, src blob.Storage) *mem.Storage {
	tb.Helper()
	dst := mem.New()
	err := src.List(ctx, "", func(name string, _ int64) error {
		b, err := src.Get(ctx, name, 0, -1)
		if err != nil {
			return err
		}
		return dst.Put(ctx, name, bytes.NewReader(b))
	})
	if err != nil {
		tb.Fatal(err)
	}
	return dst
}

// snapshotBlobs returns every blob's content by name.
func snapshotBlobs(tb testing.TB, st blob.Storage) map[string]string {
	tb.Helper()
	m := make(map[string]string)
	for _, n := range names(tb, st, "") {
		b, err := st.Get(ctx, n, 0, -1)
		if err != nil {
			tb.Fatal(err)
		}
		m[n] = string(b)
	}
	return m
}

// collect runs Check and returns the problems it reports.
func collect(tb testing.TB, s *Store, readData bool) []Problem {
	tb.Helper()
	var probs []Problem
	if err := s.Check(ctx, CheckOptions{ReadData: readData}, func(p Problem) { probs = append(probs, p) }); err != nil {
		tb.Fatalf("Check: %v", err)
	}
	return probs
}

func countSeverity(probs []Problem, sev Severity) int {
	n := 0
	for _, p := range probs {
		if p.Severity == sev {
			n++
		}
	}
	return n
}

// countingStorage counts the bytes Get returns.
type countingStorage struct {
	blob.Storage
	bytes atomic.Int64
}

func (c *countingStorage) Get(ctx context.Context, name string, off, n int64) ([]byte, error) {
	b, err := c.Storage.Get(ctx, name, off, n)
	c.bytes.Add(int64(len(b)))
	return b, err
}

func isChunkError(err error, target error) (*ChunkError, bool) {
	var ce *ChunkError
	ok := errors.As(err, &ce) && errors.Is(err, target)
	return ce, ok
}
