package repo

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"strings"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"

	"github.com/human2/hds/manifest"
)

// Commit is a version: its tree, parents, author and message.
type Commit struct {
	Hash    Hash
	Tree    Hash
	Parents []Hash
	Author  Signature
	Message string
}

// Subject is the first line of the message.
func (c *Commit) Subject() string {
	s, _, _ := strings.Cut(strings.TrimSpace(c.Message), "\n")
	return s
}

// Parent is the first parent, or ZeroHash for a root commit.
func (c *Commit) Parent() Hash {
	if len(c.Parents) == 0 {
		return ZeroHash
	}
	return c.Parents[0]
}

func fromGit(c *object.Commit) *Commit {
	return &Commit{
		Hash: c.Hash, Tree: c.TreeHash, Parents: c.ParentHashes,
		Author:  Signature{Name: c.Author.Name, Email: c.Author.Email, When: c.Author.When},
		Message: c.Message,
	}
}

// Commit reads a commit.
func (r *Repo) Commit(h Hash) (*Commit, error) {
	o, err := r.readObject(plumbing.CommitObject, h)
	if err != nil {
		return nil, fmt.Errorf("read commit %s: %w", short(h), err)
	}
	var c object.Commit
	if err := c.Decode(o); err != nil {
		return nil, fmt.Errorf("read commit %s: %w", short(h), err)
	}
	c.Hash = h
	return fromGit(&c), nil
}

// Log calls fn for from and all its ancestors, newest first. Returning
// storer.ErrStop (see StopLog) from fn ends the walk without error.
func (r *Repo) Log(from Hash, fn func(*Commit) error) error {
	r.objMu.Lock()
	it, err := r.git.Log(&git.LogOptions{From: from, Order: git.LogOrderCommitterTime})
	r.objMu.Unlock()
	if err != nil {
		return fmt.Errorf("log: %w", err)
	}
	defer it.Close()
	for {
		r.objMu.Lock()
		c, err := it.Next()
		r.objMu.Unlock()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("log: %w", err)
		}
		if err := fn(fromGit(c)); err != nil {
			if errors.Is(err, storer.ErrStop) {
				return nil
			}
			return err
		}
	}
}

// StopLog, returned by a Log callback, ends the walk early.
var StopLog = storer.ErrStop

// Manifest reads the file manifest stored in blob h.
func (r *Repo) Manifest(h Hash) (*manifest.File, error) {
	b, err := r.ReadBlob(h)
	if err != nil {
		return nil, err
	}
	m, err := manifest.DecodeBytes(b)
	if err != nil {
		return nil, fmt.Errorf("manifest %s: %w", short(h), err)
	}
	return m, nil
}

// Dataset reads a version's totals from the summary blob at the root of
// tree; the empty tree has zero totals.
func (r *Repo) Dataset(tree Hash) (manifest.Dataset, error) {
	if tree.IsZero() {
		return manifest.Dataset{}, nil
	}
	ents, err := r.entries(tree, "")
	if err != nil {
		return manifest.Dataset{}, err
	}
	for _, e := range ents {
		if isSummary("", e) {
			b, err := r.ReadBlob(e.Hash)
			if err != nil {
				return manifest.Dataset{}, err
			}
			d, err := manifest.DecodeDataset(strings.NewReader(string(b)))
			if err != nil {
				return d, fmt.Errorf("dataset summary of tree %s: %w", short(tree), err)
			}
			return d, nil
		}
	}
	return manifest.Dataset{}, fmt.Errorf("%w: tree %s has no dataset summary", ErrCorruptTree, short(tree))
}

// Author returns who commits: HDS_AUTHOR_NAME/HDS_AUTHOR_EMAIL, else
// user.name/user.email from .hds/config or the global git config, else the
// login name at the host name. The time is r.Now().
func (r *Repo) Author() Signature {
	s := Signature{Name: os.Getenv("HDS_AUTHOR_NAME"), Email: os.Getenv("HDS_AUTHOR_EMAIL"), When: r.Now()}
	for _, scope := range []config.Scope{config.LocalScope, config.GlobalScope} {
		if s.Name != "" && s.Email != "" {
			break
		}
		var c *config.Config
		var err error
		if scope == config.LocalScope {
			c, err = r.git.Config()
		} else {
			c, err = config.LoadConfig(scope)
		}
		if err != nil {
			continue
		}
		if s.Name == "" {
			s.Name = c.User.Name
		}
		if s.Email == "" {
			s.Email = c.User.Email
		}
	}
	if s.Name == "" || s.Email == "" {
		login := "hds"
		if u, err := user.Current(); err == nil && u.Username != "" {
			login = u.Username
		}
		host, _ := os.Hostname()
		if host == "" {
			host = "localhost"
		}
		if s.Name == "" {
			s.Name = login
		}
		if s.Email == "" {
			s.Email = login + "@" + host
		}
	}
	return s
}

// TreeOf returns a commit's tree; ZeroHash (no commit) gives the empty tree.
func (r *Repo) TreeOf(commit Hash) (Hash, error) {
	if commit.IsZero() {
		return ZeroHash, nil
	}
	c, err := r.Commit(commit)
	if err != nil {
		return ZeroHash, err
	}
	return c.Tree, nil
}

// Reachable calls fn once for every commit reachable from roots (the roots
// included), parents after children, each commit once.
func (r *Repo) Reachable(roots []Hash, fn func(*Commit) error) error {
	seen := map[Hash]bool{}
	queue := append([]Hash(nil), roots...)
	for len(queue) > 0 {
		h := queue[0]
		queue = queue[1:]
		if seen[h] {
			continue
		}
		seen[h] = true
		c, err := r.Commit(h)
		if err != nil {
			return err
		}
		if err := fn(c); err != nil {
			return err
		}
		queue = append(queue, c.Parents...)
	}
	return nil
}
