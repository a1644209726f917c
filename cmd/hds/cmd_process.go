//go:build !hds_core

package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/human2/hds/process"
)

func init() { commands = append(commands, newProcessCommand) }

// ProcessOptions are the flags of hds process.
type ProcessOptions struct {
	JSON       bool
	InitConfig bool
}

func newProcessCommand() *cobra.Command {
	var opts ProcessOptions
	cmd := &cobra.Command{
		Use:   "process",
		Short: processShort,
		Long: `Read every data/raw/<source>/*.jsonl and write, deterministically:

  data/code_patterns/<source>/<shard>.jsonl   functions, methods and classes
      {pattern_id, language, code, description, tags,
       metadata{complexity, quality_score, usage_count, ...}, split}
  data/nlp_training/<source>/<shard>.jsonl    token-bounded text pieces
      {text_id, content, type, metadata{source, language, embedding, ...}, split}
  data/documentation/<site>/<page>.md         cleaned documentation pages
  data/reports/process.json                   config, counts per step, reasons

Steps: normalize (UTF-8, line endings, language detection; generated,
vendored, binary, minified and oversized files dropped), extract units with
tree-sitter (Python, Go, JavaScript, TypeScript), redact PII and secrets,
cut texts into cl100k token pieces, drop exact and near duplicates
(MinHash LSH), count call sites for usage_count, embed texts (reusing the
embeddings of unchanged pieces) and assign splits by a hash of the id.

The same raw data and hds.yaml give byte-identical output, so committing
after re-processing unchanged data stores nothing new. Settings live in
hds.yaml at the repository root ('hds process --init-config' writes the
defaults). A malformed raw line is reported with file:line and skipped.`,
		Example: `  hds collect docs /usr/share/doc/python3/html
  hds process
  hds validate && hds commit -m 'processed python docs'`,
		Args: argsRange(0, 0),
		RunE: func(cmd *cobra.Command, _ []string) error { return runProcess(cmd, opts) },
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the report as JSON")
	cmd.Flags().BoolVar(&opts.InitConfig, "init-config", false, "write hds.yaml with the default settings and exit")
	return cmd
}

func runProcess(cmd *cobra.Command, opts ProcessOptions) error {
	root, err := repoRoot()
	if err != nil {
		return err
	}
	cfgPath := filepath.Join(root, process.ConfigFile)
	if opts.InitConfig {
		if _, err := os.Stat(cfgPath); err == nil {
			return fmt.Errorf("%s exists; edit it, or remove it to start from the defaults", cfgPath)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		if err := os.WriteFile(cfgPath, []byte(process.DefaultConfigYAML), 0o644); err != nil {
			return err
		}
		_, err = fmt.Fprintf(cmd.OutOrStdout(), "wrote %s\n", cfgPath)
		return err
	}
	cfg, err := process.LoadConfig(cfgPath)
	if err != nil {
		return err
	}
	start := time.Now()
	rep, err := process.Run(cmd.Context(), root, process.Options{Config: cfg, Progress: newProgress()})
	if err != nil {
		return err
	}
	if opts.JSON {
		return printJSON(cmd.OutOrStdout(), rep)
	}
	printProcessReport(cmd, rep, time.Since(start))
	return nil
}

func printProcessReport(cmd *cobra.Command, r *process.Report, took time.Duration) {
	out := cmd.OutOrStdout()
	in := r.Input
	fmt.Fprintf(out, "read %d records from %d raw files (%s) in %s, %s/s\n", in.Records, in.Files, humanBytes(in.Bytes),
		took.Round(time.Millisecond), humanBytes(int64(float64(in.Bytes)/max(took.Seconds(), 1e-3))))
	if in.BadLines > 0 || in.SkippedTot > 0 {
		fmt.Fprintf(out, "skipped %d items (%d malformed lines); see %s\n", in.SkippedTot, in.BadLines, process.ReportFile)
	}
	d := r.Dedup
	fmt.Fprintf(out, "code: %d units from %d files; duplicates dropped: %d exact, %d near\n", r.Extract.Units, r.Extract.Files, d.CodeExact, d.CodeNear)
	fmt.Fprintf(out, "text: %d tokens; duplicates dropped: %d exact, %d near; embeddings %d computed, %d reused (%s)\n",
		r.Tokens, d.TextExact, d.TextNear, r.Embed.Computed, r.Embed.Reused, r.Embed.Model)
	red := 0
	for _, v := range r.Redacted {
		red += v
	}
	o := r.Output
	fmt.Fprintf(out, "redacted %d values; wrote %d code patterns, %d NLP records, %d documentation pages, %d examples (%d files changed, %d unchanged, %d removed)\n",
		red, o.Patterns, o.Texts, o.Documentation, o.Examples, o.Files, o.Unchanged, o.Removed)
	fmt.Fprintf(out, "splits: train %d, validation %d, test %d\n", o.Splits["train"], o.Splits["validation"], o.Splits["test"])
}
