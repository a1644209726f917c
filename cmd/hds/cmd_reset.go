package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/human2/hds/snapshot"
)

func init() { commands = append(commands, newResetCommand, newRevertCommand) }

func newResetCommand() *cobra.Command {
	var hard bool
	cmd := &cobra.Command{
		Use:   "reset --hard REV",
		Short: "Move the current branch to REV and make the worktree match",
		Long: `Point the current branch (or the detached HEAD) at REV and rewrite the
worktree to match it, discarding uncommitted changes to versioned files.
Files that were never committed are left alone. Commits after REV stay in
the repository (reachable by id, a tag or another branch) until 'hds gc'.

hds has no staging area, so only --hard exists.`,
		Example: `  hds reset --hard v1
  hds reset --hard HEAD~1`,
		Args: argsRange(1, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !hard {
				return usageError{msg: "hds reset needs --hard (hds has no staging area): hds reset --hard " + args[0]}
			}
			r, err := openRepo(cmd.Context())
			if err != nil {
				return err
			}
			defer r.Close()
			res, err := snapshot.Reset(cmd.Context(), r, args[0], snapshot.ResetOptions{Progress: newProgress()})
			if err != nil {
				return err
			}
			printUpdate(cmd, res)
			c, err := r.Commit(res.Commit)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "HEAD is now at %s %s\n", shortHash(res.Commit), c.Subject())
			return err
		},
	}
	cmd.Flags().BoolVar(&hard, "hard", false, "discard uncommitted changes (required)")
	return cmd
}

func newRevertCommand() *cobra.Command {
	var message string
	cmd := &cobra.Command{
		Use:   "revert REV",
		Short: "Record a new version that undoes REV",
		Long: `Make a new commit on the current branch that undoes the changes REV made
to its parent, and update the worktree. History is kept: the reverted
commit stays in the log. Every file REV changed must be unchanged since,
in HEAD and in the worktree; otherwise restore by hand with
'hds checkout REV^ -- PATH'.`,
		Example: `  hds revert HEAD
  hds revert 1a2b3c4d5e -m 'drop the bad scrape'`,
		Args: argsRange(1, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := openRepo(cmd.Context())
			if err != nil {
				return err
			}
			defer r.Close()
			res, err := snapshot.Revert(cmd.Context(), r, args[0], snapshot.RevertOptions{Message: message, Progress: newProgress()})
			if err != nil {
				return err
			}
			c, err := r.Commit(res.Commit)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "[%s %s] %s\n %d files changed\n", res.Branch, shortHash(res.Commit), c.Subject(), len(res.Changes))
			return err
		},
	}
	cmd.Flags().StringVarP(&message, "message", "m", "", "commit `message` (default: Revert \"<subject>\")")
	return cmd
}
