package chunk

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
)

// Size is the length of an ID in bytes.
const Size = 32

// ErrInvalidID is returned (wrapped) by ParseID for malformed input.
var ErrInvalidID = errors.New("chunk: invalid id")

// ID identifies a chunk: the hash of its uncompressed bytes. The zero ID is
// not the hash of anything in practice and may be used as "no id".
type ID [Size]byte

// ParseID parses the 64 hexadecimal digits that String returns. Upper-case
// digits are accepted.
func ParseID(s string) (ID, error) {
	var id ID
	if len(s) != 2*Size {
		return id, fmt.Errorf("%w %q: want %d hex digits, got %d", ErrInvalidID, s, 2*Size, len(s))
	}
	if _, err := hex.Decode(id[:], []byte(s)); err != nil {
		return ID{}, fmt.Errorf("%w %q: %v", ErrInvalidID, s, err)
	}
	return id, nil
}

// String returns the id as 64 lower-case hexadecimal digits.
func (id ID) String() string {
	return hex.EncodeToString(id[:])
}

// Short returns the first 12 hexadecimal digits, for messages.
func (id ID) Short() string {
	return hex.EncodeToString(id[:6])
}

// IsZero reports whether id is the zero ID.
func (id ID) IsZero() bool {
	return id == ID{}
}

// Compare returns -1, 0 or +1 as id sorts before, equal to or after o, in
// byte order (the order of their String forms).
func (id ID) Compare(o ID) int {
	return bytes.Compare(id[:], o[:])
}

// MarshalText implements encoding.TextMarshaler with the String form.
func (id ID) MarshalText() ([]byte, error) {
	return []byte(id.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler, accepting what ParseID
// accepts.
func (id *ID) UnmarshalText(b []byte) error {
	v, err := ParseID(string(b))
	if err != nil {
		return err
	}
	*id = v
	return nil
}
