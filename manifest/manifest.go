package manifest

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/human2/hds/chunk"
)

// Version is the manifest format version this package writes.
const Version = 1

// ErrMalformed is wrapped by every decoding error.
var ErrMalformed = errors.New("manifest: malformed")

// Type says what kind of filesystem object a manifest describes.
type Type string

// Types of manifests.
const (
	TypeFile    Type = "file"
	TypeSymlink Type = "symlink"
)

// MaxChunkLen bounds a chunk's length so a corrupt manifest cannot make a
// reader allocate without limit.
const MaxChunkLen = 64 << 20

// NoRecords is the Records value of files whose format is not line-oriented.
const NoRecords = -1

// Chunk is one piece of a file, in order.
type Chunk struct {
	ID  chunk.ID
	Len uint32
}

// File describes one file of a version.
type File struct {
	Type      Type
	Mode      fs.FileMode // permission bits only (0644, 0755)
	Size      int64       // bytes; for a symlink, the length of Target
	Algorithm chunk.Algorithm
	Hash      chunk.ID // hash of the whole content with Algorithm
	Records   int64    // lines for line-oriented formats, else NoRecords
	Target    string   // symlink target
	Chunks    []Chunk
}

// Validate checks the invariants Decode guarantees: sizes add up, the type
// fits its fields.
func (f *File) Validate() error {
	switch f.Type {
	case TypeFile:
		if f.Target != "" {
			return fmt.Errorf("%w: file with a link target", ErrMalformed)
		}
		if _, err := chunk.ParseAlgorithm(string(f.Algorithm)); err != nil {
			return fmt.Errorf("%w: %v", ErrMalformed, err)
		}
		var sum int64
		for i, c := range f.Chunks {
			if c.Len == 0 || c.Len > MaxChunkLen {
				return fmt.Errorf("%w: chunk %d has length %d", ErrMalformed, i, c.Len)
			}
			sum += int64(c.Len)
		}
		if sum != f.Size {
			return fmt.Errorf("%w: chunks add up to %d bytes, size says %d", ErrMalformed, sum, f.Size)
		}
		if f.Records < NoRecords {
			return fmt.Errorf("%w: negative record count %d", ErrMalformed, f.Records)
		}
	case TypeSymlink:
		if f.Target == "" || len(f.Chunks) > 0 || int64(len(f.Target)) != f.Size {
			return fmt.Errorf("%w: symlink needs a target and no chunks", ErrMalformed)
		}
	default:
		return fmt.Errorf("%w: unknown type %q", ErrMalformed, f.Type)
	}
	if f.Mode&^fs.ModePerm != 0 {
		return fmt.Errorf("%w: mode %o has more than permission bits", ErrMalformed, f.Mode)
	}
	return nil
}

// HasRecords reports whether the file's records are counted.
func (f *File) HasRecords() bool { return f.Records != NoRecords }
