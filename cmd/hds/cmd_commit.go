package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/human2/hds/repo"
	"github.com/human2/hds/snapshot"
)

func init() { commands = append(commands, newCommitCommand) }

// CommitOptions are the flags of hds commit.
type CommitOptions struct {
	Message string
	JSON    bool
}

func newCommitCommand() *cobra.Command {
	var opts CommitOptions
	cmd := &cobra.Command{
		Use:   "commit -m MESSAGE",
		Short: "Record the worktree as a new version",
		Long: `Snapshot every file under the dataset root (except .hds/ and what
.hdsignore lists) as a new version on the current branch.

Unchanged files are recognised by the stat cache and not read. Changed
files are split into content-defined chunks; only chunks the store does
not have are compressed and written. If nothing changed, no commit is
made and the command says so (exit status 0).

The author comes from HDS_AUTHOR_NAME and HDS_AUTHOR_EMAIL, else from
git's user.name and user.email, else from the login and host name.`,
		Example: `  hds commit -m 'python corpus v1'`,
		Args:    argsRange(0, 0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runCommit(cmd, opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Message, "message", "m", "", "the commit `message` (required)")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	return cmd
}

func runCommit(cmd *cobra.Command, opts CommitOptions) error {
	if opts.Message == "" {
		return usageError{msg: "commit needs a message: hds commit -m 'what changed'"}
	}
	r, err := openRepo(cmd.Context())
	if err != nil {
		return err
	}
	defer r.Close()
	res, err := snapshot.Commit(cmd.Context(), r, snapshot.CommitOptions{Message: opts.Message, Progress: newProgress()})
	if err != nil {
		return err
	}
	for _, w := range res.Warnings {
		fmt.Fprintln(cmd.ErrOrStderr(), "warning:", w)
	}
	out := cmd.OutOrStdout()
	t := snapshot.Sum(res.Changes)
	if opts.JSON {
		return printJSON(out, map[string]any{
			"commit": hashOrEmpty(res.Commit), "parent": hashOrEmpty(res.Parent), "branch": res.Branch,
			"nothing_to_commit": res.NothingToCommit(),
			"files_changed":     t.Files, "added": t.Added, "modified": t.Modified, "deleted": t.Deleted,
			"bytes_delta": t.Bytes, "records_delta": t.Records,
			"bytes_read": res.Read, "bytes_new": res.New, "chunks_new": res.NewCount,
			"dataset": map[string]int64{"files": res.Dataset.Files, "bytes": res.Dataset.Bytes, "records": res.Dataset.Records},
			"skipped": res.Skipped, "repacked": repackedJSON(res.Repacked),
		})
	}
	if res.NothingToCommit() {
		_, err := fmt.Fprintln(out, "nothing to commit, worktree matches HEAD")
		return err
	}
	where := res.Branch
	if where == "" {
		where = "detached HEAD"
	}
	if res.Parent.IsZero() {
		where += " (root-commit)"
	}
	fmt.Fprintf(out, "[%s %s] %s\n", where, shortHash(res.Commit), firstLine(opts.Message))
	fmt.Fprintf(out, " %s\n", totalsLine(t))
	fmt.Fprintf(out, " read %s, stored %s new in %d %s\n", humanBytes(res.Read), humanBytes(res.New), res.NewCount, plural(res.NewCount, "chunk"))
	fmt.Fprintf(out, " dataset: %d files, %s, %d records\n", res.Dataset.Files, humanBytes(res.Dataset.Bytes), res.Dataset.Records)
	if p := res.Repacked; p != nil {
		fmt.Fprintf(out, " merged %d object packs into %d (%d objects)\n", p.PacksBefore, p.PacksAfter, p.Objects)
	}
	for _, s := range res.Skipped {
		fmt.Fprintf(cmd.ErrOrStderr(), "skipped %s: not a regular file or symlink\n", s)
	}
	return nil
}

// repackedJSON is the object-pack merge a commit did, in the snake_case of
// commit's other JSON fields; nil when there was none.
func repackedJSON(st *repo.RepackStats) any {
	if st == nil {
		return nil
	}
	return map[string]int{"packs_before": st.PacksBefore, "packs_after": st.PacksAfter, "objects": st.Objects}
}
