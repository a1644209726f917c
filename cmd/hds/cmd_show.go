package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/human2/hds/snapshot"
)

func init() { commands = append(commands, newShowCommand) }

func newShowCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show [REV]",
		Short: "Show a version: its commit, totals and changed files",
		Example: `  hds show
  hds show v1 --json`,
		Args: argsRange(0, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := openRepo(cmd.Context())
			if err != nil {
				return err
			}
			defer r.Close()
			rev := "HEAD"
			if len(args) == 1 {
				rev = args[0]
			}
			h, err := r.Resolve(rev)
			if err != nil {
				return err
			}
			c, err := r.Commit(h)
			if err != nil {
				return err
			}
			head, _ := r.Head()
			refs, err := r.RefsAt()
			if err != nil {
				return err
			}
			jc, err := describe(r, c, decorations(h, head, refs))
			if err != nil {
				return err
			}
			ptree, err := r.TreeOf(c.Parent())
			if err != nil {
				return err
			}
			changes, err := snapshot.DiffTrees(r, ptree, c.Tree, nil)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if asJSON {
				jc.Changes = toJSONChanges(changes)
				return printJSON(out, jc)
			}
			printCommit(out, jc, false)
			for _, ch := range changes {
				fmt.Fprintf(out, "%s  %s  %s\n", ch.State, ch.Path, changeLine(ch))
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}
