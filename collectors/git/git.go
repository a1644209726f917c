// Package git collects source files from a git repository, remote (cloned
// through go-git) or local, at a branch, tag or commit.
//
// Each kept file (see package srcfiles) becomes a record of kind file with
// id "git:<repo>:<path>". The commit collected is the cursor: a re-run
// whose ref still points at it asks the remote for its refs only and
// fetches nothing. Files deleted upstream keep their records (collectors
// never delete); the commit in each record's meta tells them apart.
//
// The licence in each record's provenance is detected from the
// repository's top-level LICENSE/COPYING files (srcfiles.DetectLicense).
package git

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	gogit "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/memory"

	"github.com/human2/hds/collectors"
	"github.com/human2/hds/collectors/srcfiles"
	"github.com/human2/hds/record"
)

// Version is recorded in every record's provenance.
const Version = "1"

// Collector collects one repository.
type Collector struct {
	URL    string // clone URL, or path of a local repository
	Ref    string // branch, tag or commit; "" is the remote's HEAD
	Repo   string // repository key in ids; "" derives it from URL
	Filter srcfiles.Filter
}

var _ collectors.Collector = (*Collector)(nil)

// Name implements collectors.Collector.
func (c *Collector) Name() string { return "git" }

// Version implements collectors.Collector.
func (c *Collector) Version() string { return Version }

// cursor is what the state keeps per repository and ref.
type cursor struct {
	Commit string `json:"commit"`
}

// Collect implements collectors.Collector.
func (c *Collector) Collect(ctx context.Context, env *collectors.Env) error {
	key := c.repoKey()
	stateKey := key + "@" + c.Ref
	var cur cursor
	if _, err := env.State(stateKey, &cur); err != nil {
		return err
	}
	local := isLocal(c.URL)
	if !local && cur.Commit != "" {
		if head, err := c.remoteCommit(ctx); err == nil && head == cur.Commit {
			env.Logf("%s %s is still at %s: nothing to fetch", key, c.refName(), short(head))
			env.Skip("unchanged ref")
			return nil
		}
	}
	repo, cleanup, err := c.open(ctx, local)
	if err != nil {
		return err
	}
	defer cleanup()
	commit, err := resolve(repo, c.Ref)
	if err != nil {
		return fmt.Errorf("%s: %w", c.URL, err)
	}
	if commit.Hash.String() == cur.Commit {
		env.Skip("unchanged ref")
		return nil
	}
	tree, err := commit.Tree()
	if err != nil {
		return fmt.Errorf("%s: %w", key, err)
	}
	license, err := detectLicense(tree)
	if err != nil {
		return fmt.Errorf("%s: %w", key, err)
	}
	done, err := c.walk(ctx, env, key, tree, license)
	if err != nil || !done {
		return err
	}
	return env.SetState(stateKey, cursor{Commit: commit.Hash.String()})
}

func (c *Collector) refName() string {
	if c.Ref == "" {
		return "HEAD"
	}
	return c.Ref
}

func short(h string) string { return h[:min(len(h), 10)] }

// repoKey is the repository's name in record ids: host/path of a URL
// without ".git", or "local/<dir>" for a local path.
func (c *Collector) repoKey() string {
	if c.Repo != "" {
		return c.Repo
	}
	if isLocal(c.URL) {
		abs, err := filepath.Abs(c.URL)
		if err != nil {
			abs = c.URL
		}
		return "local/" + filepath.Base(abs)
	}
	u, err := url.Parse(c.URL)
	if err != nil || u.Host == "" {
		// scp-like "git@host:owner/repo.git"
		s := strings.TrimPrefix(c.URL, "git@")
		return strings.TrimSuffix(strings.Replace(s, ":", "/", 1), ".git")
	}
	return u.Host + strings.TrimSuffix(u.Path, ".git")
}

func isLocal(u string) bool {
	if strings.Contains(u, "://") || strings.HasPrefix(u, "git@") {
		return false
	}
	_, err := os.Stat(u)
	return err == nil
}

// remoteCommit asks the remote which commit the ref points at, without
// fetching objects.
func (c *Collector) remoteCommit(ctx context.Context) (string, error) {
	rem := gogit.NewRemote(memory.NewStorage(), &config.RemoteConfig{Name: "origin", URLs: []string{c.URL}})
	refs, err := rem.ListContext(ctx, &gogit.ListOptions{})
	if err != nil {
		return "", err
	}
	want := map[string]bool{"HEAD": c.Ref == ""}
	if c.Ref != "" {
		want["refs/heads/"+c.Ref], want["refs/tags/"+c.Ref] = true, true
	}
	for _, r := range refs {
		if want[r.Name().String()] && r.Type() == plumbing.HashReference {
			return r.Hash().String(), nil
		}
	}
	return "", errors.New("ref not advertised")
}

// open opens a local repository, or clones a remote one into a temporary
// directory removed by cleanup.
func (c *Collector) open(ctx context.Context, local bool) (*gogit.Repository, func(), error) {
	if local {
		r, err := gogit.PlainOpenWithOptions(c.URL, &gogit.PlainOpenOptions{DetectDotGit: true})
		if err != nil {
			return nil, nil, fmt.Errorf("open git repository %s: %w", c.URL, err)
		}
		return r, func() {}, nil
	}
	dir, err := os.MkdirTemp("", "hds-git-")
	if err != nil {
		return nil, nil, err
	}
	cleanup := func() { os.RemoveAll(dir) }
	opts := &gogit.CloneOptions{URL: c.URL, Depth: 1, SingleBranch: true, Tags: gogit.NoTags}
	if c.Ref != "" {
		opts.ReferenceName = plumbing.NewBranchReferenceName(c.Ref)
	}
	r, err := gogit.PlainCloneContext(ctx, dir, true, opts)
	if err != nil && c.Ref != "" {
		// Not a branch: a tag or a commit needs the full history.
		os.RemoveAll(dir)
		r, err = gogit.PlainCloneContext(ctx, dir, true, &gogit.CloneOptions{URL: c.URL})
	}
	if err != nil {
		cleanup()
		return nil, nil, fmt.Errorf("clone %s: %w", c.URL, err)
	}
	return r, cleanup, nil
}

func resolve(r *gogit.Repository, ref string) (*object.Commit, error) {
	if ref == "" {
		ref = "HEAD"
	}
	h, err := r.ResolveRevision(plumbing.Revision(ref))
	if err != nil {
		if h2, err2 := r.ResolveRevision(plumbing.Revision("origin/" + ref)); err2 == nil {
			h, err = h2, nil
		}
	}
	if err != nil {
		return nil, fmt.Errorf("resolve %s: %w", ref, err)
	}
	return r.CommitObject(*h)
}

// detectLicense names the licence of a tree from its top-level licence
// files (srcfiles.DetectLicense), "" when there is none or it is not one
// known well enough to name.
func detectLicense(tree *object.Tree) (string, error) {
	var texts [][]byte
	for _, e := range tree.Entries {
		if !e.Mode.IsFile() || !srcfiles.IsLicenseFile(e.Name) {
			continue
		}
		f, err := tree.TreeEntryFile(&e)
		if err != nil {
			return "", fmt.Errorf("read %s: %w", e.Name, err)
		}
		if f.Size > srcfiles.DefaultMaxSize {
			continue
		}
		b, err := readBlob(f)
		if err != nil {
			return "", fmt.Errorf("read %s: %w", e.Name, err)
		}
		texts = append(texts, b)
	}
	return srcfiles.DetectLicense(texts...), nil
}

// walk emits every kept file of the commit's tree. It reports false when
// it stopped early (--max reached).
func (c *Collector) walk(ctx context.Context, env *collectors.Env, key string, tree *object.Tree, license string) (bool, error) {
	full := false
	err := tree.Files().ForEach(func(f *object.File) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if env.Full() {
			full = true
			return io.EOF
		}
		if !f.Mode.IsFile() {
			env.Skip("not a regular file")
			return nil
		}
		if why := c.Filter.ByPath(f.Name, f.Size); why != "" {
			env.Skip(why)
			return nil
		}
		content, err := readBlob(f)
		if err != nil {
			return fmt.Errorf("%s: read %s: %w", key, f.Name, err)
		}
		return c.emit(env, key, f.Hash.String(), f.Name, content, license)
	})
	if errors.Is(err, io.EOF) {
		err = nil
	}
	return !full && err == nil, err
}

func readBlob(f *object.File) ([]byte, error) {
	rd, err := f.Reader()
	if err != nil {
		return nil, err
	}
	defer rd.Close()
	return io.ReadAll(rd)
}

// emit stores one file. Its record names the git blob, not the commit, so
// a file that did not change between two collected commits keeps its bytes.
func (c *Collector) emit(env *collectors.Env, key, blob, p string, content []byte, license string) error {
	lang, why := c.Filter.Detect(p, content)
	if why != "" {
		env.Skip(why)
		return nil
	}
	id := "git:" + key + ":" + p
	rec := &record.Raw{
		ID: id, Kind: record.KindFile, Language: lang, Path: p, Code: string(content),
		Meta:       map[string]any{"repo": key, "ref": c.refName(), "blob": blob, "size": len(content), "lines": srcfiles.Lines(content)},
		Provenance: record.Provenance{URL: c.fileURL(p), License: license},
	}
	return env.Emit(collectors.ShardName(key)+"-"+collectors.ShardOf(p, 4), rec)
}

// fileURL links a file at the collected ref: a GitHub/GitLab blob URL for
// https remotes on those hosts, else "<url>@<ref>:<path>". The exact
// content is the git blob in the record's meta.
func (c *Collector) fileURL(p string) string {
	if u, err := url.Parse(c.URL); err == nil && (u.Host == "github.com" || u.Host == "gitlab.com") {
		return "https://" + u.Host + strings.TrimSuffix(u.Path, ".git") + "/blob/" + c.refName() + "/" + p
	}
	loc := c.URL
	if isLocal(loc) {
		if abs, err := filepath.Abs(loc); err == nil {
			loc = abs
		}
	}
	return loc + "@" + c.refName() + ":" + p
}
