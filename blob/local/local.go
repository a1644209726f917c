package local

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/human2/hds/blob"
	"github.com/human2/hds/internal/atomicfile"
)

// tempPrefix starts the names of temporary files; blob.ValidName keeps
// blob names from starting with a dot.
const tempPrefix = ".tmp-"

// Storage is a blob.Storage in a local directory.
type Storage struct {
	root  string
	cache fileCache
}

var (
	_ blob.Storage     = (*Storage)(nil)
	_ blob.FilePutter  = (*Storage)(nil)
	_ blob.TempCleaner = (*Storage)(nil)
)

// Open returns the Storage rooted at dir, creating dir if needed.
func Open(dir string) (*Storage, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("blob/local: open %s: %w", dir, err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, fmt.Errorf("blob/local: open %s: %w", dir, err)
	}
	s := &Storage{root: abs}
	s.cache.init(MaxOpenFiles)
	return s, nil
}

// Dir returns the absolute directory the storage lives in.
func (s *Storage) Dir() string { return s.root }

func (s *Storage) path(name string) string {
	return filepath.Join(s.root, filepath.FromSlash(name))
}

func (s *Storage) check(ctx context.Context, name string) error {
	if err := blob.ValidName(name); err != nil {
		return err
	}
	if s.cache.isClosed() {
		return blob.ErrClosed
	}
	return ctx.Err()
}

// Put implements blob.Storage.
func (s *Storage) Put(ctx context.Context, name string, r io.Reader) error {
	if err := s.check(ctx, name); err != nil {
		return err
	}
	if err := s.put(ctx, name, r); err != nil {
		return fmt.Errorf("blob/local: put %s: %w", name, err)
	}
	return nil
}

func (s *Storage) put(ctx context.Context, name string, r io.Reader) error {
	dst := s.path(name)
	dir := filepath.Dir(dst)
	if err := s.mkdirAll(dir); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, tempPrefix+"*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = io.Copy(f, blob.ContextReader(ctx, r))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = s.rename(tmp, dst, name)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}

// rename moves a durable file into place and makes the move durable.
func (s *Storage) rename(from, to, name string) error {
	if err := os.Rename(from, to); err != nil {
		return err
	}
	s.cache.forget(name)
	return atomicfile.SyncDir(filepath.Dir(to))
}

// PutFile implements blob.FilePutter: it fsyncs the file and renames it
// into place, or copies it with Put when it is on another file system.
func (s *Storage) PutFile(ctx context.Context, name, file string) error {
	if err := s.check(ctx, name); err != nil {
		return err
	}
	if err := s.putFile(ctx, name, file); err != nil {
		return fmt.Errorf("blob/local: put %s from %s: %w", name, file, err)
	}
	return nil
}

func (s *Storage) putFile(ctx context.Context, name, file string) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return err
	}
	dst := s.path(name)
	if err := s.mkdirAll(filepath.Dir(dst)); err != nil {
		return err
	}
	err = s.rename(file, dst, name)
	if !errors.Is(err, syscall.EXDEV) {
		return err
	}
	if err := s.put(ctx, name, f); err != nil {
		return err
	}
	return os.Remove(file)
}

// mkdirAll creates dir and its missing parents below the root, fsyncing
// each parent so the new directory survives a crash.
func (s *Storage) mkdirAll(dir string) error {
	if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
		return nil
	}
	parent := filepath.Dir(dir)
	if len(parent) > len(s.root) {
		if err := s.mkdirAll(parent); err != nil {
			return err
		}
	}
	if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	return atomicfile.SyncDir(parent)
}

// Get implements blob.Storage.
func (s *Storage) Get(ctx context.Context, name string, offset, length int64) ([]byte, error) {
	if err := s.check(ctx, name); err != nil {
		return nil, err
	}
	of, err := s.cache.acquire(name, s.path(name))
	if err != nil {
		return nil, s.wrapErr("get", name, err)
	}
	defer s.cache.release(of)
	n, err := blob.CheckRange(name, of.size, offset, length)
	if err != nil {
		return nil, err
	}
	buf := make([]byte, n)
	if _, err := of.f.ReadAt(buf, offset); err != nil {
		return nil, fmt.Errorf("blob/local: get %s: %d bytes at offset %d: %w", name, n, offset, err)
	}
	return buf, nil
}

func (s *Storage) wrapErr(op, name string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		err = blob.ErrNotFound
	}
	return fmt.Errorf("blob/local: %s %s: %w", op, name, err)
}

// Stat implements blob.Storage.
func (s *Storage) Stat(ctx context.Context, name string) (int64, error) {
	if err := s.check(ctx, name); err != nil {
		return 0, err
	}
	fi, err := os.Stat(s.path(name))
	if err == nil && !fi.Mode().IsRegular() {
		err = fs.ErrNotExist
	}
	if err != nil {
		return 0, s.wrapErr("stat", name, err)
	}
	return fi.Size(), nil
}

// Delete implements blob.Storage.
func (s *Storage) Delete(ctx context.Context, name string) error {
	if err := s.check(ctx, name); err != nil {
		return err
	}
	s.cache.forget(name)
	p := s.path(name)
	if fi, err := os.Lstat(p); err == nil && fi.IsDir() {
		return nil // a directory is not a blob
	}
	err := os.Remove(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err == nil {
		err = atomicfile.SyncDir(filepath.Dir(p))
	}
	if err != nil {
		return s.wrapErr("delete", name, err)
	}
	return nil
}

// List implements blob.Storage. It walks only the directories that can
// hold names with the prefix and skips temporary files.
func (s *Storage) List(ctx context.Context, prefix string, fn func(string, int64) error) error {
	if s.cache.isClosed() {
		return blob.ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	base := path.Dir(prefix)
	if base != "." && blob.ValidName(base) != nil {
		return nil // no valid name has this prefix
	}
	if !strings.Contains(prefix, "/") {
		base = "."
	}
	start := filepath.Join(s.root, filepath.FromSlash(base))
	err := filepath.WalkDir(start, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil // the prefix has no directory, or a concurrent Delete
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		return s.visit(p, d, prefix, fn)
	})
	return err
}

func (s *Storage) visit(p string, d fs.DirEntry, prefix string, fn func(string, int64) error) error {
	rel, err := filepath.Rel(s.root, p)
	if err != nil || rel == "." {
		return err
	}
	name := filepath.ToSlash(rel)
	if strings.HasPrefix(d.Name(), ".") {
		if d.IsDir() {
			return filepath.SkipDir
		}
		return nil
	}
	if d.IsDir() {
		if !strings.HasPrefix(name+"/", prefix) && !strings.HasPrefix(prefix, name+"/") {
			return filepath.SkipDir
		}
		return nil
	}
	if !d.Type().IsRegular() || !strings.HasPrefix(name, prefix) {
		return nil
	}
	fi, err := d.Info()
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return fn(name, fi.Size())
}

// CleanTemp implements blob.TempCleaner: it removes the temporary files
// that Puts of a killed process left behind.
func (s *Storage) CleanTemp(ctx context.Context) (int, error) {
	removed := 0
	err := filepath.WalkDir(s.root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || ctx.Err() != nil {
			return errors.Join(err, ctx.Err())
		}
		if d.Type().IsRegular() && strings.HasPrefix(d.Name(), tempPrefix) {
			if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
			removed++
		}
		return nil
	})
	if err != nil {
		return removed, fmt.Errorf("blob/local: clean temporary files in %s: %w", s.root, err)
	}
	return removed, nil
}

// Close implements blob.Storage: it closes the cached files.
func (s *Storage) Close() error {
	s.cache.close()
	return nil
}
