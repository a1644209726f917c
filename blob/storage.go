package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// Errors returned (wrapped) by Storage implementations.
var (
	ErrNotFound    = errors.New("blob: not found")
	ErrInvalidName = errors.New("blob: invalid name")
	ErrOutOfRange  = errors.New("blob: range beyond end of blob")
	ErrClosed      = errors.New("blob: storage closed")
)

// Storage stores named, immutable blobs of bytes.
//
// The contract, checked for every implementation by blobtest.TestStorage:
//
//   - Names are slash-separated relative paths such as
//     "packs/ab/ab12….pack"; see ValidName. Methods given an invalid name
//     fail with ErrInvalidName.
//   - Atomicity: a reader sees either no blob or the whole blob, never a
//     part of it. A Put that fails or is cancelled stores nothing and
//     leaves a previous blob of the same name as it was.
//   - Read-after-write: once Put returns nil, Get, Stat and List see the
//     blob; once Delete returns nil, they do not.
//   - Durability: once Put or Delete returns nil, the change survives a
//     crash of the process or the machine.
//   - Put to an existing name replaces the blob atomically. (The chunk
//     store names blobs by their content, so a replacement has the same
//     bytes.)
//   - Concurrency: all methods are safe for concurrent use.
//   - A missing blob is reported by an error matching ErrNotFound under
//     errors.Is; errors name the blob.
type Storage interface {
	// Put stores the bytes read from r until io.EOF as name.
	Put(ctx context.Context, name string, r io.Reader) error
	// Get returns length bytes of name starting at offset; length < 0
	// means to the end. A range past the end of the blob fails with
	// ErrOutOfRange rather than returning fewer bytes. The returned slice
	// belongs to the caller.
	Get(ctx context.Context, name string, offset, length int64) ([]byte, error)
	// Stat returns the size of name.
	Stat(ctx context.Context, name string) (size int64, err error)
	// List calls fn for every blob whose name starts with prefix (a plain
	// string prefix, not only whole path elements), one call at a time and
	// in no particular order. fn may call other methods of the Storage,
	// Delete included. If fn returns an error, List stops and returns it
	// unchanged.
	List(ctx context.Context, prefix string, fn func(name string, size int64) error) error
	// Delete removes name. Deleting a missing blob is not an error, so an
	// interrupted cleanup can simply be repeated.
	Delete(ctx context.Context, name string) error
	// Close releases the storage's resources. Later calls fail with
	// ErrClosed; Close itself may be called more than once.
	Close() error
}

// FilePutter is an optional ability of a Storage: storing a finished local
// file without copying it, for a local directory by renaming it. Callers
// use the PutFile function, which falls back to Put.
type FilePutter interface {
	// PutFile stores the file at path as name with Put's guarantees and
	// removes path on success. On failure path may still exist.
	PutFile(ctx context.Context, name, path string) error
}

// TempCleaner is an optional ability of a Storage that keeps temporary
// files while a Put is under way: CleanTemp removes those left by a killed
// process. It must not run while another process writes to the storage.
type TempCleaner interface {
	CleanTemp(ctx context.Context) (removed int, err error)
}

// PutFile stores the local file at path as name and removes the file, with
// the storage's FilePutter ability when it has one, else with Put.
func PutFile(ctx context.Context, st Storage, name, path string) error {
	if fp, ok := st.(FilePutter); ok {
		return fp.PutFile(ctx, name, path)
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("blob: put %s from file: %w", name, err)
	}
	err = st.Put(ctx, name, f)
	f.Close()
	if err != nil {
		return err
	}
	if err := os.Remove(path); err != nil {
		return fmt.Errorf("blob: put %s: stored, but removing %s failed: %w", name, path, err)
	}
	return nil
}

// ValidName reports whether name is a valid blob name: non-empty, relative,
// slash-separated, without empty, "." or ".." elements, without elements
// starting with "." (reserved for implementations' temporary files), and
// without backslashes or NUL bytes.
func ValidName(name string) error {
	if name == "" {
		return fmt.Errorf("%w: empty", ErrInvalidName)
	}
	if strings.ContainsAny(name, "\\\x00") {
		return fmt.Errorf("%w %q: contains a backslash or NUL", ErrInvalidName, name)
	}
	for _, elem := range strings.Split(name, "/") {
		if elem == "" || elem[0] == '.' {
			return fmt.Errorf("%w %q: want a relative slash-separated path without empty, dot or dot-dot elements", ErrInvalidName, name)
		}
	}
	return nil
}

// CheckRange resolves offset and length (< 0: to the end) against a blob
// of size bytes, returning the number of bytes to read. Implementations use
// it so all of them treat ranges alike.
func CheckRange(name string, size, offset, length int64) (int64, error) {
	if offset < 0 || offset > size {
		return 0, fmt.Errorf("%w: %s: offset %d, blob has %d bytes", ErrOutOfRange, name, offset, size)
	}
	if length < 0 {
		return size - offset, nil
	}
	if length > size-offset {
		return 0, fmt.Errorf("%w: %s: %d bytes at offset %d, blob has %d bytes", ErrOutOfRange, name, length, offset, size)
	}
	return length, nil
}

// ContextReader returns r that fails with ctx's error once ctx is done, so
// a Put copying a long stream stops when cancelled.
func ContextReader(ctx context.Context, r io.Reader) io.Reader {
	return ctxReader{ctx, r}
}

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
