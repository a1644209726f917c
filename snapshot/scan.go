package snapshot

import (
	"bufio"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"syscall"

	"github.com/go-git/go-git/v5/plumbing/format/gitignore"
	"golang.org/x/sys/unix"

	"github.com/human2/hds/repo"
)

// IgnoreFile is the name of the files that list paths hds leaves out, in
// gitignore syntax. Each applies to its directory and below.
const IgnoreFile = ".hdsignore"

// fileStat is what the stat cache compares.
type fileStat struct {
	Size  int64
	Mtime int64 // ns
	Ctime int64 // ns
	Ino   uint64
	Mode  uint32 // fs.FileMode: permission bits plus ModeSymlink or ModeIrregular
}

// statOf converts what os.Stat and friends return.
func statOf(fi fs.FileInfo) fileStat {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return fromSyscallStat(st)
	}
	return fileStat{Size: fi.Size(), Mtime: fi.ModTime().UnixNano(), Mode: uint32(fi.Mode() & (fs.ModePerm | fs.ModeSymlink))}
}

// fromStatT builds a fileStat from stat(2) fields; the scanner's fstatat and
// the pipeline's fstat both come through here, so their results compare.
func fromStatT(size, mtime, ctime int64, ino uint64, mode uint32) fileStat {
	m := fs.FileMode(mode & 0o777)
	switch mode & unix.S_IFMT {
	case unix.S_IFREG:
	case unix.S_IFLNK:
		m |= fs.ModeSymlink
	case unix.S_IFDIR:
		m |= fs.ModeDir
	default:
		m |= fs.ModeIrregular
	}
	return fileStat{Size: size, Mtime: mtime, Ctime: ctime, Ino: ino, Mode: uint32(m)}
}

func (s fileStat) isSymlink() bool { return fs.FileMode(s.Mode)&fs.ModeSymlink != 0 }
func (s fileStat) isRegular() bool { return fs.FileMode(s.Mode)&fs.ModeType == 0 }

// perm returns the permission bits a manifest records.
func (s fileStat) perm() fs.FileMode { return fs.FileMode(s.Mode) & fs.ModePerm }

// wfile is a file found in the worktree.
type wfile struct {
	Path string // slash-separated, relative to the root
	Stat fileStat
}

// scanResult is the worktree's files in path order, plus what was skipped.
type scanResult struct {
	Files   []wfile
	Skipped []string // special files (sockets, devices, fifos) left out
}

// scan lists the regular files and symlinks under root, skipping .hds,
// .git and what .hdsignore files exclude, sorted by path. Directories are
// read in parallel; each file costs one fstatat relative to its directory.
func scan(ctx context.Context, root string) (*scanResult, error) {
	s := &scanner{ctx: ctx, root: root, sem: make(chan struct{}, 2*runtime.GOMAXPROCS(0))}
	s.dir("", nil)
	s.wg.Wait()
	if s.err != nil {
		return nil, s.err
	}
	res := &scanResult{Files: s.files, Skipped: s.skipped}
	sort.Slice(res.Files, func(i, j int) bool { return res.Files[i].Path < res.Files[j].Path })
	sort.Strings(res.Skipped)
	return res, nil
}

// scanAsync starts scan in the background and returns a function that
// waits for its result (any number of times). Commands read the stat
// cache meanwhile, while the kernel answers the scan's stat calls.
func scanAsync(ctx context.Context, root string) func() (*scanResult, error) {
	done := make(chan struct{})
	var res *scanResult
	var err error
	go func() {
		defer close(done)
		res, err = scan(ctx, root)
	}()
	return func() (*scanResult, error) {
		<-done
		return res, err
	}
}

type scanner struct {
	ctx  context.Context
	root string
	sem  chan struct{} // bounds the goroutines reading directories
	wg   sync.WaitGroup

	mu      sync.Mutex
	files   []wfile
	skipped []string
	err     error
}

func (s *scanner) fail(err error) {
	s.mu.Lock()
	if s.err == nil {
		s.err = err
	}
	s.mu.Unlock()
}

// dir reads directory rel (slash-separated) with the ignore patterns of its
// parents; subdirectories go to other goroutines while slots are free.
func (s *scanner) dir(rel string, patterns []gitignore.Pattern) {
	if err := s.ctx.Err(); err != nil {
		s.fail(err)
		return
	}
	abs := filepath.Join(s.root, filepath.FromSlash(rel))
	fd, err := openDir(abs)
	if err != nil {
		s.fail(fmt.Errorf("read directory %s: %w", displayPath(rel), err))
		return
	}
	defer closeDir(fd)
	ents, err := readDir(fd)
	if err != nil {
		s.fail(fmt.Errorf("read directory %s: %w", displayPath(rel), err))
		return
	}
	for _, e := range ents {
		if e.name == IgnoreFile && !e.isDir {
			if patterns, err = readIgnore(abs, rel, patterns); err != nil {
				s.fail(err)
				return
			}
			break
		}
	}
	m := gitignore.NewMatcher(patterns)
	prefix := ""
	if rel != "" {
		prefix = rel + "/"
	}
	var files []wfile
	var skipped []string
	for _, e := range ents {
		if repo.Reserved(e.name) {
			continue
		}
		p := prefix + e.name
		var st unix.Stat_t
		statted := false
		if e.unknown() {
			if err := unix.Fstatat(fd, e.name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
				continue
			}
			statted, e.isDir = true, st.Mode&unix.S_IFMT == unix.S_IFDIR
		}
		if len(patterns) > 0 && m.Match(strings.Split(p, "/"), e.isDir) {
			continue
		}
		if e.isDir {
			s.subdir(p, patterns)
			continue
		}
		if !statted {
			if err := unix.Fstatat(fd, e.name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
				if err == unix.ENOENT {
					continue // removed while we looked
				}
				s.fail(fmt.Errorf("stat %s: %w", p, err))
				return
			}
		}
		fst := fromUnixStat(&st)
		if !fst.isRegular() && !fst.isSymlink() {
			skipped = append(skipped, p)
			continue
		}
		files = append(files, wfile{Path: p, Stat: fst})
	}
	s.mu.Lock()
	s.files = append(s.files, files...)
	s.skipped = append(s.skipped, skipped...)
	s.mu.Unlock()
}

// subdir scans p in a new goroutine if a slot is free, else inline.
func (s *scanner) subdir(p string, patterns []gitignore.Pattern) {
	select {
	case s.sem <- struct{}{}:
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer func() { <-s.sem }()
			s.dir(p, patterns)
		}()
	default:
		s.dir(p, patterns)
	}
}

// readIgnore returns patterns plus those of dir's .hdsignore, in a new
// slice (sibling directories share the parent's).
func readIgnore(abs, dir string, patterns []gitignore.Pattern) ([]gitignore.Pattern, error) {
	f, err := os.Open(filepath.Join(abs, IgnoreFile))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path.Join(dir, IgnoreFile), err)
	}
	defer f.Close()
	var domain []string
	if dir != "" {
		domain = strings.Split(dir, "/")
	}
	out := append([]gitignore.Pattern(nil), patterns...)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		out = append(out, gitignore.ParsePattern(line, domain))
	}
	return out, sc.Err()
}

func displayPath(p string) string {
	if p == "" {
		return "."
	}
	return p
}
