package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/human2/hds/repo"
)

func init() { commands = append(commands, newBranchCommand) }

// BranchOptions are the flags of hds branch.
type BranchOptions struct {
	Delete bool
	JSON   bool
}

func newBranchCommand() *cobra.Command {
	var opts BranchOptions
	cmd := &cobra.Command{
		Use:   "branch [NAME [REV]] | -d NAME",
		Short: "List, create or delete branches",
		Long: `Without arguments, list branches (* marks the current one).
With NAME, create a branch at REV (default HEAD) without switching to it.
With -d NAME, delete a branch (not the current one); its commits stay
until 'hds gc' finds nothing else refers to them.`,
		Example: `  hds branch
  hds branch cleanup
  hds branch release v1
  hds branch -d cleanup`,
		Args: argsRange(0, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runBranch(cmd, opts, args)
		},
	}
	cmd.Flags().BoolVarP(&opts.Delete, "delete", "d", false, "delete the branch")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON (list)")
	return cmd
}

func runBranch(cmd *cobra.Command, opts BranchOptions, args []string) error {
	r, err := openRepo(cmd.Context())
	if err != nil {
		return err
	}
	defer r.Close()
	out := cmd.OutOrStdout()
	switch {
	case opts.Delete:
		if len(args) != 1 {
			return usageError{msg: "usage: hds branch -d NAME"}
		}
		unlock, err := r.Lock()
		if err != nil {
			return err
		}
		defer unlock()
		if err := r.DeleteBranch(args[0]); err != nil {
			return err
		}
		_, err = fmt.Fprintf(out, "Deleted branch %s\n", args[0])
		return err
	case len(args) == 0:
		return listRefs(cmd, r, opts.JSON, r.Branches)
	}
	rev := "HEAD"
	if len(args) == 2 {
		rev = args[1]
	}
	target, err := r.Resolve(rev)
	if err != nil {
		return err
	}
	unlock, err := r.Lock()
	if err != nil {
		return err
	}
	defer unlock()
	if err := r.SetBranch(args[0], target, &repo.ZeroHash); err != nil {
		return err
	}
	_, err = fmt.Fprintf(out, "Created branch %s at %s\n", args[0], shortHash(target))
	return err
}

// listRefs prints branches or tags, marking the current branch.
func listRefs(cmd *cobra.Command, r *repo.Repo, asJSON bool, list func() ([]repo.Ref, error)) error {
	refs, err := list()
	if err != nil {
		return err
	}
	head, err := r.Head()
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	if asJSON {
		var js []map[string]any
		for _, x := range refs {
			js = append(js, map[string]any{"name": x.Name, "commit": x.Commit.String(), "current": x.Name == head.Branch})
		}
		if js == nil {
			js = []map[string]any{}
		}
		return printJSON(out, js)
	}
	for _, x := range refs {
		mark := " "
		if x.Name == head.Branch {
			mark = "*"
		}
		subject := ""
		if c, err := r.Commit(x.Commit); err == nil {
			subject = c.Subject()
		}
		fmt.Fprintf(out, "%s %-20s %s %s\n", mark, x.Name, shortHash(x.Commit), subject)
	}
	return nil
}
