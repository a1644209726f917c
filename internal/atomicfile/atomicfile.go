// Package atomicfile replaces files so that a reader, or a crash, sees the
// old content or the new, never a mix: write a temporary file beside the
// target, fsync it, rename it over the target, fsync the directory.
package atomicfile

import (
	"fmt"
	"os"
	"path/filepath"
)

// Write replaces path with data. The temporary file is removed on any
// failure; the error names path.
func Write(path string, data []byte) error { return WriteVia(filepath.Dir(path), path, data) }

// WriteVia is Write with the temporary file in tmpDir, which must be on
// the same file system as path. It is for directories whose every entry
// is read as data, such as a git refs directory: a kill between creating
// the temporary file and the rename must not leave an empty ".tmp-" entry
// there.
func WriteVia(tmpDir, path string, data []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(tmpDir, ".tmp-"+filepath.Base(path)+"-")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err == nil {
		err = SyncDir(dir)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// SyncDir fsyncs a directory so that renames and creations in it are
// durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}
