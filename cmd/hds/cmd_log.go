package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/human2/hds/manifest"
	"github.com/human2/hds/repo"
)

func init() { commands = append(commands, newLogCommand) }

// LogOptions are the flags of hds log.
type LogOptions struct {
	Oneline bool
	JSON    bool
	Max     int
}

func newLogCommand() *cobra.Command {
	var opts LogOptions
	cmd := &cobra.Command{
		Use:   "log [REV] [-- PATH...]",
		Short: "Show the versions, newest first, with dataset totals",
		Long: `Show the commits reachable from REV (default HEAD), newest first, each
with the dataset's totals (files, bytes, records) and the change from its
parent. With paths, only commits that changed those paths are shown.`,
		Example: `  hds log
  hds log --oneline -n 5
  hds log v1 -- data/code_patterns
  hds log --json`,
		Args: argsRange(0, -1),
		RunE: func(cmd *cobra.Command, args []string) error {
			revs, paths := splitPaths(args, cmd.ArgsLenAtDash())
			if len(revs) > 1 {
				return usageError{msg: "log takes one revision; put paths after --"}
			}
			return runLog(cmd, opts, revs, paths)
		},
	}
	cmd.Flags().BoolVar(&opts.Oneline, "oneline", false, "one line per commit")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	cmd.Flags().IntVarP(&opts.Max, "max-count", "n", 0, "show at most `N` commits")
	return cmd
}

// jsonCommit is a commit as log --json and show --json print it.
type jsonCommit struct {
	Commit  string         `json:"commit"`
	Parents []string       `json:"parents"`
	Author  string         `json:"author"`
	Email   string         `json:"email"`
	Date    time.Time      `json:"date"`
	Message string         `json:"message"`
	Refs    []string       `json:"refs,omitempty"`
	Totals  manifestTotals `json:"totals"`
	Delta   manifestTotals `json:"delta"`
	Changes []jsonChange   `json:"changes,omitempty"`
}

type manifestTotals struct {
	Files   int64 `json:"files"`
	Bytes   int64 `json:"bytes"`
	Records int64 `json:"records"`
}

func runLog(cmd *cobra.Command, opts LogOptions, revs, paths []string) error {
	r, err := openRepo(cmd.Context())
	if err != nil {
		return err
	}
	defer r.Close()
	paths, err = repo.CleanPaths(paths)
	if err != nil {
		return err
	}
	rev := "HEAD"
	if len(revs) == 1 {
		rev = revs[0]
	}
	from, err := r.Resolve(rev)
	if err != nil {
		return err
	}
	refs, err := r.RefsAt()
	if err != nil {
		return err
	}
	head, _ := r.Head()
	out := cmd.OutOrStdout()
	var all []jsonCommit
	n := 0
	err = r.Log(from, func(c *repo.Commit) error {
		if opts.Max > 0 && n >= opts.Max {
			return repo.StopLog
		}
		if len(paths) > 0 {
			ptree, err := r.TreeOf(c.Parent())
			if err != nil {
				return err
			}
			ch, err := r.Diff(ptree, c.Tree, paths)
			if err != nil || len(ch) == 0 {
				return err
			}
		}
		n++
		jc, err := describe(r, c, decorations(c.Hash, head, refs))
		if err != nil {
			return err
		}
		if opts.JSON {
			all = append(all, jc)
			return nil
		}
		printCommit(out, jc, opts.Oneline)
		return nil
	})
	if err != nil {
		return err
	}
	if opts.JSON {
		if all == nil {
			all = []jsonCommit{}
		}
		return printJSON(out, all)
	}
	return nil
}

// describe reads a commit's totals and its change from the first parent.
func describe(r *repo.Repo, c *repo.Commit, refs []string) (jsonCommit, error) {
	jc := jsonCommit{
		Commit: c.Hash.String(), Author: c.Author.Name, Email: c.Author.Email,
		Date: c.Author.When, Message: c.Message, Refs: refs, Parents: []string{},
	}
	for _, p := range c.Parents {
		jc.Parents = append(jc.Parents, p.String())
	}
	cur, err := r.Dataset(c.Tree)
	if err != nil {
		return jc, err
	}
	var prev manifest.Dataset
	if !c.Parent().IsZero() {
		ptree, err := r.TreeOf(c.Parent())
		if err != nil {
			return jc, err
		}
		if prev, err = r.Dataset(ptree); err != nil {
			return jc, err
		}
	}
	jc.Totals = manifestTotals{cur.Files, cur.Bytes, cur.Records}
	jc.Delta = manifestTotals{cur.Files - prev.Files, cur.Bytes - prev.Bytes, cur.Records - prev.Records}
	return jc, nil
}

// decorations names the refs at h, git style: "HEAD -> main", "tag: v1".
func decorations(h repo.Hash, head repo.Head, refs map[repo.Hash][]string) []string {
	var out []string
	if head.Commit == h {
		if head.Branch != "" {
			out = append(out, "HEAD -> "+head.Branch)
		} else {
			out = append(out, "HEAD")
		}
	}
	for _, name := range refs[h] {
		if name != head.Branch {
			out = append(out, name)
		}
	}
	return out
}

func printCommit(w io.Writer, jc jsonCommit, oneline bool) {
	deco := ""
	if len(jc.Refs) > 0 {
		deco = " (" + strings.Join(jc.Refs, ", ") + ")"
	}
	t, d := jc.Totals, jc.Delta
	totals := fmt.Sprintf("%d files, %s, %d records", t.Files, humanBytes(t.Bytes), t.Records)
	delta := fmt.Sprintf("%s, %s, %s", signed(d.Files, "file"), signedBytes(d.Bytes), signed(d.Records, "record"))
	if oneline {
		fmt.Fprintf(w, "%s%s %s  [%s; %s]\n", jc.Commit[:10], deco, firstLine(jc.Message), totals, delta)
		return
	}
	fmt.Fprintf(w, "commit %s%s\n", jc.Commit, deco)
	fmt.Fprintf(w, "Author: %s <%s>\n", jc.Author, jc.Email)
	fmt.Fprintf(w, "Date:   %s\n\n", jc.Date.Format("Mon Jan 2 15:04:05 2006 -0700"))
	for _, line := range strings.Split(strings.TrimRight(jc.Message, "\n"), "\n") {
		fmt.Fprintf(w, "    %s\n", line)
	}
	fmt.Fprintf(w, "\n    %s (%s)\n\n", totals, delta)
}
