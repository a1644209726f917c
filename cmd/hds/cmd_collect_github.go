//go:build !hds_core

package main

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/human2/hds/collectors/github"
)

func init() { collectSources = append(collectSources, newCollectGitHubCommand) }

func newCollectGitHubCommand(opts *CollectOptions) *cobra.Command {
	var c github.Collector
	cmd := &cobra.Command{
		Use:   "github --query QUERY [--max-repos N] [--issues]",
		Short: "Repositories found by a GitHub search: metadata, source files, issues",
		Long: `Search repositories with GitHub's search syntax and store, in
data/raw/github/, one metadata record per repository (stars, license,
topics, default branch, pushed_at) and its source files from the default
branch's tarball (language by go-enry; vendored, generated, minified,
binary and oversized files skipped and counted). With --issues, issues
and their comments become records too (pull requests are skipped).

With --max-repos N (N up to 1,000) the N most starred repositories of the
whole query are taken; without it (or beyond 1,000) the search's
1,000-result cap is passed by splitting the query into created: date
windows. Unchanged repositories cost nothing on a re-run
(conditional requests with the stored ETag); issues are fetched from the
last update seen. Rate limits are waited out and said on stderr. Set
GITHUB_TOKEN (5,000 requests an hour instead of 60); it is never stored.`,
		Example: `  GITHUB_TOKEN=... hds collect github --query 'language:python stars:>1000' --max-repos 50 --lang Python
  hds collect github --query 'org:psf' --issues --api-url https://github.example.com/api/v3/`,
		Args: argsRange(0, 0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if c.Query == "" {
				return usageError{msg: "github needs --query, e.g. --query 'language:go stars:>500'"}
			}
			c.Token = os.Getenv("GITHUB_TOKEN")
			return runCollect(cmd, &c, opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&c.Query, "query", "", "repository search `query` (GitHub search syntax)")
	f.IntVar(&c.MaxRepos, "max-repos", 0, "collect at most `N` repositories, most starred first (0: all)")
	f.BoolVar(&c.Issues, "issues", false, "collect issues and their comments too")
	f.StringVar(&c.APIURL, "api-url", "", "GitHub Enterprise API root `URL` (default api.github.com)")
	f.StringSliceVar(&c.Filter.Languages, "lang", nil, "keep only source files of these `languages` (linguist names)")
	f.Int64Var(&c.Filter.MaxSize, "max-file-size", 1<<20, "skip files larger than `BYTES`")
	return cmd
}
