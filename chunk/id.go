// Package chunk defines chunk ids and the hash algorithms that compute them.
package chunk

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"

	"github.com/zeebo/blake3"
)

// ID identifies a chunk by the hash of its uncompressed bytes.
type ID [32]byte

// ParseID parses 64 hex characters.
func ParseID(s string) (ID, error) {
	var id ID
	if len(s) != 64 {
		return id, fmt.Errorf("chunk: invalid id %q: want 64 hex characters", s)
	}
	if _, err := hex.Decode(id[:], []byte(s)); err != nil {
		return id, fmt.Errorf("chunk: invalid id %q: %v", s, err)
	}
	return id, nil
}

// String returns the id as 64 lowercase hex characters.
func (id ID) String() string { return hex.EncodeToString(id[:]) }

// Short returns the first 12 hex characters, for messages.
func (id ID) Short() string { return hex.EncodeToString(id[:6]) }

// Algorithm names a hash function that computes chunk ids.
type Algorithm string

// Supported algorithms.
const (
	BLAKE3 Algorithm = "blake3"
	SHA256 Algorithm = "sha256"
)

// ParseAlgorithm checks s names a supported algorithm.
func ParseAlgorithm(s string) (Algorithm, error) {
	switch a := Algorithm(s); a {
	case BLAKE3, SHA256:
		return a, nil
	}
	return "", fmt.Errorf("chunk: unknown hash algorithm %q (want blake3 or sha256)", s)
}

// Sum returns the id of p.
func (a Algorithm) Sum(p []byte) ID {
	if a == SHA256 {
		return sha256.Sum256(p)
	}
	return blake3.Sum256(p)
}

// New returns a streaming hash whose Sum is 32 bytes.
func (a Algorithm) New() hash.Hash {
	if a == SHA256 {
		return sha256.New()
	}
	return blake3.New()
}
