package main

import (
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/human2/hds/repo"
)

func init() {
	commands = append(commands, newInitCommand)
	registerExitCode(repo.ErrExists, exitError)
}

func newInitCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "init [DIR]",
		Short: "Create an empty dataset repository",
		Long: `Create a dataset repository in DIR (default: the current directory).

This makes DIR/.hds: a bare git repository that holds the versions, plus
the chunk store that holds file contents. Everything else in DIR is the
worktree: the files 'hds commit' snapshots. An existing repository is
never overwritten.`,
		Example: `  hds init corpus && cd corpus
  hds init            # in the current directory`,
		Args: argsRange(0, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir, err := globalOptions.workDir()
			if err != nil {
				return err
			}
			if len(args) == 1 {
				dir = filepath.Join(dir, args[0])
				if filepath.IsAbs(args[0]) {
					dir = args[0]
				}
			}
			r, err := repo.Init(cmd.Context(), dir, repo.DefaultConfig())
			if err != nil {
				return err
			}
			defer r.Close()
			c := r.Config
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "Initialized empty hds repository in %s (hash %s, zstd %s, chunks %s/%s/%s)\n",
				r.Dir, c.Hash, c.Compression, humanBytes(int64(c.ChunkMin)), humanBytes(int64(c.ChunkAvg)), humanBytes(int64(c.ChunkMax)))
			return err
		},
	}
}
