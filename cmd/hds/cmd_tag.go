package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func init() { commands = append(commands, newTagCommand) }

// TagOptions are the flags of hds tag.
type TagOptions struct {
	Message string
	Delete  bool
	JSON    bool
}

func newTagCommand() *cobra.Command {
	var opts TagOptions
	cmd := &cobra.Command{
		Use:   "tag [NAME [REV]] [-m MESSAGE] | -d NAME",
		Short: "List, create or delete tags",
		Long: `Without arguments, list tags. With NAME, tag REV (default HEAD): a
lightweight tag, or an annotated one (author, date, message) with -m.
Tags name versions for good: 'hds checkout v1 --to DIR' gets exactly the
data that was tagged.`,
		Example: `  hds tag v1
  hds tag v1 -m 'first training set'
  hds tag baseline HEAD~2
  hds tag -d v1`,
		Args: argsRange(0, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runTag(cmd, opts, args)
		},
	}
	cmd.Flags().StringVarP(&opts.Message, "message", "m", "", "make an annotated tag with this `message`")
	cmd.Flags().BoolVarP(&opts.Delete, "delete", "d", false, "delete the tag")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON (list)")
	return cmd
}

func runTag(cmd *cobra.Command, opts TagOptions, args []string) error {
	r, err := openRepo(cmd.Context())
	if err != nil {
		return err
	}
	defer r.Close()
	out := cmd.OutOrStdout()
	if len(args) == 0 && !opts.Delete {
		return listRefs(cmd, r, opts.JSON, r.Tags)
	}
	unlock, err := r.Lock()
	if err != nil {
		return err
	}
	defer unlock()
	if opts.Delete {
		if len(args) != 1 {
			return usageError{msg: "usage: hds tag -d NAME"}
		}
		if err := r.DeleteTag(args[0]); err != nil {
			return err
		}
		_, err = fmt.Fprintf(out, "Deleted tag %s\n", args[0])
		return err
	}
	rev := "HEAD"
	if len(args) == 2 {
		rev = args[1]
	}
	commit, err := r.Resolve(rev)
	if err != nil {
		return err
	}
	target := commit
	if opts.Message != "" {
		b := r.NewBatch()
		if target, err = b.PutTag(args[0], commit, r.Author(), opts.Message); err != nil {
			return err
		}
		if err := b.Write(cmd.Context()); err != nil {
			return err
		}
	}
	if err := r.SetTag(args[0], target); err != nil {
		return err
	}
	_, err = fmt.Fprintf(out, "Tagged %s as %s\n", shortHash(commit), args[0])
	return err
}
