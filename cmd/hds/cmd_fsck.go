package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/human2/hds/fsck"
	"github.com/human2/hds/gc"
	"github.com/human2/hds/repo"
)

func init() {
	commands = append(commands, newFsckCommand, newGCCommand)
	registerExitCode(repo.ErrBusy, exitLocked)
}

// problemsError reports that fsck found errors (exit status 5).
type problemsError struct{ n int }

func (e problemsError) Error() string {
	return fmt.Sprintf("%d %s found; see above", e.n, plural(int64(e.n), "problem"))
}
func (problemsError) ExitCode() int { return exitProblems }

func newFsckCommand() *cobra.Command {
	var readData, asJSON bool
	cmd := &cobra.Command{
		Use:   "fsck [--read-data]",
		Short: "Verify versions, manifests and the chunk store",
		Long: `Check every version reachable from a branch, tag or HEAD: commits, trees
and manifests are read and checked against their ids, and every chunk a
manifest names must be in the chunk store. Then the store is checked:
index files, and that each pack agrees with its index. With --read-data,
every chunk is read, decompressed and hashed.

Each problem names the version and file it affects. Warnings (leftovers of
an interrupted command, which 'hds gc' removes) do not fail the check;
errors exit with status 5.`,
		Example: `  hds fsck
  hds fsck --read-data`,
		Args: argsRange(0, 0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			r, err := openRepo(cmd.Context())
			if err != nil {
				return err
			}
			defer r.Close()
			res, err := fsck.Run(cmd.Context(), r, fsck.Options{ReadData: readData, Progress: newProgress()})
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if asJSON {
				var ps []map[string]string
				for _, p := range res.Problems {
					ps = append(ps, map[string]string{"severity": p.Severity.String(), "where": p.Where, "message": p.Msg})
				}
				if err := printJSON(out, map[string]any{"commits": res.Commits, "trees": res.Trees, "manifests": res.Manifests,
					"chunks": res.Chunks, "errors": res.Errors(), "problems": ps}); err != nil {
					return err
				}
			} else {
				for _, p := range res.Problems {
					fmt.Fprintln(out, p)
				}
				what := "checked"
				if readData {
					what = "checked, data read and verified"
				}
				fmt.Fprintf(out, "%d commits, %d trees, %d manifests, %d chunks %s: %d errors, %d warnings\n",
					res.Commits, res.Trees, res.Manifests, res.Chunks, what, res.Errors(), len(res.Problems)-res.Errors())
			}
			if n := res.Errors(); n > 0 {
				return problemsError{n}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&readData, "read-data", false, "read and verify every chunk")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func newGCCommand() *cobra.Command {
	var dryRun, asJSON bool
	cmd := &cobra.Command{
		Use:   "gc [--dry-run]",
		Short: "Remove chunks no version needs",
		Long: `Delete chunks that no version reachable from a branch, tag or HEAD
(and no file the stat cache knows) refers to: packs with no live chunk are
deleted, packs that are mostly garbage are repacked, and leftovers of
interrupted commands are removed. The git object packs (one per commit)
are merged into one, every object kept; 'hds commit' does this itself
past 50 of them. It holds the repository lock, so no
other hds command writes or reads chunks meanwhile. A crash leaves every
live chunk in place.`,
		Example: `  hds gc --dry-run
  hds gc`,
		Args: argsRange(0, 0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			r, err := openRepo(cmd.Context())
			if err != nil {
				return err
			}
			defer r.Close()
			res, err := gc.Run(cmd.Context(), r, gc.Options{DryRun: dryRun, Progress: newProgress()})
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), res)
			}
			verb := "removed"
			if dryRun {
				verb = "would remove"
			}
			s := res.PruneStats
			_, err = fmt.Fprintf(cmd.OutOrStdout(),
				"%d commits, %d manifests, %d live chunks; %s %d chunks: %d packs deleted, %d repacked into %d, %d leftover packs, %d temp files; %s freed\n",
				res.Commits, res.Manifests, s.LiveChunks, verb, s.DeadChunks, s.PacksDeleted, s.PacksRepacked, s.PacksWritten,
				s.UnindexedDeleted, s.TempFilesDeleted, humanBytes(max(s.FreedBytes, 0)))
			if err == nil && res.Objects.PacksBefore > res.Objects.PacksAfter {
				merge := "merged"
				if dryRun {
					merge = "would merge"
				}
				_, err = fmt.Fprintf(cmd.OutOrStdout(), "%s %d object packs into %d\n", merge, res.Objects.PacksBefore, res.Objects.PacksAfter)
			}
			return err
		},
	}
	cmd.Flags().BoolVarP(&dryRun, "dry-run", "n", false, "show what would be removed")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}
