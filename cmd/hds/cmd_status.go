package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/human2/hds/repo"
	"github.com/human2/hds/snapshot"
)

func init() { commands = append(commands, newStatusCommand) }

// StatusOptions are the flags of hds status.
type StatusOptions struct {
	JSON bool
}

func newStatusCommand() *cobra.Command {
	var opts StatusOptions
	cmd := &cobra.Command{
		Use:   "status [-- PATH...]",
		Short: "Show what changed in the worktree since HEAD",
		Long: `Show the files added, modified and deleted since HEAD, with their size
and record changes (records are lines of JSONL, CSV, TSV and text files).

Files whose size, times and inode match the stat cache are not read; the
others are hashed, not stored.`,
		Example: `  hds status
  hds status --json
  hds status -- data/raw`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runStatus(cmd, opts, args)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	return cmd
}

func runStatus(cmd *cobra.Command, opts StatusOptions, args []string) error {
	r, err := openRepo(cmd.Context())
	if err != nil {
		return err
	}
	defer r.Close()
	paths, err := repo.CleanPaths(args)
	if err != nil {
		return err
	}
	res, err := snapshot.Status(cmd.Context(), r, snapshot.StatusOptions{Paths: paths, Progress: newProgress()})
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	for _, w := range res.Warnings {
		fmt.Fprintln(cmd.ErrOrStderr(), "warning:", w)
	}
	if opts.JSON {
		t := snapshot.Sum(res.Changes)
		return printJSON(out, map[string]any{
			"branch": res.Branch, "head": hashOrEmpty(res.Head), "clean": len(res.Changes) == 0,
			"changes": toJSONChanges(res.Changes), "bytes_delta": t.Bytes, "records_delta": t.Records,
			"skipped": res.Skipped,
		})
	}
	printHeadLine(out, res.Branch, res.Head)
	if len(res.Changes) == 0 {
		_, err := fmt.Fprintln(out, "nothing to commit, worktree matches HEAD")
		return err
	}
	fmt.Fprintf(out, "Changes since HEAD: %s\n", totalsLine(snapshot.Sum(res.Changes)))
	printChanges(out, res.Changes)
	for _, s := range res.Skipped {
		fmt.Fprintf(out, "  skipped:   %s (not a regular file or symlink)\n", s)
	}
	return nil
}

func printHeadLine(w io.Writer, branch string, head repo.Hash) {
	switch {
	case branch == "":
		fmt.Fprintf(w, "HEAD detached at %s\n", shortHash(head))
	case head.IsZero():
		fmt.Fprintf(w, "On branch %s\nNo commits yet\n", branch)
	default:
		fmt.Fprintf(w, "On branch %s\n", branch)
	}
}

func printChanges(w io.Writer, cs []snapshot.FileChange) {
	width := 0
	for _, c := range cs {
		width = max(width, len(c.Path))
	}
	width = min(width, 60)
	for _, c := range cs {
		fmt.Fprintf(w, "  %-9s %-*s  %s\n", stateName(c.State)+":", width, c.Path, changeLine(c))
	}
}

func hashOrEmpty(h repo.Hash) string {
	if h.IsZero() {
		return ""
	}
	return h.String()
}
