package repo

import (
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/human2/hds/manifest"
)

// ErrPathNotFound is returned when a path given by the user matches no file
// of a version.
var ErrPathNotFound = errors.New("did not match any file")

// ErrCorruptTree marks a tree that hds did not write: an entry with an
// unexpected mode or an unsafe name.
var ErrCorruptTree = errors.New("malformed tree")

// entries reads a tree and checks every entry is a manifest blob or a
// subtree with a safe name. The root may hold the summary blob.
func (r *Repo) entries(tree Hash, dir string) ([]object.TreeEntry, error) {
	if tree.IsZero() {
		return nil, nil
	}
	if ents, ok := r.trees.get(tree); ok {
		return ents, nil
	}
	ents, err := r.readEntries(tree, dir)
	if err == nil {
		r.trees.put(tree, ents)
	}
	return ents, err
}

// treeCache keeps decoded, checked trees by id (they never change). It is
// bounded: when full it starts over, which is cheap and keeps memory flat.
type treeCache struct {
	mu sync.Mutex
	m  map[Hash][]object.TreeEntry
}

const treeCacheMax = 1 << 16

func (c *treeCache) get(h Hash) ([]object.TreeEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[h]
	return e, ok
}

func (c *treeCache) put(h Hash, ents []object.TreeEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= treeCacheMax {
		c.m = make(map[Hash][]object.TreeEntry)
	}
	c.m[h] = ents
}

// readEntries reads and checks a tree object.
func (r *Repo) readEntries(tree Hash, dir string) ([]object.TreeEntry, error) {
	o, err := r.readObject(plumbing.TreeObject, tree)
	if err != nil {
		return nil, fmt.Errorf("read tree %s (%q): %w", short(tree), dir, err)
	}
	var t object.Tree
	if err := t.Decode(o); err != nil {
		return nil, fmt.Errorf("read tree %s (%q): %w", short(tree), dir, err)
	}
	for _, e := range t.Entries {
		p := path.Join(dir, e.Name)
		if dir == "" && e.Name == manifest.DatasetPath && e.Mode == filemode.Regular {
			continue
		}
		if strings.Contains(e.Name, "/") {
			return nil, fmt.Errorf("%w: entry %q in tree %s: %v", ErrCorruptTree, p, short(tree), ErrUnsafePath)
		}
		if err := CheckPath(p); err != nil {
			return nil, fmt.Errorf("tree %s: %w", short(tree), err)
		}
		if e.Mode != filemode.Regular && e.Mode != filemode.Dir {
			return nil, fmt.Errorf("%w: entry %q in tree %s has mode %v", ErrCorruptTree, p, short(tree), e.Mode)
		}
	}
	// Sorted by name (path order; git orders a directory as name + "/").
	// Cached and shared from here on: callers must not modify the slice.
	sort.Slice(t.Entries, func(i, j int) bool { return t.Entries[i].Name < t.Entries[j].Name })
	return t.Entries, nil
}

// isSummary reports whether e at dir is the version's summary blob.
func isSummary(dir string, e object.TreeEntry) bool {
	return dir == "" && e.Name == manifest.DatasetPath
}

// CleanPaths turns user-given paths into clean slash-separated relative
// paths; "." or "" selects everything (nil).
func CleanPaths(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		p = path.Clean(strings.ReplaceAll(p, "\\", "/"))
		if p == "." || p == "" {
			return nil, nil
		}
		if err := CheckPath(p); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// pathFilter selects files at or under any of its paths; empty selects all.
type pathFilter []string

func (f pathFilter) match(p string) bool {
	if len(f) == 0 {
		return true
	}
	for _, q := range f {
		if p == q || strings.HasPrefix(p, q+"/") {
			return true
		}
	}
	return false
}

// enter reports whether directory dir may hold selected files.
func (f pathFilter) enter(dir string) bool {
	if len(f) == 0 || dir == "" {
		return true
	}
	for _, q := range f {
		if q == dir || strings.HasPrefix(q, dir+"/") || strings.HasPrefix(dir, q+"/") {
			return true
		}
	}
	return false
}

// Walk calls fn for every file of tree at or under paths (all files when
// paths is empty), in path order, skipping the summary blob. A path that
// matches no file is an error wrapping ErrPathNotFound.
func (r *Repo) Walk(tree Hash, paths []string, fn func(path string, blob Hash) error) error {
	f := pathFilter(paths)
	matched := make([]bool, len(paths))
	err := r.walk(tree, "", f, func(p string, h Hash) error {
		for i, q := range paths {
			if p == q || strings.HasPrefix(p, q+"/") {
				matched[i] = true
			}
		}
		return fn(p, h)
	})
	if err != nil {
		return err
	}
	for i, ok := range matched {
		if !ok {
			return fmt.Errorf("path %q %w", paths[i], ErrPathNotFound)
		}
	}
	return nil
}

func (r *Repo) walk(tree Hash, dir string, f pathFilter, fn func(string, Hash) error) error {
	ents, err := r.entries(tree, dir)
	if err != nil {
		return err
	}
	for _, e := range ents {
		if isSummary(dir, e) {
			continue
		}
		p := path.Join(dir, e.Name)
		if e.Mode == filemode.Dir {
			if f.enter(p) {
				if err := r.walk(e.Hash, p, f, fn); err != nil {
					return err
				}
			}
			continue
		}
		if f.match(p) {
			if err := fn(p, e.Hash); err != nil {
				return err
			}
		}
	}
	return nil
}

// Change is a file that differs between two versions. From is ZeroHash
// for an added file, To for a deleted one.
type Change struct {
	Path     string
	From, To Hash
}

// Diff returns the files that differ between trees a and b (ZeroHash is
// the empty tree), restricted to paths, in path order. Subtrees with equal
// ids are skipped without being read, so the cost is proportional to what
// changed, not to the size of the versions.
func (r *Repo) Diff(a, b Hash, paths []string) ([]Change, error) {
	var out []Change
	err := r.diff(a, b, "", pathFilter(paths), &out)
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, err
}

func (r *Repo) diff(a, b Hash, dir string, f pathFilter, out *[]Change) error {
	if a == b || !f.enter(dir) {
		return nil
	}
	ea, err := r.entries(a, dir)
	if err != nil {
		return err
	}
	eb, err := r.entries(b, dir)
	if err != nil {
		return err
	}
	byName := func(es []object.TreeEntry) map[string]object.TreeEntry {
		m := make(map[string]object.TreeEntry, len(es))
		for _, e := range es {
			if !isSummary(dir, e) {
				m[e.Name] = e
			}
		}
		return m
	}
	ma, mb := byName(ea), byName(eb)
	for name, x := range ma {
		y, ok := mb[name]
		if ok && x.Hash == y.Hash && x.Mode == y.Mode {
			continue
		}
		if err := r.diffEntry(dir, x, y, ok, f, out); err != nil {
			return err
		}
	}
	for name, y := range mb {
		if _, ok := ma[name]; !ok {
			if err := r.diffEntry(dir, object.TreeEntry{}, y, true, f, out); err != nil {
				return err
			}
		}
	}
	return nil
}

// diffEntry compares x (Name empty: absent) with y (absent unless inB).
func (r *Repo) diffEntry(dir string, x, y object.TreeEntry, inB bool, f pathFilter, out *[]Change) error {
	name := x.Name
	if name == "" {
		name = y.Name
	}
	p := path.Join(dir, name)
	var fromTree, toTree, fromBlob, toBlob Hash
	if x.Name != "" {
		if x.Mode == filemode.Dir {
			fromTree = x.Hash
		} else {
			fromBlob = x.Hash
		}
	}
	if inB {
		if y.Mode == filemode.Dir {
			toTree = y.Hash
		} else {
			toBlob = y.Hash
		}
	}
	if !fromTree.IsZero() || !toTree.IsZero() {
		if err := r.diff(fromTree, toTree, p, f, out); err != nil {
			return err
		}
	}
	if (!fromBlob.IsZero() || !toBlob.IsZero()) && f.match(p) {
		*out = append(*out, Change{Path: p, From: fromBlob, To: toBlob})
	}
	return nil
}

// Lookup returns the manifest blob at path p in tree, or an error wrapping
// ErrPathNotFound.
func (r *Repo) Lookup(tree Hash, p string) (Hash, error) {
	dir, rest := "", p
	for {
		ents, err := r.entries(tree, dir)
		if err != nil {
			return ZeroHash, err
		}
		name, tail, more := strings.Cut(rest, "/")
		var found *object.TreeEntry
		for i := range ents {
			if ents[i].Name == name && !isSummary(dir, ents[i]) {
				found = &ents[i]
			}
		}
		switch {
		case found == nil:
		case !more && found.Mode == filemode.Regular:
			return found.Hash, nil
		case more && found.Mode == filemode.Dir:
			tree, dir, rest = found.Hash, path.Join(dir, name), tail
			continue
		}
		return ZeroHash, fmt.Errorf("path %q %w", p, ErrPathNotFound)
	}
}

// WalkNew calls fn for every file of tree, like Walk over everything, but
// skips subtrees whose id is in seen and adds the ones it enters: walking
// many versions this way reads each distinct tree once. fn sees each
// (path, blob) of the new subtrees.
func (r *Repo) WalkNew(tree Hash, seen map[Hash]bool, fn func(path string, blob Hash) error) error {
	return r.walkNew(tree, "", seen, fn)
}

func (r *Repo) walkNew(tree Hash, dir string, seen map[Hash]bool, fn func(string, Hash) error) error {
	if seen[tree] {
		return nil
	}
	seen[tree] = true
	ents, err := r.entries(tree, dir)
	if err != nil {
		return err
	}
	for _, e := range ents {
		if isSummary(dir, e) {
			continue
		}
		p := path.Join(dir, e.Name)
		if e.Mode == filemode.Dir {
			if err := r.walkNew(e.Hash, p, seen, fn); err != nil {
				return err
			}
		} else if err := fn(p, e.Hash); err != nil {
			return err
		}
	}
	return nil
}

// Roots returns the commits every reference (branches, tags, HEAD) names.
func (r *Repo) Roots() ([]Hash, error) {
	var out []Hash
	seen := map[Hash]bool{}
	add := func(h Hash) {
		if !h.IsZero() && !seen[h] {
			seen[h] = true
			out = append(out, h)
		}
	}
	head, err := r.Head()
	if err != nil {
		return nil, err
	}
	add(head.Commit)
	for _, list := range []func() ([]Ref, error){r.Branches, r.Tags} {
		refs, err := list()
		if err != nil {
			return nil, err
		}
		for _, x := range refs {
			add(x.Commit)
		}
	}
	return out, nil
}
