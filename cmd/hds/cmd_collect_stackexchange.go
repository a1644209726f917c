//go:build !hds_core

package main

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/human2/hds/collectors/stackexchange"
)

func init() { collectSources = append(collectSources, newCollectStackExchangeCommand) }

func newCollectStackExchangeCommand(opts *CollectOptions) *cobra.Command {
	var c stackexchange.Collector
	cmd := &cobra.Command{
		Use:   "stackexchange --site SITE [--tagged TAGS] | --dump Posts.xml",
		Short: "Stack Exchange questions with their accepted and top answers",
		Long: `Store each question with its accepted answer and its best-scored others as
a record of kind "qa" in data/raw/stackexchange/ (Markdown text, author,
link, CC BY-SA version by creation date).

From the API 2.3: questions of --site (optionally --tagged, all tags
required, separated by ';') in order of last activity from the stored
cursor, 100 per page, so a re-run brings back questions edited or newly
answered since the last one; the API's backoff requests are obeyed and the run stops, keeping its
cursor, when the daily quota is spent. Set STACKEXCHANGE_KEY for the
10,000-request quota; the key is never stored or printed.

With --dump, a site's Posts.xml from the data dump is streamed instead
(two passes, memory bounded by the questions, not the answers).`,
		Example: `  hds collect stackexchange --site stackoverflow --tagged 'python;pandas' --min-score 5 --max 1000
  hds collect stackexchange --dump ~/dumps/unix.stackexchange.com/Posts.xml`,
		Args: argsRange(0, 0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if c.Site == "" && c.Dump == "" {
				return usageError{msg: "stackexchange needs --site SITE or --dump Posts.xml"}
			}
			c.Key = os.Getenv("STACKEXCHANGE_KEY")
			return runCollect(cmd, &c, opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&c.Site, "site", "", "API `site` name (stackoverflow, unix, ...); with --dump, the site the dump is of")
	f.StringVar(&c.Tagged, "tagged", "", "only questions with all these `tags` (';'-separated)")
	f.IntVar(&c.MinScore, "min-score", 0, "skip questions scored below `N`")
	f.IntVar(&c.TopAnswers, "top-answers", 3, "keep the accepted answer and up to `N` others by score")
	f.StringVar(&c.API, "api-url", stackexchange.DefaultAPI, "API root `URL`")
	f.StringVar(&c.Dump, "dump", "", "import this Posts.xml `file` instead of calling the API")
	return cmd
}
