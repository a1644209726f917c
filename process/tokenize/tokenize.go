// Package tokenize counts and splits text in BPE tokens with OpenAI's
// cl100k_base encoding, embedded in the binary by tiktoken-go/tokenizer:
// no download and no cache directory at run time.
package tokenize

import (
	"fmt"
	"strings"
	"sync"

	"github.com/tiktoken-go/tokenizer"
)

// Tokenizer encodes text to token ids. Implementations are safe for
// concurrent use.
type Tokenizer interface {
	Name() string
	Encode(s string) []int
	Decode(ids []int) string
	Count(s string) int
}

type codec struct{ c tokenizer.Codec }

func (c codec) Name() string { return c.c.GetName() }

// Encode returns the token ids of s; invalid UTF-8 is encoded as U+FFFD.
func (c codec) Encode(s string) []int {
	ids, _, err := c.c.Encode(strings.ToValidUTF8(s, "\uFFFD"))
	if err != nil {
		return nil
	}
	out := make([]int, len(ids))
	for i, id := range ids {
		out[i] = int(id)
	}
	return out
}

func (c codec) Decode(ids []int) string {
	u := make([]uint, len(ids))
	for i, id := range ids {
		u[i] = uint(id)
	}
	s, err := c.c.Decode(u)
	if err != nil {
		return ""
	}
	return s
}

func (c codec) Count(s string) int {
	n, err := c.c.Count(strings.ToValidUTF8(s, "\uFFFD"))
	if err != nil {
		return len(c.Encode(s))
	}
	return n
}

var cl100k = sync.OnceValues(func() (Tokenizer, error) {
	c, err := tokenizer.Get(tokenizer.Cl100kBase)
	if err != nil {
		return nil, fmt.Errorf("tokenize: cl100k_base: %w", err)
	}
	return codec{c}, nil
})

// CL100k returns the cl100k_base tokenizer (GPT-3.5/4), loaded once.
func CL100k() (Tokenizer, error) { return cl100k() }

// Piece is one part of a split text.
type Piece struct {
	Text   string
	Tokens int
	Index  int
}

// Split cuts text into pieces of at most maxTokens tokens; neighbours share
// overlap tokens. A piece ends at a paragraph break, else a line break,
// else a space in its last quarter when there is one, so pieces rarely cut
// words. Text that fits is one piece. Deterministic.
func Split(t Tokenizer, text string, maxTokens, overlap int) []Piece {
	if maxTokens <= 0 {
		maxTokens = 512
	}
	overlap = min(max(overlap, 0), maxTokens/2)
	ids := t.Encode(text)
	if len(ids) <= maxTokens {
		return []Piece{{Text: text, Tokens: len(ids), Index: 0}}
	}
	var out []Piece
	for start := 0; start < len(ids); {
		end := min(start+maxTokens, len(ids))
		if end < len(ids) {
			end = start + cut(t, ids[start:end])
		}
		piece := t.Decode(ids[start:end])
		out = append(out, Piece{Text: piece, Tokens: end - start, Index: len(out)})
		if end == len(ids) {
			break
		}
		start = max(end-overlap, start+1)
	}
	return out
}

// cut returns where to end a piece of the given window: after the last
// token holding a paragraph break, line break or space in the window's
// last quarter, else at its end.
func cut(t Tokenizer, window []int) int {
	from := len(window) * 3 / 4
	for _, sep := range []string{"\n\n", "\n", " "} {
		for i := len(window) - 1; i >= from; i-- {
			if strings.Contains(t.Decode(window[i:i+1]), sep) {
				return i + 1
			}
		}
	}
	return len(window)
}
