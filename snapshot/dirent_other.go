//go:build !linux

package snapshot

import (
	"os"

	"golang.org/x/sys/unix"
)

// dirEntry is a name and whether it is a directory.
type dirEntry struct {
	name  string
	isDir bool
}

func openDir(path string) (int, error) {
	return unix.Open(path, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
}

func closeDir(fd int) { unix.Close(fd) }

// readDir lists a directory through the os package (portable fallback).
func readDir(fd int) ([]dirEntry, error) {
	nfd, err := unix.Dup(fd)
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(nfd), "dir")
	defer f.Close()
	ents, err := f.ReadDir(-1)
	out := make([]dirEntry, len(ents))
	for i, e := range ents {
		out[i] = dirEntry{name: e.Name(), isDir: e.IsDir()}
	}
	return out, err
}

func (e dirEntry) unknown() bool { return false }
