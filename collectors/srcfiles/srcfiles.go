// Package srcfiles decides which files of a source tree are worth keeping
// as code records and reads them out of archives: it is shared by the
// github and git collectors.
//
// A file is kept when it is valid UTF-8 source code of a wanted language
// (detected with go-enry, GitHub linguist's Go port, from its name and
// content) and is none of: vendored, generated, binary, minified, a
// dotfile, documentation, or larger than the size limit. Every file passed
// over gets a reason, so the collector can count it.
package srcfiles

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/go-enry/go-enry/v2"
)

// Reasons a file is skipped.
const (
	SkipVendored  = "vendored"
	SkipGenerated = "generated"
	SkipBinary    = "binary"
	SkipMinified  = "minified"
	SkipTooLarge  = "too large"
	SkipDotfile   = "dotfile"
	SkipDocs      = "documentation"
	SkipNotCode   = "not source code"
	SkipLanguage  = "language not wanted"
	SkipEncoding  = "not UTF-8"
	SkipEmpty     = "empty"
)

// DefaultMaxSize is the default limit on a kept file's size.
const DefaultMaxSize = 1 << 20

// Filter selects source files. The zero value keeps every programming
// language up to DefaultMaxSize.
type Filter struct {
	// Languages are the linguist names to keep ("Python", "Go"); empty
	// keeps every language of type programming.
	Languages []string
	// MaxSize is the largest file kept; 0 means DefaultMaxSize.
	MaxSize int64
}

func (f *Filter) maxSize() int64 {
	if f.MaxSize > 0 {
		return f.MaxSize
	}
	return DefaultMaxSize
}

// ByPath returns the reason to skip a file from its path and size alone,
// or "" when its content must be looked at. It saves reading files that
// are skipped anyway.
func (f *Filter) ByPath(p string, size int64) string {
	switch {
	case size == 0:
		return SkipEmpty
	case size > f.maxSize():
		return SkipTooLarge
	case isDot(p):
		return SkipDotfile
	case strings.HasSuffix(p, ".min.js") || strings.HasSuffix(p, ".min.css"):
		return SkipMinified
	case enry.IsVendor(p):
		return SkipVendored
	case enry.IsDocumentation(p):
		return SkipDocs
	case enry.IsImage(p):
		return SkipBinary
	}
	return ""
}

func isDot(p string) bool {
	for _, part := range strings.Split(p, "/") {
		if strings.HasPrefix(part, ".") && part != "." && part != ".." {
			return true
		}
	}
	return false
}

// Detect returns the file's language, or the reason to skip it.
func (f *Filter) Detect(p string, content []byte) (lang, skip string) {
	if s := f.ByPath(p, int64(len(content))); s != "" {
		return "", s
	}
	switch {
	case enry.IsBinary(content):
		return "", SkipBinary
	case !utf8.Valid(content):
		return "", SkipEncoding
	case minified(content):
		return "", SkipMinified
	case enry.IsGenerated(p, content):
		return "", SkipGenerated
	}
	lang = enry.GetLanguage(path.Base(p), content)
	if lang == "" || enry.GetLanguageType(lang) != enry.Programming {
		return "", SkipNotCode
	}
	if len(f.Languages) > 0 && !wanted(f.Languages, lang) {
		return "", SkipLanguage
	}
	return lang, ""
}

func wanted(langs []string, lang string) bool {
	for _, l := range langs {
		if strings.EqualFold(l, lang) {
			return true
		}
	}
	return false
}

// minified reports machine-written one-liners: a mean line length over
// 200 characters, or any line over 5,000 in a file of few lines.
func minified(b []byte) bool {
	lines := bytes.Count(b, []byte{'\n'}) + 1
	if len(b)/lines > 200 {
		return true
	}
	longest := 0
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			i = len(b)
		}
		longest = max(longest, i)
		b = b[min(i+1, len(b)):]
	}
	return longest > 5000 && lines < 20
}

// ErrArchive marks a damaged archive.
var ErrArchive = errors.New("srcfiles: damaged archive")

// Entry is a regular file in an archive. Read returns its content; it may
// be called once, during the callback only.
type Entry struct {
	Path string // slash-separated, without the archive's top directory
	Size int64
	Read func() ([]byte, error)
}

// TarGz streams a .tar.gz archive (a GitHub tarball) and calls fn for each
// regular file, with the first path element (GitHub's "owner-repo-sha/")
// removed when strip is true. Memory is bounded by the largest file read.
func TarGz(ctx context.Context, r io.Reader, strip bool, fn func(Entry) error) error {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrArchive, err)
	}
	defer zr.Close()
	tr := tar.NewReader(zr)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%w: %v", ErrArchive, err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		p := strings.TrimPrefix(path.Clean("/"+h.Name), "/")
		if strip {
			_, rest, ok := strings.Cut(p, "/")
			if !ok {
				continue
			}
			p = rest
		}
		e := Entry{Path: p, Size: h.Size, Read: func() ([]byte, error) {
			b, err := io.ReadAll(tr)
			if err != nil {
				return nil, fmt.Errorf("%w: %s: %v", ErrArchive, p, err)
			}
			return b, nil
		}}
		if err := fn(e); err != nil {
			return err
		}
	}
}

// Lines counts the lines of content (a last line without newline counts).
func Lines(b []byte) int {
	n := bytes.Count(b, []byte{'\n'})
	if len(b) > 0 && b[len(b)-1] != '\n' {
		n++
	}
	return n
}
