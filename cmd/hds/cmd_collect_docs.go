//go:build !hds_core

package main

import (
	"github.com/spf13/cobra"

	"github.com/human2/hds/collectors/docs"
)

func init() { collectSources = append(collectSources, newCollectDocsCommand) }

func newCollectDocsCommand(opts *CollectOptions) *cobra.Command {
	var c docs.Collector
	cmd := &cobra.Command{
		Use:   "docs PATH|URL",
		Short: "Documentation: a local HTML/Markdown/reST tree or a site crawl",
		Long: `Cut documentation into section records (kind "doc") in data/raw/docs/:
Markdown text, the heading, the headings above it, page and anchor.

PATH is a tree of HTML (Sphinx output such as Debian's python3-doc),
Markdown or reStructuredText files; pages whose size and modification
time did not change since the last run are not read again. URL is the
root of a same-host crawl that obeys robots.txt, stays under the root's
path, sends at most --rate requests per second and re-fetches pages
conditionally (ETag).

HTML is reduced to the page body (navigation, sidebars, footers and
permalinks dropped) and converted to Markdown; code blocks keep their
language.`,
		Example: `  hds collect docs /usr/share/doc/python3/html --license PSF-2.0
  hds collect docs https://docs.example.org/en/stable/ --rate 2 --max-pages 500`,
		Args: argsRange(1, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c.Root = args[0]
			return runCollect(cmd, &c, opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&c.Site, "site", "", "site `name` used in record ids (default: the directory name or host/path)")
	f.StringVar(&c.License, "license", "", "SPDX `id` of the documentation's license, recorded in provenance")
	f.StringVar(&c.Language, "language", "en", "natural `language` of the text")
	f.IntVar(&c.MaxPages, "max-pages", 10000, "crawl at most `N` pages")
	f.Float64Var(&c.Rate, "rate", 1, "crawl at most `R` requests per second")
	return cmd
}
