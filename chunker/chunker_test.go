package chunker

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

var small = Params{Min: 256, Avg: 1024, Max: 4096}

func randomBytes(tb testing.TB, n int, seed uint64) []byte {
	tb.Helper()
	b := make([]byte, n)
	r := rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8)})
	r.Read(b)
	return b
}

// goSource returns up to n bytes of Go source from the local toolchain, or
// generated text if it is not installed.
func goSource(tb testing.TB, n int) []byte {
	tb.Helper()
	var buf bytes.Buffer
	root := filepath.Join(runtime.GOROOT(), "src")
	_ = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || buf.Len() >= n {
			return filepath.SkipDir
		}
		if strings.HasSuffix(p, ".go") {
			b, err := os.ReadFile(p)
			if err == nil {
				buf.Write(b)
			}
		}
		return nil
	})
	if buf.Len() < n {
		return jsonl(tb, n, 7)
	}
	return buf.Bytes()[:n]
}

// jsonl returns about n bytes of JSON lines of varied length (40..2000).
func jsonl(tb testing.TB, n int, seed uint64) []byte {
	tb.Helper()
	r := rand.New(rand.NewPCG(seed, 1))
	var buf bytes.Buffer
	for i := 0; buf.Len() < n; i++ {
		fmt.Fprintf(&buf, `{"id":%d,"text":"%s"}`+"\n", i, words(r, 5+r.IntN(300)))
	}
	return buf.Bytes()
}

func words(r *rand.Rand, n int) string {
	vocab := []string{"def", "return", "self", "import", "numpy", "class", "for", "in", "range", "x", "print", "value", "data", "if", "else"}
	var sb strings.Builder
	for i := 0; i < n; i++ {
		sb.WriteString(vocab[r.IntN(len(vocab))])
		sb.WriteByte(' ')
	}
	return sb.String()
}

// split returns copies of all chunks of data.
func split(tb testing.TB, r io.Reader, p Params) [][]byte {
	tb.Helper()
	c := New(r, p)
	var out [][]byte
	for {
		b, err := c.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			tb.Fatalf("Next: %v", err)
		}
		if len(b) == 0 {
			tb.Fatal("Next returned an empty chunk")
		}
		out = append(out, bytes.Clone(b))
	}
}

// checkInvariants verifies concatenation and size bounds.
func checkInvariants(tb testing.TB, data []byte, chunks [][]byte, p Params) {
	tb.Helper()
	if got := bytes.Join(chunks, nil); !bytes.Equal(got, data) {
		tb.Fatalf("concatenation of %d chunks (%d bytes) != input (%d bytes)", len(chunks), len(got), len(data))
	}
	for i, c := range chunks {
		if len(c) > p.Max || (i < len(chunks)-1 && len(c) < p.Min) {
			tb.Fatalf("chunk %d of %d has %d bytes, outside [%d, %d]", i, len(chunks), len(c), p.Min, p.Max)
		}
	}
}

func TestInvariants(t *testing.T) {
	inputs := map[string][]byte{
		"empty":   nil,
		"one":     {'x'},
		"random":  randomBytes(t, 3<<20, 1),
		"source":  goSource(t, 3<<20),
		"jsonl":   jsonl(t, 3<<20, 1),
		"zeros":   make([]byte, 1<<20),
		"newline": bytes.Repeat([]byte{'\n'}, 100000),
	}
	params := map[string]Params{
		"default":        DefaultParams,
		"small":          small,
		"default-record": {Min: 16 << 10, Avg: 64 << 10, Max: 256 << 10, Records: true},
		"small-record":   {Min: 256, Avg: 1024, Max: 4096, Records: true},
	}
	for in, data := range inputs {
		for pn, p := range params {
			t.Run(in+"/"+pn, func(t *testing.T) {
				checkInvariants(t, data, split(t, bytes.NewReader(data), p), p)
			})
		}
	}
}

func TestAverageSize(t *testing.T) {
	data := randomBytes(t, 16<<20, 2)
	for _, p := range []Params{DefaultParams, small} {
		chunks := split(t, bytes.NewReader(data), p)
		avg := len(data) / len(chunks)
		if avg < p.Avg/2 || avg > 2*p.Avg {
			t.Errorf("params %+v: average chunk %d bytes, want near %d", p, avg, p.Avg)
		}
	}
}

// oneByteReader makes the chunker deal with short reads.
type oneByteReader struct{ r io.Reader }

func (o oneByteReader) Read(p []byte) (int, error) { return o.r.Read(p[:min(len(p), 7)]) }

func TestDeterminism(t *testing.T) {
	data := goSource(t, 2<<20)
	for _, p := range []Params{DefaultParams, {Min: 4096, Avg: 16384, Max: 65536, Records: true}} {
		a := split(t, bytes.NewReader(data), p)
		b := split(t, oneByteReader{bytes.NewReader(data)}, p)
		if len(a) != len(b) {
			t.Fatalf("%d chunks with full reads, %d with short reads", len(a), len(b))
		}
		for i := range a {
			if !bytes.Equal(a[i], b[i]) {
				t.Fatalf("chunk %d differs between runs", i)
			}
		}
	}
}

// TestGoldenBoundaries pins the gear table and cut rule: a change here
// changes every repository's chunk boundaries (dedup, not correctness).
func TestGoldenBoundaries(t *testing.T) {
	data := randomBytes(t, 1<<20, 3)
	var sizes []string
	for _, c := range split(t, bytes.NewReader(data), Params{Min: 2048, Avg: 8192, Max: 32768}) {
		sizes = append(sizes, fmt.Sprint(len(c)))
	}
	got := fmt.Sprintf("%x", sha256.Sum256([]byte(strings.Join(sizes, ","))))
	want := readGolden(t, "boundaries.golden", got)
	if got != want {
		t.Fatalf("chunk boundaries changed: sizes hash %s, golden %s (sizes %v...)", got, want, sizes[:5])
	}
}

func chunkSet(chunks [][]byte) map[string]bool {
	m := make(map[string]bool, len(chunks))
	for _, c := range chunks {
		m[string(c)] = true
	}
	return m
}

// newChunks counts the chunks of b that are not chunks of a.
func newChunks(a, b [][]byte) int {
	old := chunkSet(a)
	n := 0
	for _, c := range b {
		if !old[string(c)] {
			n++
		}
	}
	return n
}

func TestShiftResistance(t *testing.T) {
	data := randomBytes(t, 8<<20, 4)
	for _, p := range []Params{DefaultParams, small} {
		a := split(t, bytes.NewReader(data), p)
		edited := append(append(append([]byte{}, data[:1000]...), "inserted bytes"...), data[1000:]...)
		b := split(t, bytes.NewReader(edited), p)
		// Cuts closer than Min to the previous one are skipped, so the
		// change can ripple through a few chunks before they realign.
		if n := newChunks(a, b); float64(n) > 0.01*float64(len(b)) || n > 16 {
			t.Errorf("params %+v: insertion near the start changed %d of %d chunks", p, n, len(b))
		}
	}
}

func TestRecordsEndInNewline(t *testing.T) {
	for _, p := range []Params{{Min: 16 << 10, Avg: 64 << 10, Max: 256 << 10, Records: true}, {Min: 2048, Avg: 4096, Max: 8192, Records: true}} {
		data := jsonl(t, 8<<20, 5) // lines are at most ~2 KiB < Max-Min
		chunks := split(t, bytes.NewReader(data), p)
		checkInvariants(t, data, chunks, p)
		for i, c := range chunks[:len(chunks)-1] {
			if c[len(c)-1] != '\n' {
				t.Fatalf("params %+v: chunk %d of %d does not end with a newline", p, i, len(chunks))
			}
		}
	}
}

func TestRecordsEditOneLine(t *testing.T) {
	p := Params{Min: 16 << 10, Avg: 64 << 10, Max: 256 << 10, Records: true}
	data := jsonl(t, 8<<20, 6)
	a := split(t, bytes.NewReader(data), p)
	lines := bytes.SplitAfter(data, []byte{'\n'})
	for _, edit := range []string{"same", "longer", "shorter"} {
		t.Run(edit, func(t *testing.T) {
			mid := append([][]byte{}, lines...)
			i := len(mid) / 2
			switch edit {
			case "same":
				mid[i] = bytes.ToUpper(mid[i])
			case "longer":
				mid[i] = append([]byte(`{"id":-1,"text":"an inserted record with some words"}`+"\n"), mid[i]...)
			case "shorter":
				mid[i] = []byte("{}\n")
			}
			b := split(t, bytes.NewReader(bytes.Join(mid, nil)), p)
			if n := newChunks(a, b); n < 1 || n > 2 {
				t.Fatalf("editing one line of %d (%d chunks) gave %d new chunks, want 1 or 2", len(lines), len(b), n)
			}
		})
	}
}

// patternReader yields n bytes without a newline, never holding them all.
type patternReader struct{ n, off int }

func (r *patternReader) Read(p []byte) (int, error) {
	if r.off >= r.n {
		return 0, io.EOF
	}
	p = p[:min(len(p), r.n-r.off)]
	for i := range p {
		x := uint32(r.off+i) * 2654435761
		p[i] = byte(x>>24) | 0x80 // never '\n'
	}
	r.off += len(p)
	return len(p), nil
}

func TestRecordsHugeLine(t *testing.T) {
	const size = 100 << 20
	p := Params{Min: 16 << 10, Avg: 64 << 10, Max: 256 << 10, Records: true}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	c := New(&patternReader{n: size}, p)
	total, count := 0, 0
	for {
		b, err := c.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		total += len(b)
		count++
		if len(b) != p.Max && total != size {
			t.Fatalf("chunk %d in a line with no newline has %d bytes, want Max %d", count, len(b), p.Max)
		}
	}
	runtime.ReadMemStats(&after)
	if total != size {
		t.Fatalf("chunked %d bytes, want %d", total, size)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4*uint64(p.Max) {
		t.Fatalf("chunking a %d-byte line allocated %d bytes, want at most %d", size, alloc, 4*p.Max)
	}
}

func TestResetDoesNotAllocate(t *testing.T) {
	data := jsonl(t, 1<<20, 8)
	r := bytes.NewReader(data)
	c := New(r, Params{Min: 2048, Avg: 8192, Max: 32768, Records: true})
	want := len(split(t, bytes.NewReader(data), Params{Min: 2048, Avg: 8192, Max: 32768, Records: true}))
	allocs := testing.AllocsPerRun(5, func() {
		r.Reset(data)
		c.Reset(r)
		n := 0
		for {
			if _, err := c.Next(); err != nil {
				break
			}
			n++
		}
		if n != want {
			t.Fatalf("after Reset: %d chunks, want %d", n, want)
		}
	})
	if allocs != 0 {
		t.Fatalf("Reset and Next allocated %v times per run", allocs)
	}
}

func TestValidate(t *testing.T) {
	if err := DefaultParams.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, p := range []Params{
		{}, {Min: 32, Avg: 1024, Max: 4096}, {Min: 1024, Avg: 1024, Max: 4096},
		{Min: 256, Avg: 1000, Max: 4096}, {Min: 256, Avg: 1024, Max: 1024}, {Min: 256, Avg: 1024, Max: 2 << 30},
	} {
		if err := p.Validate(); !errors.Is(err, ErrInvalidParams) {
			t.Errorf("Validate(%+v) = %v, want ErrInvalidParams", p, err)
		}
		if _, err := New(strings.NewReader("x"), p).Next(); !errors.Is(err, ErrInvalidParams) {
			t.Errorf("Next with %+v: %v, want ErrInvalidParams", p, err)
		}
	}
}

type failingReader struct{ n int }

var errBroken = errors.New("disk on fire")

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errBroken
	}
	n := min(len(p), f.n)
	f.n -= n
	return n, nil
}

func TestReadError(t *testing.T) {
	c := New(&failingReader{n: 10000}, small)
	var err error
	for err == nil {
		_, err = c.Next()
	}
	if !errors.Is(err, errBroken) {
		t.Fatalf("Next = %v, want the reader's error", err)
	}
	if _, err2 := c.Next(); !errors.Is(err2, errBroken) {
		t.Fatalf("error is not sticky: %v", err2)
	}
}

func FuzzChunker(f *testing.F) {
	f.Add([]byte("hello\nworld\n"), uint8(0), true)
	f.Add(bytes.Repeat([]byte("abc\n"), 400), uint8(3), true)
	f.Add(bytes.Repeat([]byte{0}, 1500), uint8(1), false)
	f.Fuzz(func(t *testing.T, data []byte, shift uint8, records bool) {
		p := Params{Min: 64, Avg: 128 << (shift % 4), Records: records}
		p.Max = 4 * p.Avg
		chunks := split(t, oneByteReader{bytes.NewReader(data)}, p)
		checkInvariants(t, data, chunks, p)
		again := split(t, bytes.NewReader(data), p)
		if len(again) != len(chunks) {
			t.Fatalf("not deterministic: %d vs %d chunks", len(chunks), len(again))
		}
		if records && bytes.Count(data, []byte{'\n'}) > 0 {
			longest := 0
			for _, l := range bytes.SplitAfter(data, []byte{'\n'}) {
				longest = max(longest, len(l))
			}
			for i, c := range chunks[:len(chunks)-1] {
				if longest <= p.Max-p.Min && c[len(c)-1] != '\n' {
					t.Fatalf("chunk %d does not end in newline though lines are at most %d bytes", i, longest)
				}
			}
		}
	})
}

func BenchmarkChunker(b *testing.B) {
	inputs := map[string][]byte{"random": randomBytes(b, 64<<20, 9), "source": goSource(b, 32<<20)}
	for name, data := range inputs {
		for _, records := range []bool{false, true} {
			p := DefaultParams
			p.Records = records
			b.Run(fmt.Sprintf("%s/records=%v", name, records), func(b *testing.B) {
				r := bytes.NewReader(data)
				c := New(r, p)
				b.SetBytes(int64(len(data)))
				for b.Loop() {
					r.Reset(data)
					c.Reset(r)
					for {
						if _, err := c.Next(); err != nil {
							break
						}
					}
				}
			})
		}
	}
}
