package dedup

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
)

func TestOptimalBandsMatchBigCode(t *testing.T) {
	o := DefaultOptions()
	if err := o.Validate(); err != nil {
		t.Fatal(err)
	}
	// datasketch's optimal parameters for 256 permutations at 0.7.
	if o.Bands != 25 || o.Rows != 10 {
		t.Fatalf("bands x rows = %d x %d, want 25 x 10", o.Bands, o.Rows)
	}
	bad := Options{Shingle: 5, Permutations: 8, Threshold: 0.7, Bands: 4, Rows: 4}
	if err := bad.Validate(); err == nil {
		t.Fatal("4x4 bands over 8 permutations accepted")
	}
}

func TestMulmod(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 1000 {
		a, x, b := rng.Uint64N(mersenne61), rng.Uint64N(mersenne61), rng.Uint64N(mersenne61)
		// Reference with 128-bit arithmetic split by hand.
		want := refMulmod(a, x, b)
		if got := mulmod61(a, x, b); got != want {
			t.Fatalf("mulmod61(%d,%d,%d) = %d, want %d", a, x, b, got, want)
		}
	}
}

func refMulmod(a, x, b uint64) uint64 {
	// Double-and-add modulo p.
	r := uint64(0)
	for i := 63; i >= 0; i-- {
		r = (r * 2) % mersenne61
		if x>>uint(i)&1 == 1 {
			r = (r + a) % mersenne61
		}
	}
	return (r + b) % mersenne61
}

// code returns a function body of 60 words drawn from a vocabulary by a
// seeded generator: bodies with different seeds share few 5-grams.
func code(i int) string {
	vocab := strings.Fields(`user session request item price total items visible name get set
		load save cache key value index count sum map filter reduce parse read write open close
		error raise return yield async await config path file line record token model batch`)
	rng := rand.New(rand.NewPCG(uint64(i), 7))
	var sb strings.Builder
	fmt.Fprintf(&sb, "def handler_%d(request, session):\n", i)
	for l := range 12 {
		sb.WriteString("    ")
		for range 5 {
			sb.WriteString(vocab[rng.IntN(len(vocab))] + " ")
		}
		fmt.Fprintf(&sb, "= %d\n", l)
	}
	return sb.String()
}

func TestClusters(t *testing.T) {
	o := DefaultOptions()
	ix, err := NewIndex(o)
	if err != nil {
		t.Fatal(err)
	}
	add := func(id, text string) {
		sig, ok := o.Sign(text)
		if !ok {
			sig = nil
		}
		ix.Add(id, ExactKey(text), sig)
	}
	base := code(1)
	add("d", base)                                               // original
	add("b", strings.ReplaceAll(base, "    ", "\t"))             // re-indented: exact
	add("c", base+"    # cache the result for later requests\n") // small edit: near
	add("a", code(2))                                            // different function
	add("e", "x = 1")                                            // short: exact-only
	add("f", "x  =  1")                                          // short exact copy
	for i := 3; i < 200; i++ {
		add(fmt.Sprintf("z%03d", i), code(i*1000))
	}
	r := ix.Resolve()
	check := func(id, keep string, kind Kind) {
		t.Helper()
		k, why, ok := r.Duplicate(id)
		if !ok || k != keep || why != kind {
			t.Errorf("Duplicate(%q) = %q %q %v, want %q %q", id, k, why, ok, keep, kind)
		}
	}
	check("d", "b", Exact)
	check("c", "b", Near)
	check("f", "e", Exact)
	for _, id := range []string{"a", "b", "e"} {
		if _, _, ok := r.Duplicate(id); ok {
			t.Errorf("%s dropped", id)
		}
	}
	if ex, near := r.Counts(); ex != 2 || near != 1 {
		t.Errorf("counts exact %d near %d, want 2 and 1", ex, near)
	}
}

func TestResolveIgnoresAddOrder(t *testing.T) {
	o := DefaultOptions()
	texts := map[string]string{}
	for i := range 50 {
		texts[fmt.Sprintf("id%02d", i)] = code(i % 10)
	}
	var first map[string]string
	for round := range 3 {
		ix, _ := NewIndex(o)
		ids := make([]string, 0, len(texts))
		for id := range texts { // map order differs per round
			ids = append(ids, id)
		}
		for _, id := range ids {
			sig, _ := o.Sign(texts[id])
			ix.Add(id, ExactKey(texts[id]), sig)
		}
		r := ix.Resolve()
		got := map[string]string{}
		for id := range texts {
			if k, _, ok := r.Duplicate(id); ok {
				got[id] = k
			}
		}
		if round == 0 {
			first = got
			if len(got) != 40 {
				t.Fatalf("%d dropped, want 40", len(got))
			}
		} else if fmt.Sprint(got) != fmt.Sprint(first) {
			t.Fatal("result depends on Add order")
		}
	}
}

func BenchmarkSign(b *testing.B) {
	o := DefaultOptions()
	text := strings.Repeat(code(1), 4)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		o.Sign(text)
	}
}

// BenchmarkIndex measures what the index costs per document (heap bytes
// held after Add, with 50-byte ids and default options) and how long
// Resolve takes per document; b.N documents are indexed.
func BenchmarkIndex(b *testing.B) {
	o := DefaultOptions()
	ix, err := NewIndex(o)
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	sig := make(Signature, o.Permutations)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	for i := range b.N {
		for j := range sig {
			sig[j] = rng.Uint64()
		}
		var exact [32]byte
		exact[0], exact[1], exact[2] = byte(i), byte(i>>8), byte(i>>16)
		ix.Add(fmt.Sprintf("codesearchnet:github.com/org/repo/path/file_%016d.py", i), exact, sig)
	}
	b.StopTimer()
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(b.N), "heapB/doc")
	b.StartTimer()
	ix.Resolve()
}
