//go:build !hds_core

package main

import (
	"github.com/spf13/cobra"

	"github.com/human2/hds/collectors/codesearchnet"
)

func init() { collectSources = append(collectSources, newCollectCodeSearchNetCommand) }

func newCollectCodeSearchNetCommand(opts *CollectOptions) *cobra.Command {
	var c codesearchnet.Collector
	return &cobra.Command{
		Use:   "codesearchnet FILE|DIR...",
		Short: "The CodeSearchNet corpus from its official *.jsonl.gz files",
		Long: `Import CodeSearchNet functions (repo, path, func_name, original_string,
language, code, code_tokens, docstring, docstring_tokens, sha, partition,
url) as records of kind "function" in data/raw/codesearchnet/, sharded by
input file. Files already imported unchanged (same SHA-256) are skipped;
a malformed line is reported with file:line and skipped.`,
		Example: `  hds collect codesearchnet ~/csn/python/final/jsonl/train
  hds collect codesearchnet python_train_0.jsonl.gz --max 1000`,
		Args: argsRange(1, -1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c.Paths = args
			return runCollect(cmd, &c, opts)
		},
	}
}
