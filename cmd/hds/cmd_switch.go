package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/human2/hds/snapshot"
)

func init() { commands = append(commands, newSwitchCommand) }

// SwitchOptions are the flags of hds switch.
type SwitchOptions struct {
	Create bool
	Force  bool
}

func newSwitchCommand() *cobra.Command {
	var opts SwitchOptions
	cmd := &cobra.Command{
		Use:   "switch [-c] NAME [START]",
		Short: "Switch to a branch, updating the worktree",
		Long: `Make branch NAME current: the worktree is updated to its version and
new commits go on it. Uncommitted changes that do not touch the files the
switch changes are carried over; the others make it refuse unless --force.
With -c, the branch is created first, at START (default HEAD).`,
		Example: `  hds switch cleanup
  hds switch -c experiment v1`,
		Args: argsRange(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := openRepo(cmd.Context())
			if err != nil {
				return err
			}
			defer r.Close()
			so := snapshot.SwitchOptions{Create: opts.Create, Force: opts.Force, Progress: newProgress()}
			if len(args) == 2 {
				if !opts.Create {
					return usageError{msg: "a start point needs -c: hds switch -c NAME START"}
				}
				so.From = args[1]
			}
			res, err := snapshot.Switch(cmd.Context(), r, args[0], so)
			if err != nil {
				return err
			}
			printUpdate(cmd, res)
			verb := "Switched to branch"
			if opts.Create {
				verb = "Switched to a new branch"
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "%s %s\n", verb, args[0])
			return err
		},
	}
	cmd.Flags().BoolVarP(&opts.Create, "create", "c", false, "create the branch")
	cmd.Flags().BoolVarP(&opts.Force, "force", "f", false, "discard uncommitted changes that are in the way")
	return cmd
}
