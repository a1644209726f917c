package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/human2/hds/repo"
	"github.com/human2/hds/snapshot"
)

func init() { commands = append(commands, newDiffCommand) }

// DiffOptions are the flags of hds diff.
type DiffOptions struct {
	Stat       bool
	NameStatus bool
	JSON       bool
}

func newDiffCommand() *cobra.Command {
	var opts DiffOptions
	cmd := &cobra.Command{
		Use:   "diff [A [B]] [-- PATH...]",
		Short: "Show changed files between versions, or the worktree and HEAD",
		Long: `Show which files differ, with size and record-count changes.

  hds diff          the worktree against HEAD (like status)
  hds diff A        the worktree against version A
  hds diff A B      version A against version B

Comparing two versions reads only the trees and manifests of what
changed: the cost grows with the change, not with the dataset.`,
		Example: `  hds diff
  hds diff v1 HEAD --stat
  hds diff HEAD~1 HEAD --name-status -- data/raw
  hds diff v1 v2 --json`,
		Args: argsRange(0, -1),
		RunE: func(cmd *cobra.Command, args []string) error {
			revs, paths := splitPaths(args, cmd.ArgsLenAtDash())
			if len(revs) > 2 {
				return usageError{msg: "diff takes at most two revisions; put paths after --"}
			}
			return runDiff(cmd, opts, revs, paths)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&opts.Stat, "stat", false, "a summary line per file and totals")
	f.BoolVar(&opts.NameStatus, "name-status", false, "only a status letter (A, M, D) and the path")
	f.BoolVar(&opts.JSON, "json", false, "print JSON")
	return cmd
}

func runDiff(cmd *cobra.Command, opts DiffOptions, revs, paths []string) error {
	ctx := cmd.Context()
	r, err := openRepo(ctx)
	if err != nil {
		return err
	}
	defer r.Close()
	if paths, err = repo.CleanPaths(paths); err != nil {
		return err
	}
	var changes []snapshot.FileChange
	switch len(revs) {
	case 0, 1:
		if len(revs) == 1 {
			return diffWorktreeAgainst(cmd, r, revs[0], paths, opts)
		}
		res, err := snapshot.Status(ctx, r, snapshot.StatusOptions{Paths: paths, Progress: newProgress()})
		if err != nil {
			return err
		}
		changes = res.Changes
	case 2:
		a, err := resolveTree(r, revs[0])
		if err != nil {
			return err
		}
		b, err := resolveTree(r, revs[1])
		if err != nil {
			return err
		}
		if changes, err = snapshot.DiffTrees(r, a, b, paths); err != nil {
			return err
		}
	}
	return printDiff(cmd, changes, opts)
}

func diffWorktreeAgainst(cmd *cobra.Command, r *repo.Repo, rev string, paths []string, opts DiffOptions) error {
	tree, err := resolveTree(r, rev)
	if err != nil {
		return err
	}
	changes, err := snapshot.CompareWorktree(cmd.Context(), r, tree, paths, newProgress())
	if err != nil {
		return err
	}
	return printDiff(cmd, changes, opts)
}

func resolveTree(r *repo.Repo, rev string) (repo.Hash, error) {
	h, err := r.Resolve(rev)
	if err != nil {
		return repo.ZeroHash, err
	}
	return r.TreeOf(h)
}

func printDiff(cmd *cobra.Command, changes []snapshot.FileChange, opts DiffOptions) error {
	out := cmd.OutOrStdout()
	t := snapshot.Sum(changes)
	switch {
	case opts.JSON:
		return printJSON(out, map[string]any{"changes": toJSONChanges(changes), "files_changed": t.Files,
			"added": t.Added, "modified": t.Modified, "deleted": t.Deleted, "bytes_delta": t.Bytes, "records_delta": t.Records})
	case opts.NameStatus:
		for _, c := range changes {
			fmt.Fprintf(out, "%s\t%s\n", c.State, c.Path)
		}
	case opts.Stat:
		width := 0
		for _, c := range changes {
			width = min(max(width, len(c.Path)), 60)
		}
		for _, c := range changes {
			recs := ""
			if c.OldRecords >= 0 || c.NewRecords >= 0 {
				recs = ", " + signed(max(c.NewRecords, 0)-max(c.OldRecords, 0), "record")
			}
			fmt.Fprintf(out, " %-*s | %s%s\n", width, c.Path, signedBytes(c.NewSize-c.OldSize), recs)
		}
		if len(changes) > 0 {
			fmt.Fprintf(out, " %s\n", totalsLine(t))
		}
	default:
		for _, c := range changes {
			fmt.Fprintf(out, "%s  %s  %s\n", c.State, c.Path, changeLine(c))
		}
	}
	return nil
}
