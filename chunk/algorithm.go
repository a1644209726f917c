package chunk

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"

	"github.com/zeebo/blake3"
)

// ErrUnknownAlgorithm is returned (wrapped) by ParseAlgorithm for a name it
// does not know.
var ErrUnknownAlgorithm = errors.New("chunk: unknown hash algorithm")

// Algorithm names the hash that computes chunk IDs. Its string form is
// what the repository configuration stores.
type Algorithm string

// The supported algorithms. Both produce 32-byte digests.
const (
	BLAKE3 Algorithm = "blake3"
	SHA256 Algorithm = "sha256"
)

// ParseAlgorithm returns the Algorithm named s ("blake3" or "sha256").
func ParseAlgorithm(s string) (Algorithm, error) {
	switch a := Algorithm(s); a {
	case BLAKE3, SHA256:
		return a, nil
	}
	return "", fmt.Errorf("%w %q: want %q or %q", ErrUnknownAlgorithm, s, BLAKE3, SHA256)
}

// Valid reports whether a is a supported algorithm.
func (a Algorithm) Valid() bool {
	return a == BLAKE3 || a == SHA256
}

// String returns the configuration name of a.
func (a Algorithm) String() string { return string(a) }

// Sum returns the ID of p. It panics if a is not a supported algorithm:
// validate configuration with ParseAlgorithm first.
func (a Algorithm) Sum(p []byte) ID {
	switch a {
	case BLAKE3:
		return blake3.Sum256(p)
	case SHA256:
		return sha256.Sum256(p)
	}
	panic(fmt.Sprintf("chunk: Sum with unsupported algorithm %q", string(a)))
}

// New returns a streaming hash whose Sum appends the same 32 bytes that
// Sum(all written bytes) returns. It panics if a is not supported.
func (a Algorithm) New() hash.Hash {
	switch a {
	case BLAKE3:
		return blake3.New()
	case SHA256:
		return sha256.New()
	}
	panic(fmt.Sprintf("chunk: New with unsupported algorithm %q", string(a)))
}

// SumHash returns the ID that h has computed so far. h must come from New.
func SumHash(h hash.Hash) ID {
	var id ID
	h.Sum(id[:0])
	return id
}
