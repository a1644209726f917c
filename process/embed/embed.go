// Package embed turns texts into vectors: a built-in deterministic
// embedder that needs no network (feature hashing), and a client for
// OpenAI-compatible /v1/embeddings servers (Ollama, vLLM,
// text-embeddings-inference, OpenAI).
package embed

import (
	"context"
	"fmt"
	"math"
	"strings"
	"unicode"
)

// Embedder maps texts to vectors of Dim() float32s. Name identifies the
// model and dimension; it is stored with every embedding so vectors of
// different models are never mixed or reused for one another.
// Implementations are safe for concurrent use.
type Embedder interface {
	Name() string
	Dim() int
	Embed(ctx context.Context, texts []string) ([][]float32, error)
}

// DefaultDim is the hashing embedder's default dimension.
const DefaultDim = 256

// Hashing is the built-in embedder: the signed hashing trick over
// lower-cased word unigrams and bigrams and character 3- to 5-grams of
// each word, L2-normalised. Texts sharing vocabulary get close vectors; it
// is a baseline for retrieval and dedup, not a language model. The same
// text gives the same vector on every platform (FNV-1a, no randomness).
type Hashing struct{ dim int }

var _ Embedder = Hashing{}

// NewHashing returns the hashing embedder with dim dimensions (DefaultDim
// when dim <= 0).
func NewHashing(dim int) Embedder {
	if dim <= 0 {
		dim = DefaultDim
	}
	return Hashing{dim: dim}
}

// Name implements Embedder.
func (h Hashing) Name() string { return fmt.Sprintf("hash-ngram-v1/%d", h.dim) }

// Dim implements Embedder.
func (h Hashing) Dim() int { return h.dim }

// Embed implements Embedder; it never fails.
func (h Hashing) Embed(_ context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i, t := range texts {
		out[i] = h.vector(t)
	}
	return out, nil
}

func (h Hashing) vector(text string) []float32 {
	v := make([]float64, h.dim)
	words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_'
	})
	buf := make([]byte, 0, 64)
	for i, w := range words {
		buf = append(append(buf[:0], "w:"...), w...)
		h.add(v, buf, 1)
		if i > 0 {
			buf = append(append(append(append(buf[:0], "b:"...), words[i-1]...), ' '), w...)
			h.add(v, buf, 1)
		}
		// Character n-grams of "<word>", by rune.
		bounded := append(append(append(buf[:0], '<'), w...), '>')
		starts := runeStarts(bounded)
		for n := 3; n <= 5; n++ {
			for j := 0; j+n < len(starts); j++ {
				gram := append([]byte("c:"), bounded[starts[j]:starts[j+n]]...)
				h.add(v, gram, 0.5)
			}
			if n <= len(starts) { // the last gram runs to the end
				gram := append([]byte("c:"), bounded[starts[len(starts)-n]:]...)
				h.add(v, gram, 0.5)
			}
		}
	}
	var norm float64
	for _, x := range v {
		norm += x * x
	}
	out := make([]float32, h.dim)
	if norm == 0 {
		return out
	}
	norm = math.Sqrt(norm)
	for i, x := range v {
		out[i] = float32(x / norm)
	}
	return out
}

// runeStarts returns the byte offset of every rune in b.
func runeStarts(b []byte) []int {
	out := make([]int, 0, len(b))
	for i := range string(b) {
		out = append(out, i)
	}
	return out
}

// add hashes a feature (FNV-1a) to a bucket and a sign.
func (h Hashing) add(v []float64, feature []byte, weight float64) {
	s := uint64(14695981039346656037)
	for _, c := range feature {
		s ^= uint64(c)
		s *= 1099511628211
	}
	sign := 1.0
	if s>>63 == 1 {
		sign = -1
	}
	v[s%uint64(h.dim)] += sign * weight
}
