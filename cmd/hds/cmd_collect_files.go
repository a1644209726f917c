//go:build !hds_core

package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/human2/hds/collectors/files"
)

func init() { collectSources = append(collectSources, newCollectFilesCommand) }

func newCollectFilesCommand(opts *CollectOptions) *cobra.Command {
	var to string
	var force bool
	cmd := &cobra.Command{
		Use:   "files PATH... --to examples|documentation",
		Short: "Upload local files into data/examples/ or data/documentation/",
		Long: `Copy local files (or directory trees) into data/examples/uploaded/ or
data/documentation/uploaded/ of the dataset, where 'hds process' never
removes them. Files already there with the same content are left alone;
if any destination exists with different content nothing is copied
unless --force. Binary files and files over 64 MiB are skipped.`,
		Example: `  hds collect files ~/curated/snippets --to examples
  hds collect files README.md docs/ --to documentation`,
		Args: argsRange(1, -1),
		RunE: func(cmd *cobra.Command, args []string) error {
			root, err := repoRoot()
			if err != nil {
				return err
			}
			res, err := files.Upload(root, args, to, force)
			if err != nil {
				return err
			}
			if opts.JSON {
				return printJSON(cmd.OutOrStdout(), res)
			}
			for _, p := range res.Copied {
				fmt.Fprintln(cmd.OutOrStdout(), "copied:", p)
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "%d copied, %d unchanged, %d skipped\n", len(res.Copied), len(res.Unchanged), len(res.Skipped))
			return err
		},
	}
	cmd.Flags().StringVar(&to, "to", "examples", "where: examples or documentation")
	cmd.Flags().BoolVar(&force, "force", false, "overwrite files that differ")
	return cmd
}
