//go:build !hds_core

package main

import (
	"github.com/spf13/cobra"

	"github.com/human2/hds/collectors/git"
)

func init() { collectSources = append(collectSources, newCollectGitCommand) }

func newCollectGitCommand(opts *CollectOptions) *cobra.Command {
	var c git.Collector
	cmd := &cobra.Command{
		Use:   "git URL|PATH [--ref REF]",
		Short: "Source files of a git repository (cloned with go-git, or local)",
		Long: `Clone a repository (or open a local one) at REF and store its source
files as records of kind "file" in data/raw/git/: language detected with
go-enry; vendored, generated, minified, binary, documentation and
oversized files skipped and counted. Each record's licence is the SPDX id
of the repository's top-level LICENSE/COPYING files where a known licence
covers at least 75% of them (google/licensecheck), else left empty.

The collected commit is the cursor: while REF still points at it, a
re-run asks the remote for its refs and fetches nothing.`,
		Example: `  hds collect git https://github.com/psf/requests --ref main --lang Python
  hds collect git ~/src/myproject`,
		Args: argsRange(1, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c.URL = args[0]
			return runCollect(cmd, &c, opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&c.Ref, "ref", "", "branch, tag or commit (default: the remote's HEAD)")
	f.StringVar(&c.Repo, "name", "", "repository `key` used in record ids (default: host/owner/name, or local/DIR)")
	f.StringSliceVar(&c.Filter.Languages, "lang", nil, "keep only these `languages` (linguist names, comma-separated; default: all programming languages)")
	f.Int64Var(&c.Filter.MaxSize, "max-file-size", 1<<20, "skip files larger than `BYTES`")
	return cmd
}
