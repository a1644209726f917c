package process

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
)

// Pattern is one line of data/code_patterns: a code unit.
type Pattern struct {
	PatternID   string      `json:"pattern_id"`
	Language    string      `json:"language"`
	Code        string      `json:"code"`
	Description string      `json:"description"`
	Tags        []string    `json:"tags"`
	Metadata    PatternMeta `json:"metadata"`
	Split       string      `json:"split"`
}

// PatternMeta holds a pattern's measurements and provenance.
type PatternMeta struct {
	Complexity   int     `json:"complexity"`
	QualityScore float64 `json:"quality_score"`
	UsageCount   int     `json:"usage_count"`
	Name         string  `json:"name"`
	QualName     string  `json:"qualified_name"`
	Kind         string  `json:"kind"`
	Lines        int     `json:"lines"`
	StartLine    int     `json:"start_line"`
	Source       string  `json:"source"`
	RecordID     string  `json:"record_id"`
	Path         string  `json:"path,omitempty"`
	URL          string  `json:"url,omitempty"`
	License      string  `json:"license,omitempty"`
}

// NLP is one line of data/nlp_training: a piece of text.
type NLP struct {
	TextID   string  `json:"text_id"`
	Content  string  `json:"content"`
	Type     string  `json:"type"`
	Metadata NLPMeta `json:"metadata"`
	Split    string  `json:"split"`
}

// NLPMeta holds a text piece's provenance, tokens and embedding.
type NLPMeta struct {
	Source         string    `json:"source"`
	Language       string    `json:"language"`
	Embedding      []float32 `json:"embedding"`
	EmbeddingModel string    `json:"embedding_model"`
	Tokens         int       `json:"tokens"`
	Piece          int       `json:"piece"`
	Pieces         int       `json:"pieces"`
	ContentHash    string    `json:"content_hash"`
	RecordID       string    `json:"record_id"`
	Title          string    `json:"title,omitempty"`
	URL            string    `json:"url,omitempty"`
	License        string    `json:"license,omitempty"`
}

// stableID is a short hex id derived from its parts.
func stableID(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
}

func contentHash(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:8])
}

// Split names.
const (
	SplitTrain      = "train"
	SplitValidation = "validation"
	SplitTest       = "test"
)

// AssignSplit places key in a split by the first 8 bytes of its SHA-256:
// the same key always lands in the same split whatever else is in the
// dataset.
func AssignSplit(key string, s Splits) string {
	h := sha256.Sum256([]byte(key))
	x := float64(binary.BigEndian.Uint64(h[:8])) / (1 << 64)
	switch {
	case x < s.Train:
		return SplitTrain
	case x < s.Train+s.Validation:
		return SplitValidation
	}
	return SplitTest
}

// textType maps raw record kinds to NLP types.
var textType = map[string]string{
	"doc": "documentation", "qa": "qa", "issue": "issue", "problem": "problem",
	"function": "docstring", "row": "text", "file": "text",
}
