package main

import (
	"bufio"
	"strings"

	"github.com/spf13/cobra"

	"github.com/human2/hds/repo"
	"github.com/human2/hds/snapshot"
)

func init() { commands = append(commands, newCatCommand) }

func newCatCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "cat REV:PATH",
		Short: "Write a file of a version to stdout",
		Long: `Stream the content of PATH as it was in version REV to standard output,
verifying every chunk against its hash. Memory stays bounded whatever the
file size.`,
		Example: `  hds cat v1:data/code_patterns/part-0000.jsonl | head
  hds cat HEAD~2:hds.yaml`,
		Args: argsRange(1, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rev, path, ok := strings.Cut(args[0], ":")
			if !ok || path == "" {
				return usageError{msg: "cat takes REV:PATH, e.g. hds cat HEAD:data/raw/docs.jsonl"}
			}
			if rev == "" {
				rev = "HEAD"
			}
			r, err := openRepo(cmd.Context())
			if err != nil {
				return err
			}
			defer r.Close()
			tree, err := resolveTree(r, rev)
			if err != nil {
				return err
			}
			clean, err := repo.CleanPaths([]string{path})
			if err != nil || len(clean) != 1 {
				return usageError{msg: "cat needs a file path"}
			}
			blob, err := r.Lookup(tree, clean[0])
			if err != nil {
				return err
			}
			m, err := r.Manifest(blob)
			if err != nil {
				return err
			}
			unlock, err := r.ReadLock()
			if err != nil {
				return err
			}
			defer unlock()
			w := bufio.NewWriterSize(cmd.OutOrStdout(), 1<<20)
			if err := snapshot.CopyFile(cmd.Context(), r, clean[0], m, w); err != nil {
				return err
			}
			return w.Flush()
		},
	}
}
