package snapshot

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/human2/hds/progress"
	"github.com/human2/hds/repo"
)

// ErrDirty is wrapped by the error a worktree update returns when it would
// overwrite uncommitted changes.
var ErrDirty = errors.New("uncommitted changes would be overwritten")

// ErrNotEmpty is returned when checkout --to is given a non-empty directory.
var ErrNotEmpty = errors.New("directory is not empty")

// CheckoutOptions configure Checkout.
type CheckoutOptions struct {
	// To materializes the version into this directory and leaves the
	// worktree and HEAD alone.
	To string
	// Paths limits the checkout to these files or directories; without To
	// they are restored into the worktree and HEAD does not move.
	Paths []string
	// Force allows a non-empty To, or overwrites uncommitted changes.
	Force    bool
	Progress progress.Reporter
	Workers  int
}

// CheckoutResult says what a checkout or another worktree update did.
type CheckoutResult struct {
	Commit   repo.Hash
	Branch   string // the branch HEAD is attached to afterwards, if any
	Written  int    // files written
	Bytes    int64  // bytes written
	Removed  int    // files removed
	Warnings []string
}

// Checkout materializes version rev. With opts.To it writes the selected
// files into that directory (which must be empty unless Force). Without
// it, it updates the worktree: with Paths, only those files are restored
// and HEAD stays; otherwise HEAD follows (attached if rev is a branch
// name, detached otherwise), refusing to overwrite uncommitted changes
// unless Force.
func Checkout(ctx context.Context, r *repo.Repo, rev string, opts CheckoutOptions) (*CheckoutResult, error) {
	commit, err := r.Resolve(rev)
	if err != nil {
		return nil, err
	}
	c, err := r.Commit(commit)
	if err != nil {
		return nil, err
	}
	paths, err := repo.CleanPaths(opts.Paths)
	if err != nil {
		return nil, err
	}
	if opts.To != "" {
		return materialize(ctx, r, c, paths, opts)
	}
	if r.BranchExists(rev) && len(paths) == 0 {
		return Switch(ctx, r, rev, SwitchOptions{Force: opts.Force, Progress: opts.Progress, Workers: opts.Workers})
	}
	unlock, err := r.Lock()
	if err != nil {
		return nil, err
	}
	defer unlock()
	head, err := r.Head()
	if err != nil {
		return nil, err
	}
	from, err := r.TreeOf(head.Commit)
	if err != nil {
		return nil, err
	}
	u := &update{r: r, paths: paths, force: opts.Force, workers: opts.Workers, prog: opts.Progress}
	if len(paths) > 0 {
		// Restore paths from rev; HEAD stays where it is.
		res, err := u.restore(ctx, c.Tree)
		if res != nil {
			res.Commit, res.Branch = head.Commit, head.Branch
		}
		return res, err
	}
	res, err := u.apply(ctx, from, c.Tree)
	if err != nil {
		return res, err
	}
	if err := r.Detach(commit); err != nil {
		return res, err
	}
	res.Commit = commit
	return res, nil
}

// materialize writes commit's files into opts.To.
func materialize(ctx context.Context, r *repo.Repo, c *repo.Commit, paths []string, opts CheckoutOptions) (*CheckoutResult, error) {
	to, err := filepath.Abs(opts.To)
	if err != nil {
		return nil, err
	}
	res := &CheckoutResult{Commit: c.Hash}
	unlock, err := r.ReadLock()
	if err != nil {
		return nil, err
	}
	defer unlock()
	if empty, err := isEmptyDir(to); err != nil {
		return nil, err
	} else if !empty && !opts.Force {
		return nil, fmt.Errorf("%s: %w; choose an empty directory or use --force to write into it", opts.To, ErrNotEmpty)
	}
	if rel, err := filepath.Rel(r.Root, to); err == nil && !strings.HasPrefix(rel, "..") {
		res.Warnings = append(res.Warnings, fmt.Sprintf("%s is inside the dataset; list it in %s or the next commit will include it", opts.To, IgnoreFile))
	}
	if err := os.MkdirAll(to, 0o755); err != nil {
		return nil, err
	}
	var targets []target
	var total int64
	err = r.Walk(c.Tree, paths, func(p string, h repo.Hash) error {
		targets = append(targets, target{Path: p, Blob: h})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if opts.Force {
		for _, t := range targets {
			if err := removeForOverwrite(to, t.Path); err != nil {
				return nil, err
			}
		}
	}
	prog := progress.Or(opts.Progress)
	prog.Phase("checkout")
	prog.SetTotal(int64(len(targets)), total)
	w := newFileWriter(r, to, false, opts.Workers, prog)
	out, err := w.writeAll(ctx, targets)
	prog.Done()
	res.Written = len(out)
	for _, o := range out {
		res.Bytes += o.Stat.Size
	}
	return res, err
}

// removeForOverwrite removes what stands at p under root unless it is a
// directory, so a file is never written through a symlink.
func removeForOverwrite(root, p string) error {
	abs := filepath.Join(root, filepath.FromSlash(p))
	fi, err := os.Lstat(abs)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if fi.IsDir() {
		return fmt.Errorf("%s: a directory stands where the version has a file", p)
	}
	return os.Remove(abs)
}

func isEmptyDir(dir string) (bool, error) {
	f, err := os.Open(dir)
	if os.IsNotExist(err) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	defer f.Close()
	names, err := f.Readdirnames(1)
	if len(names) == 0 && err != nil {
		return true, nil
	}
	return false, nil
}

// update changes the worktree from one tree to another.
type update struct {
	r       *repo.Repo
	paths   []string
	force   bool
	workers int
	prog    progress.Reporter
	wd      *worktreeDiff
	dirty   map[string]FileChange
}

// local compares the worktree with base and remembers what is dirty.
func (u *update) local(ctx context.Context, base repo.Hash) error {
	u.wd = &worktreeDiff{r: u.r, paths: u.paths, workers: u.workers, prog: progress.Or(u.prog)}
	changes, err := u.wd.compare(ctx, base, repo.ZeroHash)
	if err != nil {
		return err
	}
	u.dirty = make(map[string]FileChange, len(changes))
	for _, c := range changes {
		u.dirty[c.Path] = c
	}
	return nil
}

// apply moves the worktree from tree from to tree to.
func (u *update) apply(ctx context.Context, from, to repo.Hash) (*CheckoutResult, error) {
	if err := u.local(ctx, from); err != nil {
		return nil, err
	}
	changes, err := u.r.Diff(from, to, u.paths)
	if err != nil {
		return nil, err
	}
	if err := u.conflicts(changes); err != nil {
		return nil, err
	}
	var targets []target
	var removals []string
	for _, c := range changes {
		if c.To.IsZero() {
			removals = append(removals, c.Path)
		} else {
			targets = append(targets, target{Path: c.Path, Blob: c.To})
		}
	}
	if u.force {
		// Discard local changes to tracked files that the move leaves alone.
		inDiff := map[string]bool{}
		for _, c := range changes {
			inDiff[c.Path] = true
		}
		for p, d := range u.dirty {
			if inDiff[p] || d.State == Added {
				continue
			}
			blob, err := u.r.Lookup(to, p)
			if err != nil {
				return nil, err
			}
			targets = append(targets, target{Path: p, Blob: blob})
		}
	}
	return u.write(ctx, targets, removals)
}

// restore writes the files of tree at u.paths into the worktree.
func (u *update) restore(ctx context.Context, tree repo.Hash) (*CheckoutResult, error) {
	head, err := u.r.Head()
	if err != nil {
		return nil, err
	}
	base, err := u.r.TreeOf(head.Commit)
	if err != nil {
		return nil, err
	}
	if err := u.local(ctx, base); err != nil {
		return nil, err
	}
	var targets []target
	var changes []repo.Change
	err = u.r.Walk(tree, u.paths, func(p string, h repo.Hash) error {
		targets = append(targets, target{Path: p, Blob: h})
		changes = append(changes, repo.Change{Path: p, To: h})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := u.conflicts(changes); err != nil {
		return nil, err
	}
	return u.write(ctx, targets, nil)
}

// conflicts refuses changes that would overwrite dirty files, or files and
// directories not under version control, unless forced.
func (u *update) conflicts(changes []repo.Change) error {
	if u.force {
		return nil
	}
	var bad []string
	for _, c := range changes {
		if d, ok := u.dirty[c.Path]; ok && !(d.State == Deleted && c.To.IsZero()) {
			bad = append(bad, c.Path)
			continue
		}
		if c.To.IsZero() {
			continue
		}
		// An untracked file where the version needs a directory.
		for dir := path.Dir(c.Path); dir != "."; dir = path.Dir(dir) {
			if d, ok := u.dirty[dir]; ok && d.State == Added {
				bad = append(bad, dir)
			}
		}
	}
	// Untracked files inside a directory the version turns into a file.
	for _, c := range changes {
		if c.To.IsZero() {
			continue
		}
		for p, d := range u.dirty {
			if d.State == Added && strings.HasPrefix(p, c.Path+"/") {
				bad = append(bad, p)
			}
		}
	}
	if len(bad) == 0 {
		return nil
	}
	sort.Strings(bad)
	bad = compactStrings(bad)
	list := bad
	if len(list) > 10 {
		list = append(list[:10:10], fmt.Sprintf("... and %d more", len(bad)-10))
	}
	return fmt.Errorf("%w:\n  %s\ncommit them first ('hds commit -m ...'), or use --force to discard them", ErrDirty, strings.Join(list, "\n  "))
}

func compactStrings(s []string) []string {
	out := s[:0]
	for i, x := range s {
		if i == 0 || x != s[i-1] {
			out = append(out, x)
		}
	}
	return out
}

// write removes and writes files and records them in the stat cache.
func (u *update) write(ctx context.Context, targets []target, removals []string) (*CheckoutResult, error) {
	res := &CheckoutResult{}
	root := u.r.Root
	for _, p := range removals {
		abs := filepath.Join(root, filepath.FromSlash(p))
		if err := os.Remove(abs); err != nil && !os.IsNotExist(err) {
			return res, fmt.Errorf("remove %s: %w", p, err)
		}
		u.wd.cache.forget(p)
		res.Removed++
		removeEmptyParents(root, path.Dir(p))
	}
	if u.force {
		// Untracked files in the way of a target directory go; one at a
		// target's own path is replaced by the rename.
		for p, d := range u.dirty {
			if d.State == Added && u.blocks(p, targets) {
				os.RemoveAll(filepath.Join(root, filepath.FromSlash(p)))
			}
		}
	}
	prog := progress.Or(u.prog)
	prog.Phase("checkout")
	prog.SetTotal(int64(len(targets)), 0)
	w := newFileWriter(u.r, root, true, u.workers, prog)
	out, err := w.writeAll(ctx, targets)
	prog.Done()
	for _, o := range out {
		u.wd.cache.record(o.Path, o.Stat, o.Blob, o.Records, o.Seen)
		res.Bytes += o.Stat.Size
	}
	res.Written = len(out)
	if serr := u.wd.cache.save(u.r); serr != nil && err == nil {
		res.Warnings = append(res.Warnings, serr.Error())
	}
	return res, err
}

// blocks reports whether the untracked path p stands in the way of a
// target: it is a parent directory position of one, or lies inside one.
func (u *update) blocks(p string, targets []target) bool {
	for _, t := range targets {
		if strings.HasPrefix(t.Path, p+"/") || strings.HasPrefix(p, t.Path+"/") {
			return true
		}
	}
	return false
}

// removeEmptyParents removes dir and its parents while they are empty.
func removeEmptyParents(root, dir string) {
	for dir != "." && dir != "" {
		if err := os.Remove(filepath.Join(root, filepath.FromSlash(dir))); err != nil {
			return
		}
		dir = path.Dir(dir)
	}
}
