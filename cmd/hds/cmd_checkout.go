package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/human2/hds/snapshot"
)

func init() {
	commands = append(commands, newCheckoutCommand)
	registerExitCode(snapshot.ErrDirty, exitError)
}

// CheckoutOptions are the flags of hds checkout.
type CheckoutOptions struct {
	To    string
	Force bool
}

func newCheckoutCommand() *cobra.Command {
	var opts CheckoutOptions
	cmd := &cobra.Command{
		Use:   "checkout REV [--to DIR] [-- PATH...]",
		Short: "Materialize a version, into a directory or the worktree",
		Long: `Write the files of version REV.

With --to DIR, the version (or the given paths of it) is written into DIR,
which must be empty unless --force; the worktree and HEAD are untouched.
This is how a training run gets an exact, old version of the data.

Without --to, the worktree is updated to REV and HEAD is detached there
(if REV is a branch name, HEAD is attached to that branch instead, as with
'hds switch'). Uncommitted changes that would be overwritten make it
refuse, unless --force. With paths and no --to, only those files are
restored from REV and HEAD stays where it is.

Every chunk is verified against its hash as it is read.`,
		Example: `  hds checkout v1 --to /scratch/run42
  hds checkout HEAD~3 --to ./old -- data/code_patterns
  hds checkout v1               # worktree at v1, detached HEAD
  hds checkout v1 -- data/raw/docs.jsonl`,
		Args: argsRange(1, -1),
		RunE: func(cmd *cobra.Command, args []string) error {
			revs, paths := splitPaths(args, cmd.ArgsLenAtDash())
			if len(revs) != 1 {
				return usageError{msg: "checkout takes one revision; put paths after --"}
			}
			return runCheckout(cmd, opts, revs[0], paths)
		},
	}
	cmd.Flags().StringVar(&opts.To, "to", "", "write the version into `DIR` instead of the worktree")
	cmd.Flags().BoolVarP(&opts.Force, "force", "f", false, "write into a non-empty DIR, or discard uncommitted changes")
	return cmd
}

func runCheckout(cmd *cobra.Command, opts CheckoutOptions, rev string, paths []string) error {
	r, err := openRepo(cmd.Context())
	if err != nil {
		return err
	}
	defer r.Close()
	res, err := snapshot.Checkout(cmd.Context(), r, rev, snapshot.CheckoutOptions{
		To: opts.To, Paths: paths, Force: opts.Force, Progress: newProgress(),
	})
	if err != nil {
		return err
	}
	printUpdate(cmd, res)
	out := cmd.OutOrStdout()
	switch {
	case opts.To != "":
		fmt.Fprintf(out, "Checked out %s into %s\n", shortHash(res.Commit), opts.To)
	case len(paths) > 0:
		fmt.Fprintf(out, "Restored %d files from %s\n", res.Written, rev)
	case res.Branch != "":
		fmt.Fprintf(out, "Switched to branch %s at %s\n", res.Branch, shortHash(res.Commit))
	default:
		fmt.Fprintf(out, "HEAD is now at %s (detached; 'hds switch -c NAME' to start a branch here)\n", shortHash(res.Commit))
	}
	return nil
}

// printUpdate reports what a worktree update wrote and removed.
func printUpdate(cmd *cobra.Command, res *snapshot.CheckoutResult) {
	for _, w := range res.Warnings {
		fmt.Fprintln(cmd.ErrOrStderr(), "warning:", w)
	}
	fmt.Fprintf(cmd.OutOrStdout(), "%d %s written (%s), %d removed\n", res.Written, plural(int64(res.Written), "file"), humanBytes(res.Bytes), res.Removed)
}
