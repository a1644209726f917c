// Package dedup finds exact and near duplicates among documents.
//
// Exact duplicates share ExactKey, a SHA-256 of the text with whitespace
// runs collapsed. Near duplicates are found with MinHash LSH as in
// BigCode's and datatrove's pipelines: word n-gram shingles (words split
// on [^A-Za-z_0-9]), Permutations min-hashes under random affine maps
// modulo the Mersenne prime 2^61-1, grouped into Bands bands of Rows rows;
// two documents sharing any band hash are duplicates (no pairwise
// verification, as in datatrove). Bands and rows are derived from the
// Jaccard Threshold by minimising the false positive plus false negative
// probability mass, as datasketch does (256 permutations at 0.7 give 25
// bands of 10 rows). Clusters are joined with union-find and the smallest
// id (byte order) of each cluster is kept, whatever the order of Add.
//
// Memory: the index keeps, per document, its id, 16 bytes of exact key and
// 8 bytes per band (25 for the defaults): BenchmarkIndex measures 335 heap
// bytes per document with 53-byte ids, so ~335 MB per million documents.
// Resolve needs 16 bytes per document more while it sorts one band.
package dedup

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"unicode"
)

// Options configure near-duplicate detection.
type Options struct {
	Shingle      int     // words per shingle (default 5)
	Permutations int     // min-hashes per document (default 256)
	Threshold    float64 // Jaccard similarity deemed duplicate (default 0.7)
	Bands, Rows  int     // LSH layout; 0 derives both from Threshold
	Seed         uint64  // seeds the permutations; fixed default
}

// DefaultOptions are BigCode's near-dedup parameters.
func DefaultOptions() Options {
	return Options{Shingle: 5, Permutations: 256, Threshold: 0.7, Seed: 0x5eed}
}

// ErrOptions marks invalid options.
var ErrOptions = errors.New("dedup: invalid options")

// Validate checks the options and derives Bands and Rows when unset.
func (o *Options) Validate() error {
	switch {
	case o.Shingle < 1:
		return fmt.Errorf("%w: shingle size %d < 1", ErrOptions, o.Shingle)
	case o.Permutations < 2 || o.Permutations > 4096:
		return fmt.Errorf("%w: %d permutations (2..4096)", ErrOptions, o.Permutations)
	case o.Threshold <= 0 || o.Threshold >= 1:
		return fmt.Errorf("%w: threshold %v not in (0,1)", ErrOptions, o.Threshold)
	case o.Bands*o.Rows > o.Permutations:
		return fmt.Errorf("%w: %d bands x %d rows > %d permutations", ErrOptions, o.Bands, o.Rows, o.Permutations)
	}
	if o.Bands <= 0 || o.Rows <= 0 {
		o.Bands, o.Rows = optimalBands(o.Threshold, o.Permutations)
	}
	return nil
}

// optimalBands minimises the probability mass of false positives (below
// the threshold) plus false negatives (above it).
func optimalBands(t float64, perms int) (bands, rows int) {
	best := math.Inf(1)
	for b := 1; b <= perms; b++ {
		for r := 1; b*r <= perms; r++ {
			p := func(s float64) float64 { return 1 - math.Pow(1-math.Pow(s, float64(r)), float64(b)) }
			fp := integrate(p, 0, t)
			fn := integrate(func(s float64) float64 { return 1 - p(s) }, t, 1)
			if e := fp + fn; e < best {
				best, bands, rows = e, b, r
			}
		}
	}
	return bands, rows
}

func integrate(f func(float64) float64, a, b float64) float64 {
	const n = 200
	h := (b - a) / n
	s := 0.0
	for i := range n {
		s += f(a + (float64(i)+0.5)*h)
	}
	return s * h
}

// ExactKey is the SHA-256 of text with every run of white space collapsed
// to one space and the ends trimmed, so re-indented or re-wrapped copies
// match.
func ExactKey(text string) [32]byte {
	return sha256.Sum256([]byte(strings.Join(strings.Fields(text), " ")))
}

// Signature is a MinHash signature: one 64-bit min-hash per permutation.
type Signature []uint64

const mersenne61 = (1 << 61) - 1

// hasher holds the affine permutations of one Options value.
type hasher struct{ a, b []uint64 }

func newHasher(o Options) hasher {
	rng := rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15))
	h := hasher{a: make([]uint64, o.Permutations), b: make([]uint64, o.Permutations)}
	for i := range h.a {
		h.a[i] = 1 + rng.Uint64N(mersenne61-1)
		h.b[i] = rng.Uint64N(mersenne61)
	}
	return h
}

// mulmod61 returns a*x+b mod 2^61-1.
func mulmod61(a, x, b uint64) uint64 {
	hi, lo := mul64(a, x)
	// (hi·2^64 + lo) mod p with p = 2^61-1: fold the high bits.
	r := (lo & mersenne61) + (lo >> 61) + (hi << 3)
	r = (r & mersenne61) + (r >> 61)
	r += b
	r = (r & mersenne61) + (r >> 61)
	if r >= mersenne61 {
		r -= mersenne61
	}
	return r
}

// Sign computes the MinHash signature of text. It returns ok=false when
// the text has fewer words than a shingle: such documents are only
// exact-deduplicated (else they would all collide).
func (o Options) Sign(text string) (Signature, bool) {
	o.defaults()
	words := strings.FieldsFunc(text, func(r rune) bool {
		return !(r == '_' || r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)))
	})
	if len(words) < o.Shingle {
		return nil, false
	}
	h := hashers.get(o)
	sig := make(Signature, o.Permutations)
	for i := range sig {
		sig[i] = math.MaxUint64
	}
	for i := 0; i+o.Shingle <= len(words); i++ {
		x := shingleHash(words[i : i+o.Shingle])
		for j := range sig {
			if v := mulmod61(h.a[j], x, h.b[j]); v < sig[j] {
				sig[j] = v
			}
		}
	}
	return sig, true
}

func (o *Options) defaults() {
	d := DefaultOptions()
	if o.Shingle <= 0 {
		o.Shingle = d.Shingle
	}
	if o.Permutations <= 0 {
		o.Permutations = d.Permutations
	}
}

// shingleHash is FNV-1a over the shingle's words, reduced below 2^61-1.
func shingleHash(words []string) uint64 {
	h := uint64(14695981039346656037)
	for _, w := range words {
		for i := 0; i < len(w); i++ {
			h ^= uint64(w[i])
			h *= 1099511628211
		}
		h ^= ' '
		h *= 1099511628211
	}
	return h % mersenne61
}

// Kind says how a dropped document duplicates the kept one.
type Kind string

// Kinds of duplicates.
const (
	Exact Kind = "exact"
	Near  Kind = "near"
)

// Index collects documents and clusters them.
type Index struct {
	o    Options
	docs []doc
}

type doc struct {
	id    string
	exact [16]byte
	bands []uint64 // nil: exact only
}

// NewIndex returns an empty index; it validates o.
func NewIndex(o Options) (*Index, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	return &Index{o: o}, nil
}

// Options returns the index's options, with Bands and Rows derived.
func (ix *Index) Options() Options { return ix.o }

// Add registers a document. sig may be nil (exact dedup only). Not safe
// for concurrent use.
func (ix *Index) Add(id string, exact [32]byte, sig Signature) {
	d := doc{id: id}
	copy(d.exact[:], exact[:16])
	if len(sig) >= ix.o.Bands*ix.o.Rows {
		d.bands = make([]uint64, ix.o.Bands)
		for b := range d.bands {
			d.bands[b] = bandHash(b, sig[b*ix.o.Rows:(b+1)*ix.o.Rows])
		}
	}
	ix.docs = append(ix.docs, d)
}

func bandHash(band int, rows []uint64) uint64 {
	h := uint64(14695981039346656037) ^ uint64(band)
	for _, v := range rows {
		for s := 0; s < 64; s += 8 {
			h ^= (v >> s) & 0xff
			h *= 1099511628211
		}
	}
	return h
}

// hasherCache shares the permutations of each (seed, count) pair.
type hasherCache struct{ m sync.Map }

var hashers hasherCache

func (c *hasherCache) get(o Options) hasher {
	key := [2]uint64{o.Seed, uint64(o.Permutations)}
	if h, ok := c.m.Load(key); ok {
		return h.(hasher)
	}
	h, _ := c.m.LoadOrStore(key, newHasher(o))
	return h.(hasher)
}
