package snapshot

import (
	"bufio"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"github.com/go-git/go-git/v5/plumbing/format/gitignore"

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
	Mode  uint32 // os.FileMode bits: type and permissions
}

func statOf(fi fs.FileInfo) fileStat {
	s := fileStat{Size: fi.Size(), Mtime: fi.ModTime().UnixNano(), Mode: uint32(fi.Mode())}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		s.Ctime = st.Ctim.Sec*1e9 + st.Ctim.Nsec
		s.Ino = st.Ino
	}
	return s
}

func (s fileStat) isSymlink() bool { return fs.FileMode(s.Mode)&fs.ModeSymlink != 0 }

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
// .git and what .hdsignore files exclude. Directories are read in order
// and the result is sorted by path.
func scan(ctx context.Context, root string) (*scanResult, error) {
	res := &scanResult{}
	var patterns []gitignore.Pattern
	if err := scanDir(ctx, root, "", &patterns, res); err != nil {
		return nil, err
	}
	sort.Slice(res.Files, func(i, j int) bool { return res.Files[i].Path < res.Files[j].Path })
	return res, nil
}

func scanDir(ctx context.Context, root, dir string, patterns *[]gitignore.Pattern, res *scanResult) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	abs := filepath.Join(root, filepath.FromSlash(dir))
	n := len(*patterns)
	if err := readIgnore(abs, dir, patterns); err != nil {
		return err
	}
	defer func() { *patterns = (*patterns)[:n] }()
	m := gitignore.NewMatcher(*patterns)

	ents, err := os.ReadDir(abs)
	if err != nil {
		return fmt.Errorf("read directory %s: %w", displayPath(dir), err)
	}
	for _, e := range ents {
		name := e.Name()
		p := path.Join(dir, name)
		if repo.Reserved(name) {
			continue
		}
		isDir := e.IsDir()
		if m.Match(strings.Split(p, "/"), isDir) {
			continue
		}
		if isDir {
			if err := scanDir(ctx, root, p, patterns, res); err != nil {
				return err
			}
			continue
		}
		fi, err := e.Info()
		if err != nil {
			if os.IsNotExist(err) {
				continue // removed while we looked
			}
			return fmt.Errorf("stat %s: %w", p, err)
		}
		if !fi.Mode().IsRegular() && fi.Mode()&fs.ModeSymlink == 0 {
			res.Skipped = append(res.Skipped, p)
			continue
		}
		res.Files = append(res.Files, wfile{Path: p, Stat: statOf(fi)})
	}
	return nil
}

// readIgnore appends the patterns of dir's .hdsignore, if any.
func readIgnore(abs, dir string, patterns *[]gitignore.Pattern) error {
	f, err := os.Open(filepath.Join(abs, IgnoreFile))
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", path.Join(dir, IgnoreFile), err)
	}
	defer f.Close()
	var domain []string
	if dir != "" {
		domain = strings.Split(dir, "/")
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		*patterns = append(*patterns, gitignore.ParsePattern(line, domain))
	}
	return sc.Err()
}

func displayPath(p string) string {
	if p == "" {
		return "."
	}
	return p
}
