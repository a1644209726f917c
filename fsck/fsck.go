// Package fsck verifies a dataset repository: every version reachable from
// a branch, tag or HEAD (commits, trees, manifests, each object against its
// id), that every chunk a manifest names is in the chunk store, and the
// store itself (index files, pack footers, and with ReadData every chunk's
// bytes against its id). Problems are collected with the version and path
// they affect; fsck never changes anything.
package fsck

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/human2/hds/chunk"
	"github.com/human2/hds/pack"
	"github.com/human2/hds/progress"
	"github.com/human2/hds/repo"
)

// Severity of a problem: pack.Warning (leftovers 'hds gc' removes) or
// pack.Error (missing or damaged data).
type Severity = pack.Severity

// Problem is one finding.
type Problem struct {
	Severity Severity
	Where    string // "commit 1a2b3c4d5e data/x.jsonl", "pack ab12…", ...
	Msg      string
}

func (p Problem) String() string {
	if p.Where == "" {
		return fmt.Sprintf("%s: %s", p.Severity, p.Msg)
	}
	return fmt.Sprintf("%s: %s: %s", p.Severity, p.Where, p.Msg)
}

// Options configure Run.
type Options struct {
	ReadData bool
	Progress progress.Reporter
}

// Result is what Run checked and found.
type Result struct {
	Commits, Trees, Manifests, Chunks int
	Problems                          []Problem
}

// Errors counts problems of Error severity.
func (r *Result) Errors() int {
	n := 0
	for _, p := range r.Problems {
		if p.Severity == pack.Error {
			n++
		}
	}
	return n
}

// Run checks r. It returns an error only when it could not check (the
// repository is busy, the context was cancelled); findings are in Result.
func Run(ctx context.Context, r *repo.Repo, opts Options) (*Result, error) {
	unlock, err := r.ReadLock()
	if err != nil {
		return nil, err
	}
	defer unlock()
	c := &checker{r: r, res: &Result{}, users: map[chunk.ID]string{}, prog: progress.Or(opts.Progress)}
	if err := c.versions(ctx); err != nil {
		return nil, err
	}
	if st := r.Store(); st != nil {
		err := st.Check(ctx, pack.CheckOptions{ReadData: opts.ReadData, Progress: c.prog}, func(p pack.Problem) {
			c.storeProblem(p)
		})
		if err != nil {
			return nil, err
		}
	}
	sort.SliceStable(c.res.Problems, func(i, j int) bool { return c.res.Problems[i].Severity > c.res.Problems[j].Severity })
	return c.res, nil
}

type checker struct {
	r     *repo.Repo
	res   *Result
	users map[chunk.ID]string // chunk -> first "commit path" using it
	prog  progress.Reporter
}

func (c *checker) add(sev Severity, where, format string, args ...any) {
	c.res.Problems = append(c.res.Problems, Problem{Severity: sev, Where: where, Msg: fmt.Sprintf(format, args...)})
}

// versions walks every reachable commit, each distinct tree and manifest
// once, and checks chunk references.
func (c *checker) versions(ctx context.Context) error {
	roots, err := c.r.Roots()
	if err != nil {
		c.add(pack.Error, "refs", "%v", err)
		return nil
	}
	c.prog.Phase("versions")
	seenTrees := map[repo.Hash]bool{}
	seenBlobs := map[repo.Hash]bool{}
	seenCommits := map[repo.Hash]bool{}
	queue := roots
	for len(queue) > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		h := queue[0]
		queue = queue[1:]
		if seenCommits[h] {
			continue
		}
		seenCommits[h] = true
		cm, err := c.r.Commit(h)
		if err != nil {
			c.add(pack.Error, "commit "+h.String()[:10], "cannot be read: %v", err)
			continue
		}
		c.res.Commits++
		queue = append(queue, cm.Parents...)
		c.tree(cm, seenTrees, seenBlobs)
		c.prog.Add(1, 0)
	}
	c.res.Trees = len(seenTrees)
	c.prog.Done()
	return nil
}

func (c *checker) tree(cm *repo.Commit, seenTrees, seenBlobs map[repo.Hash]bool) {
	where := "commit " + cm.Hash.String()[:10]
	if _, err := c.r.Dataset(cm.Tree); err != nil {
		c.add(pack.Error, where, "dataset summary: %v", err)
	}
	err := c.r.WalkNew(cm.Tree, seenTrees, func(p string, blob repo.Hash) error {
		if seenBlobs[blob] {
			return nil
		}
		seenBlobs[blob] = true
		c.res.Manifests++
		m, err := c.r.Manifest(blob)
		if err != nil {
			c.add(pack.Error, where+" "+p, "%v", err)
			return nil
		}
		for _, ch := range m.Chunks {
			if _, ok := c.users[ch.ID]; ok {
				continue
			}
			c.users[ch.ID] = where + " " + p
			c.res.Chunks++
			if !c.r.Chunks.Has(ch.ID) {
				c.add(pack.Error, where+" "+p, "chunk %s is missing from the chunk store", ch.ID.Short())
			}
		}
		return nil
	})
	if err != nil {
		c.add(pack.Error, where, "tree: %v", err)
	}
}

// storeProblem records a chunk store finding, naming a version and file
// that use the chunk when one does.
func (c *checker) storeProblem(p pack.Problem) {
	where := ""
	switch {
	case p.Pack != "" && !strings.Contains(p.Msg, p.Pack):
		where = "pack " + p.Pack
	case p.Index != "" && !strings.Contains(p.Msg, p.Index):
		where = "index " + p.Index
	}
	msg := p.Msg
	if !p.ID.IsZero() {
		if !strings.Contains(msg, p.ID.Short()) {
			msg = "chunk " + p.ID.Short() + ": " + msg
		}
		if user, ok := c.users[p.ID]; ok {
			msg += " (used by " + user + ")"
		} else if p.Severity == pack.Error {
			p.Severity = pack.Warning // no version needs it; gc drops it
			msg += " (no version uses it; 'hds gc' removes it)"
		}
	}
	c.res.Problems = append(c.res.Problems, Problem{Severity: p.Severity, Where: where, Msg: msg})
}
