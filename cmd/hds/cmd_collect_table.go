//go:build !hds_core

package main

import (
	"github.com/spf13/cobra"

	"github.com/human2/hds/collectors/codecontests"
	"github.com/human2/hds/collectors/table"
)

func init() {
	collectSources = append(collectSources,
		func(o *CollectOptions) *cobra.Command { return newCollectTableCommand(o, "jsonl") },
		func(o *CollectOptions) *cobra.Command { return newCollectTableCommand(o, "parquet") },
		newCollectCodeContestsCommand)
}

func newCollectTableCommand(opts *CollectOptions, format string) *cobra.Command {
	var c table.Collector
	var mapping string
	ext := map[string]string{"jsonl": "FILE.jsonl[.gz]", "parquet": "FILE.parquet"}[format]
	cmd := &cobra.Command{
		Use:   format + " " + ext + "... --map FIELD=COLUMN,...",
		Short: "Import an exported table (BigQuery " + format + ") as row records",
		Long: `Import the rows of exported tables (BigQuery exports as newline-delimited
JSON, optionally gzip, or Parquet) as records in data/raw/SOURCE/ (default
bigquery). --map says which columns become the record's fields: id, code,
text, language, path, title, url, license, author (nested columns as
a.b); at least code or text. Other columns are kept in the record's meta.
BigQuery's exported nested lists ({"list":[{"item":...}]}) are flattened.
A row that cannot be converted is reported with file:row and skipped; a
file unchanged since the last import is not read again.`,
		Example: `  hds collect ` + format + ` export-000.` + format + ` --map id=repo_name,code=content,path=path,language=lang --source github_bq`,
		Args:    argsRange(1, -1),
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := table.ParseMap(mapping)
			if err != nil {
				return usageError{msg: err.Error()}
			}
			c.Map, c.Paths, c.Format = m, args, format
			return runCollect(cmd, &c, opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&mapping, "map", "", "column `mapping`, e.g. id=repo_name,code=content,text=description")
	f.StringVar(&c.Source, "source", "bigquery", "source `name`: records go to data/raw/NAME/")
	f.StringVar(&c.Kind, "kind", "row", "record `kind` (row, file, doc, qa, ...)")
	return cmd
}

func newCollectCodeContestsCommand(opts *CollectOptions) *cobra.Command {
	var c codecontests.Collector
	return &cobra.Command{
		Use:   "codecontests FILE.parquet...",
		Short: "DeepMind CodeContests problems from the published Parquet files",
		Long: `Import CodeContests problems (Hugging Face mirror schema) as records of kind
"problem" in data/raw/codecontests/: the statement with its public examples
as text; public tests, correct solutions with language names, difficulty,
source and Codeforces fields as meta. Private and generated tests are
never stored, only counted (they are for evaluation, not model input).`,
		Example: `  hds collect codecontests train-00000-of-00039.parquet valid-00000-of-00001.parquet`,
		Args:    argsRange(1, -1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c.Paths = args
			return runCollect(cmd, &c, opts)
		},
	}
}
