package main

import (
	"os"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// GlobalOptions are the flags every command accepts.
type GlobalOptions struct {
	Dir   string // -C: act as if started in this directory
	Quiet bool   // no progress output
}

// AddFlags registers the global flags.
func (o *GlobalOptions) AddFlags(f *pflag.FlagSet) {
	f.StringVarP(&o.Dir, "directory", "C", "", "run as if hds was started in `DIR`")
	f.BoolVarP(&o.Quiet, "quiet", "q", false, "do not show progress on stderr")
}

// workDir is the directory the command acts in.
func (o *GlobalOptions) workDir() (string, error) {
	if o.Dir != "" {
		return o.Dir, nil
	}
	return os.Getwd()
}

var globalOptions GlobalOptions

// commands lists the constructors of all subcommands, in help order. Each
// command file appends its constructor from an init function.
var commands []func() *cobra.Command

func newRootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "hds",
		Short: "Version datasets the way git versions code",
		Long: `hds keeps every version of a dataset as a git commit. File contents are
split into content-defined chunks, compressed with zstd and stored once in
pack files; a version is a tree of small manifests that git can diff,
branch, tag and push.

Start with 'hds init', add data (or 'hds collect' it), then 'hds commit'.`,
		SilenceUsage:      true,
		SilenceErrors:     true,
		CompletionOptions: cobra.CompletionOptions{HiddenDefaultCmd: true},
	}
	globalOptions = GlobalOptions{}
	globalOptions.AddFlags(root.PersistentFlags())
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError{msg: err.Error() + "\nsee 'hds " + c.Name() + " --help'"}
	})
	for _, newCmd := range commands {
		root.AddCommand(newCmd())
	}
	return root
}

// argsRange checks the number of positional arguments (max < 0: no limit), with an error that maps to the usage exit code.
func argsRange(min, max int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < min || (max >= 0 && len(args) > max) {
			return usageError{msg: "wrong number of arguments\nusage: " + cmd.UseLine()}
		}
		return nil
	}
}
