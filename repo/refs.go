package repo

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/human2/hds/internal/atomicfile"
)

// Errors about references and revisions.
var (
	ErrUnknownRevision = errors.New("unknown revision")
	ErrNoCommits       = errors.New("no commits yet")
	ErrRefExists       = errors.New("already exists")
	ErrRefChanged      = errors.New("reference changed concurrently")
)

// Head describes where HEAD points.
type Head struct {
	Branch string // branch name, "" when detached
	Commit Hash   // ZeroHash on a branch with no commits yet
}

// Detached reports whether HEAD names a commit rather than a branch.
func (h Head) Detached() bool { return h.Branch == "" }

// Head returns the current branch and commit.
func (r *Repo) Head() (Head, error) {
	ref, err := r.st.Reference(plumbing.HEAD)
	if err != nil {
		return Head{}, fmt.Errorf("read HEAD: %w", err)
	}
	if ref.Type() == plumbing.HashReference {
		return Head{Commit: ref.Hash()}, nil
	}
	h := Head{Branch: ref.Target().Short()}
	target, err := r.st.Reference(ref.Target())
	switch {
	case errors.Is(err, plumbing.ErrReferenceNotFound):
		return h, nil
	case err != nil:
		return h, fmt.Errorf("read %s: %w", ref.Target(), err)
	}
	h.Commit = target.Hash()
	return h, nil
}

// Resolve turns a revision (full or short id, branch, tag, HEAD, HEAD~N,
// REV^) into a commit id.
func (r *Repo) Resolve(rev string) (Hash, error) {
	if rev == "" || rev == "HEAD" || rev == "@" {
		h, err := r.Head()
		if err != nil {
			return ZeroHash, err
		}
		if h.Commit.IsZero() {
			return ZeroHash, fmt.Errorf("HEAD: %w", ErrNoCommits)
		}
		return h.Commit, nil
	}
	h, err := r.git.ResolveRevision(plumbing.Revision(rev))
	if err != nil {
		return ZeroHash, fmt.Errorf("%q: %w (try 'hds log --oneline' or 'hds branch')", rev, ErrUnknownRevision)
	}
	return *h, nil
}

// SetBranch points branch name at commit, atomically. When old is not
// nil, the update happens only if the branch currently points at *old
// (ZeroHash: the branch must not exist). Call with the lock held.
func (r *Repo) SetBranch(name string, commit Hash, old *Hash) error {
	return r.setRef(plumbing.NewBranchReferenceName(name), commit, old)
}

func (r *Repo) setRef(name plumbing.ReferenceName, h Hash, old *Hash) error {
	if err := name.Validate(); err != nil {
		return fmt.Errorf("invalid name %q: %w", name.Short(), err)
	}
	if old != nil {
		cur := ZeroHash
		ref, err := r.st.Reference(name)
		if err == nil {
			cur = ref.Hash()
		} else if !errors.Is(err, plumbing.ErrReferenceNotFound) {
			return err
		}
		if cur != *old {
			if old.IsZero() {
				return fmt.Errorf("%s: %w", name.Short(), ErrRefExists)
			}
			return fmt.Errorf("%s: %w", name.Short(), ErrRefChanged)
		}
	}
	return r.writeFileAtomic(filepath.FromSlash(name.String()), h.String()+"\n")
}

// UpdateHead advances what HEAD points at (its branch, or HEAD itself when
// detached) from old to commit. Call with the lock held.
func (r *Repo) UpdateHead(commit, old Hash) error {
	h, err := r.Head()
	if err != nil {
		return err
	}
	if h.Commit != old {
		return fmt.Errorf("HEAD moved from %s to %s while this command ran: %w", short(old), short(h.Commit), ErrRefChanged)
	}
	if h.Detached() {
		return r.writeFileAtomic("HEAD", commit.String()+"\n")
	}
	return r.SetBranch(h.Branch, commit, &old)
}

// Attach points HEAD at branch (which may not exist yet: an unborn branch).
func (r *Repo) Attach(branch string) error {
	name := plumbing.NewBranchReferenceName(branch)
	if err := name.Validate(); err != nil {
		return fmt.Errorf("invalid branch name %q: %w", branch, err)
	}
	return r.writeFileAtomic("HEAD", "ref: "+name.String()+"\n")
}

// Detach points HEAD directly at commit.
func (r *Repo) Detach(commit Hash) error {
	return r.writeFileAtomic("HEAD", commit.String()+"\n")
}

// writeFileAtomic replaces a file under .hds: temp file, fsync, rename,
// fsync of the directory. A reader (or a crash) sees the old or the new
// content, never a mix. The temporary file lives in .hds/tmp: git and
// go-git read every file under refs/ as a reference, so one left there by
// a kill would break every later command that lists references.
func (r *Repo) writeFileAtomic(rel, content string) error {
	path := r.path(rel)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	if err := os.MkdirAll(r.TempDir(), 0o755); err != nil {
		return err
	}
	return atomicfile.WriteVia(r.TempDir(), path, []byte(content))
}

// Ref is a named reference: a branch or a tag.
type Ref struct {
	Name   string // short name
	Commit Hash   // the commit it names (annotated tags peeled)
	Tag    Hash   // the tag object of an annotated tag, else ZeroHash
}

// Branches lists branches by name.
func (r *Repo) Branches() ([]Ref, error) {
	return r.refs(func(n plumbing.ReferenceName) bool { return n.IsBranch() })
}

// Tags lists tags by name.
func (r *Repo) Tags() ([]Ref, error) {
	return r.refs(func(n plumbing.ReferenceName) bool { return n.IsTag() })
}

func (r *Repo) refs(keep func(plumbing.ReferenceName) bool) ([]Ref, error) {
	it, err := r.st.IterReferences()
	if err != nil {
		return nil, err
	}
	var out []Ref
	err = it.ForEach(func(ref *plumbing.Reference) error {
		if ref.Type() != plumbing.HashReference || !keep(ref.Name()) {
			return nil
		}
		x := Ref{Name: ref.Name().Short(), Commit: ref.Hash()}
		if ref.Name().IsTag() {
			if t, err := r.git.TagObject(ref.Hash()); err == nil {
				x.Tag, x.Commit = t.Hash, t.Target
			}
		}
		out = append(out, x)
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, err
}

// DeleteBranch removes a branch; it refuses the current one.
func (r *Repo) DeleteBranch(name string) error {
	h, err := r.Head()
	if err != nil {
		return err
	}
	if h.Branch == name {
		return fmt.Errorf("cannot delete branch %q: it is the current branch; switch to another first", name)
	}
	return r.removeRef(plumbing.NewBranchReferenceName(name))
}

// DeleteTag removes a tag.
func (r *Repo) DeleteTag(name string) error { return r.removeRef(plumbing.NewTagReferenceName(name)) }

func (r *Repo) removeRef(name plumbing.ReferenceName) error {
	if _, err := r.st.Reference(name); err != nil {
		return fmt.Errorf("%s %q not found", kindOf(name), name.Short())
	}
	return r.st.RemoveReference(name)
}

func kindOf(n plumbing.ReferenceName) string {
	if n.IsTag() {
		return "tag"
	}
	return "branch"
}

// BranchExists reports whether a branch exists.
func (r *Repo) BranchExists(name string) bool {
	_, err := r.st.Reference(plumbing.NewBranchReferenceName(name))
	return err == nil
}

// RefsAt returns the branch and tag names that point at each commit, for
// decorating log output.
func (r *Repo) RefsAt() (map[Hash][]string, error) {
	out := map[Hash][]string{}
	for _, f := range []func() ([]Ref, error){r.Branches, r.Tags} {
		refs, err := f()
		if err != nil {
			return nil, err
		}
		for _, x := range refs {
			out[x.Commit] = append(out[x.Commit], x.Name)
		}
	}
	return out, nil
}

func short(h Hash) string {
	if h.IsZero() {
		return "(none)"
	}
	return strings.ToLower(h.String()[:10])
}

// SetTag creates tag name pointing at target (a commit, or an annotated
// tag object); it refuses an existing tag. Call with the lock held.
func (r *Repo) SetTag(name string, target Hash) error {
	return r.setRef(plumbing.NewTagReferenceName(name), target, &ZeroHash)
}

// RemoveRefTemps removes the temporary files a kill during a reference
// update leaves: in .hds/tmp, and under refs/, where earlier versions of
// hds created them (git and go-git then read them as empty references).
// Call with the lock held: every such file is then a leftover.
func (r *Repo) RemoveRefTemps() (int, error) {
	removed := 0
	leftovers, err := filepath.Glob(filepath.Join(r.TempDir(), ".tmp-*"))
	if err != nil {
		return 0, err
	}
	err = filepath.WalkDir(r.path("refs"), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasPrefix(d.Name(), ".tmp-") {
			leftovers = append(leftovers, p)
		}
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return 0, err
	}
	for _, p := range leftovers {
		if err := os.Remove(p); err != nil {
			return removed, err
		}
		removed++
	}
	return removed, nil
}
