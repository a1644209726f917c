package repo

import (
	"errors"
	"fmt"
	"strings"
)

// ErrUnsafePath marks a path that must never be written to disk: absolute,
// with "..", "." or empty components, or naming a repository directory.
var ErrUnsafePath = errors.New("unsafe path")

// Reserved reports whether a file or directory name is never part of a
// version: the repository directories .hds and .git (any case), wherever
// they appear, as git itself skips nested .git directories.
func Reserved(name string) bool {
	return strings.EqualFold(name, DirName) || strings.EqualFold(name, ".git")
}

// CheckPath reports whether p is a clean, relative, slash-separated path
// that is safe to create under a dataset root.
func CheckPath(p string) error {
	if p == "" || strings.HasPrefix(p, "/") {
		return fmt.Errorf("%w: %q is empty or absolute", ErrUnsafePath, p)
	}
	for _, c := range strings.Split(p, "/") {
		switch {
		case c == "" || c == "." || c == "..":
			return fmt.Errorf("%w: %q has an empty, '.' or '..' component", ErrUnsafePath, p)
		case strings.ContainsRune(c, 0):
			return fmt.Errorf("%w: %q contains a NUL byte", ErrUnsafePath, p)
		case Reserved(c):
			return fmt.Errorf("%w: %q names a repository directory", ErrUnsafePath, p)
		}
	}
	return nil
}
