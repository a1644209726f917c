//go:build !hds_core

package main

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/human2/hds/collectors"
)

func init() { commands = append(commands, newCollectCommand) }

// collectSources lists the constructors of the `hds collect SOURCE`
// subcommands; each cmd_collect_<source>.go appends its own.
var collectSources []func(*CollectOptions) *cobra.Command

// CollectOptions are the flags every collector accepts.
type CollectOptions struct {
	Max  int
	JSON bool
}

// AddFlags registers the common collector flags.
func (o *CollectOptions) AddFlags(f *pflag.FlagSet) {
	f.IntVar(&o.Max, "max", 0, "stop after `N` new or changed records (0: no limit); the next run resumes")
	f.BoolVar(&o.JSON, "json", false, "print a JSON summary (fetched, skipped with reasons, errors)")
}

func newCollectCommand() *cobra.Command {
	var opts CollectOptions
	cmd := &cobra.Command{
		Use:   "collect SOURCE [ARGS]",
		Short: collectShort,
		Long: `Fetch records from a source into data/raw/SOURCE/*.jsonl of the dataset,
one JSON object per line with provenance (source, URL or path, license,
fetch time, collector and version).

Collection is incremental: each source keeps its cursor in
data/raw/SOURCE/state.json, so a re-run fetches only what is new or
changed, and checking out an old version restores its collection state.
Shard files are sorted by record id; re-collecting unchanged data leaves
them byte-identical. Ctrl-C keeps every complete record and the cursor
that covers them; nothing already collected is removed.

Follow with 'hds process' and 'hds commit'. Secrets (GITHUB_TOKEN,
STACKEXCHANGE_KEY) are read from the environment and never stored.`,
		Example: `  hds collect docs /usr/share/doc/python3/html
  hds collect github --query 'language:python stars:>1000' --max-repos 50
  hds commit -m 'collect python docs'`,
		Args: argsRange(1, -1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return usageError{msg: fmt.Sprintf("unknown source %q\nsee 'hds collect --help' for the sources", args[0])}
		},
	}
	opts.AddFlags(cmd.PersistentFlags())
	for _, newSource := range collectSources {
		cmd.AddCommand(newSource(&opts))
	}
	return cmd
}

// runCollect runs one collector in the repository around the working
// directory and prints its summary.
func runCollect(cmd *cobra.Command, c collectors.Collector, opts *CollectOptions) error {
	root, err := repoRoot()
	if err != nil {
		return err
	}
	logf := func(format string, args ...any) {
		if !globalOptions.Quiet {
			fmt.Fprintf(os.Stderr, "%s: %s\n", c.Name(), fmt.Sprintf(format, args...))
		}
	}
	sum, err := collectors.Run(cmd.Context(), c, collectors.Options{
		Root: root, Max: opts.Max, Progress: newProgress(), Logf: logf,
	})
	if sum == nil {
		return err
	}
	if opts.JSON {
		if perr := printJSON(cmd.OutOrStdout(), sum); perr != nil {
			return perr
		}
		return err
	}
	printCollectSummary(cmd, sum)
	return err
}

func printCollectSummary(cmd *cobra.Command, s *collectors.Summary) {
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "%s: %d records fetched (%d new, %d changed, %d unchanged), %s in %s\n",
		s.Source, s.Emitted, s.Added, s.Updated, s.Unchanged, humanBytes(s.Bytes), s.Duration.Round(time.Millisecond))
	if n := s.SkippedTotal(); n > 0 {
		parts := make([]string, 0, len(s.Skipped))
		for _, r := range s.SkipReasons() {
			parts = append(parts, fmt.Sprintf("%s %d", r, s.Skipped[r]))
		}
		fmt.Fprintf(out, "skipped %d: %s\n", n, strings.Join(parts, ", "))
	}
	if len(s.Errors) > 0 {
		fmt.Fprintf(out, "%d errors (see above)\n", len(s.Errors))
	}
	if s.Interrupted {
		fmt.Fprintln(out, "interrupted: complete records and the cursor are saved; run the same command again to resume")
	} else if len(s.Shards) > 0 {
		fmt.Fprintf(out, "wrote %d shard files under data/raw/%s/; next: hds process, hds commit\n", len(s.Shards), s.Source)
	}
}
