package snapshot

import (
	"context"
	"errors"
	"fmt"

	"github.com/human2/hds/manifest"
	"github.com/human2/hds/progress"
	"github.com/human2/hds/repo"
)

// SwitchOptions configure Switch.
type SwitchOptions struct {
	Create   bool   // create the branch (at From, default HEAD) first
	From     string // with Create: where the new branch starts
	Force    bool   // discard uncommitted changes that would be overwritten
	Progress progress.Reporter
	Workers  int
}

// Switch makes branch name current: the worktree is updated to its
// version (uncommitted changes that do not conflict are kept) and HEAD is
// attached to it.
func Switch(ctx context.Context, r *repo.Repo, name string, opts SwitchOptions) (*CheckoutResult, error) {
	unlock, err := r.Lock()
	if err != nil {
		return nil, err
	}
	defer unlock()
	head, err := r.Head()
	if err != nil {
		return nil, err
	}
	target := repo.ZeroHash
	switch {
	case opts.Create:
		if r.BranchExists(name) {
			return nil, fmt.Errorf("branch %q already exists; switch to it without -c", name)
		}
		target = head.Commit
		if opts.From != "" {
			if target, err = r.Resolve(opts.From); err != nil {
				return nil, err
			}
		}
	case !r.BranchExists(name):
		return nil, fmt.Errorf("no branch named %q; create it with 'hds switch -c %s' or list branches with 'hds branch'", name, name)
	default:
		if target, err = r.Resolve(name); err != nil {
			return nil, err
		}
	}
	from, err := r.TreeOf(head.Commit)
	if err != nil {
		return nil, err
	}
	to, err := r.TreeOf(target)
	if err != nil {
		return nil, err
	}
	u := &update{r: r, force: opts.Force, workers: opts.Workers, prog: opts.Progress}
	res, err := u.apply(ctx, from, to)
	if err != nil {
		return res, err
	}
	if opts.Create && !target.IsZero() {
		if err := r.SetBranch(name, target, &repo.ZeroHash); err != nil {
			return res, err
		}
	}
	if err := r.Attach(name); err != nil {
		return res, err
	}
	res.Commit, res.Branch = target, name
	return res, nil
}

// ResetOptions configure Reset.
type ResetOptions struct {
	Progress progress.Reporter
	Workers  int
}

// Reset moves HEAD (its branch, or HEAD itself when detached) to rev and
// makes the worktree match it, discarding uncommitted changes to tracked
// files (reset --hard). Files not under version control are left alone.
func Reset(ctx context.Context, r *repo.Repo, rev string, opts ResetOptions) (*CheckoutResult, error) {
	unlock, err := r.Lock()
	if err != nil {
		return nil, err
	}
	defer unlock()
	target, err := r.Resolve(rev)
	if err != nil {
		return nil, err
	}
	head, err := r.Head()
	if err != nil {
		return nil, err
	}
	from, err := r.TreeOf(head.Commit)
	if err != nil {
		return nil, err
	}
	to, err := r.TreeOf(target)
	if err != nil {
		return nil, err
	}
	u := &update{r: r, force: true, workers: opts.Workers, prog: opts.Progress}
	res, err := u.apply(ctx, from, to)
	if err != nil {
		return res, err
	}
	if err := r.UpdateHead(target, head.Commit); err != nil {
		return res, err
	}
	res.Commit, res.Branch = target, head.Branch
	return res, nil
}

// ErrRevertConflict is returned when a file a revert would restore has
// changed since the reverted commit.
var ErrRevertConflict = errors.New("cannot revert automatically")

// RevertOptions configure Revert.
type RevertOptions struct {
	Message  string // default: Revert "<subject>"
	Progress progress.Reporter
	Workers  int
}

// Revert records a new commit on HEAD that undoes the changes rev made
// relative to its first parent, and updates the worktree. Every file rev
// touched must be unchanged since (in HEAD and in the worktree).
func Revert(ctx context.Context, r *repo.Repo, rev string, opts RevertOptions) (*CommitResult, error) {
	unlock, err := r.Lock()
	if err != nil {
		return nil, err
	}
	defer unlock()
	commit, err := r.Resolve(rev)
	if err != nil {
		return nil, err
	}
	c, err := r.Commit(commit)
	if err != nil {
		return nil, err
	}
	if len(c.Parents) > 1 {
		return nil, fmt.Errorf("%s is a merge commit; hds reverts single-parent commits only", rev)
	}
	head, err := r.Head()
	if err != nil {
		return nil, err
	}
	headTree, err := r.TreeOf(head.Commit)
	if err != nil {
		return nil, err
	}
	parentTree, err := r.TreeOf(c.Parent())
	if err != nil {
		return nil, err
	}
	undo, err := r.Diff(c.Tree, parentTree, nil)
	if err != nil {
		return nil, err
	}
	if len(undo) == 0 {
		return nil, fmt.Errorf("%s changed no files; nothing to revert", rev)
	}
	entries, err := revertedEntries(r, headTree, undo)
	if err != nil {
		return nil, err
	}
	ds, err := r.Dataset(headTree)
	if err != nil {
		return nil, err
	}
	if err := applyTotals(r, &ds, undo); err != nil {
		return nil, err
	}
	b := r.NewBatch()
	sum, err := b.PutBlob(ds.Encoded())
	if err != nil {
		return nil, err
	}
	tree, err := b.BuildTree(append(entries, repo.TreeEntry{Path: manifest.DatasetPath, Blob: sum}))
	if err != nil {
		return nil, err
	}
	// The worktree first (it refuses to overwrite local changes), then the
	// commit: a failure leaves no commit that the worktree does not match.
	u := &update{r: b.View(), workers: opts.Workers, prog: opts.Progress}
	if _, err := u.apply(ctx, headTree, tree); err != nil {
		return nil, err
	}
	msg := opts.Message
	if msg == "" {
		msg = fmt.Sprintf("Revert %q\n\nThis reverts commit %s.\n", c.Subject(), c.Hash)
	}
	nc, err := b.PutCommit(tree, []repo.Hash{head.Commit}, r.Author(), msg)
	if err != nil {
		return nil, err
	}
	if err := b.Write(ctx); err != nil {
		return nil, err
	}
	if err := r.UpdateHead(nc, head.Commit); err != nil {
		return nil, err
	}
	changes, err := DiffTrees(r, headTree, tree, nil)
	return &CommitResult{Commit: nc, Parent: head.Commit, Branch: head.Branch, Changes: changes, Dataset: ds}, err
}

// revertedEntries applies undo (changes from the reverted commit back to
// its parent) to HEAD's files, refusing files changed since.
func revertedEntries(r *repo.Repo, headTree repo.Hash, undo []repo.Change) ([]repo.TreeEntry, error) {
	files := map[string]repo.Hash{}
	if err := r.Walk(headTree, nil, func(p string, h repo.Hash) error {
		files[p] = h
		return nil
	}); err != nil {
		return nil, err
	}
	var conflicts []string
	for _, ch := range undo {
		if files[ch.Path] != ch.From {
			conflicts = append(conflicts, ch.Path)
			continue
		}
		if ch.To.IsZero() {
			delete(files, ch.Path)
		} else {
			files[ch.Path] = ch.To
		}
	}
	if len(conflicts) > 0 {
		return nil, fmt.Errorf("%w: changed since the commit: %v; restore them by hand with 'hds checkout REV^ -- PATH'", ErrRevertConflict, conflicts)
	}
	ents := make([]repo.TreeEntry, 0, len(files))
	for p, h := range files {
		ents = append(ents, repo.TreeEntry{Path: p, Blob: h})
	}
	return ents, nil
}

// applyTotals updates dataset totals for changes, reading only the
// manifests of changed files.
func applyTotals(r *repo.Repo, ds *manifest.Dataset, changes []repo.Change) error {
	for _, ch := range changes {
		if !ch.From.IsZero() {
			m, err := r.Manifest(ch.From)
			if err != nil {
				return err
			}
			ds.Sub(m)
		}
		if !ch.To.IsZero() {
			m, err := r.Manifest(ch.To)
			if err != nil {
				return err
			}
			ds.Add(m)
		}
	}
	return nil
}
