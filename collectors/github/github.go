// Package github collects repositories found by a GitHub search — their
// metadata and source files — and optionally their issues, through the
// REST API with google/go-github.
//
// Search returns at most 1,000 results per query, so the query is split
// into created: date windows, each halved until it holds at most 1,000;
// results are de-duplicated by repository id. Each repository's metadata
// is fetched with its stored ETag: a 304 means the repository is unchanged
// and costs nothing (304s do not count against the rate limit). Otherwise,
// when pushed_at moved, the tarball of the default branch is streamed and
// its source files kept as records of kind file (see package srcfiles).
// With Issues, issues and their comments become records of kind issue,
// fetched from the last update seen (pull requests are skipped).
//
// Rate limits: the HTTP layer (package fetch) waits on 403/429 with
// Retry-After or X-RateLimit-Remaining: 0; go-github's own short-circuit
// (*RateLimitError, *AbuseRateLimitError) is waited out here, saying so.
// GITHUB_TOKEN is sent as a bearer token and never stored or printed.
package github

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	gh "github.com/google/go-github/v60/github"

	"github.com/human2/hds/collectors"
	"github.com/human2/hds/collectors/srcfiles"
	"github.com/human2/hds/internal/wait"
)

// Version is recorded in every record's provenance.
const Version = "1"

// Collector collects the repositories a search finds.
type Collector struct {
	Query    string // GitHub search syntax, e.g. "language:python stars:>1000"
	MaxRepos int    // 0: no limit
	Issues   bool
	Filter   srcfiles.Filter
	APIURL   string // GitHub Enterprise (or test) API root; "" is api.github.com
	Token    string
	// Since is where the created: windows start; zero is 2008-01-01.
	Since time.Time
	// Sleep waits out rate limits; nil sleeps for real.
	Sleep   func(ctx context.Context, d time.Duration) error
	MaxWait time.Duration // longest rate-limit wait; 0: 1 hour
}

var _ collectors.Collector = (*Collector)(nil)

// Name implements collectors.Collector.
func (c *Collector) Name() string { return "github" }

// Version implements collectors.Collector.
func (c *Collector) Version() string { return Version }

// run is one collection.
type run struct {
	c   *Collector
	env *collectors.Env
	api *gh.Client
}

// Collect implements collectors.Collector.
func (c *Collector) Collect(ctx context.Context, env *collectors.Env) error {
	if strings.TrimSpace(c.Query) == "" {
		return errors.New("github: --query is required, e.g. 'language:python stars:>1000'")
	}
	api := gh.NewClient(env.HTTP)
	if c.Token != "" {
		api = api.WithAuthToken(c.Token)
	}
	if c.APIURL != "" {
		var err error
		if api, err = api.WithEnterpriseURLs(c.APIURL, c.APIURL); err != nil {
			return fmt.Errorf("github: --api-url: %w", err)
		}
	}
	r := &run{c: c, env: env, api: api}
	repos, err := r.search(ctx)
	if err != nil {
		return err
	}
	env.Progress().SetTotal(0, 0)
	env.Logf("%d repositories match %q", len(repos), c.Query)
	for _, repo := range repos {
		if err := ctx.Err(); err != nil {
			return err
		}
		if env.Full() {
			return nil
		}
		if err := r.repository(ctx, repo); err != nil {
			var le *limitError
			if errors.As(err, &le) || errors.Is(err, context.Canceled) {
				return err
			}
			env.Error(fmt.Errorf("github: %s: %w", repo.GetFullName(), err))
		}
	}
	return nil
}

// limitError is a rate limit longer than MaxWait.
type limitError struct{ until time.Time }

func (e *limitError) Error() string {
	return fmt.Sprintf("github: rate limit exhausted until %s; run again then (set GITHUB_TOKEN for 5,000 requests an hour)", e.until.UTC().Format(time.RFC3339))
}

// call runs an API call, waiting out go-github's rate-limit errors.
func (r *run) call(ctx context.Context, what string, fn func() (*gh.Response, error)) (*gh.Response, error) {
	maxWait := r.c.MaxWait
	if maxWait <= 0 {
		maxWait = time.Hour
	}
	for attempt := 0; ; attempt++ {
		resp, err := fn()
		var wait time.Duration
		var rl *gh.RateLimitError
		var ab *gh.AbuseRateLimitError
		switch {
		case errors.As(err, &rl):
			wait = time.Until(rl.Rate.Reset.Time) + time.Second
		case errors.As(err, &ab):
			wait = time.Minute
			if ab.RetryAfter != nil {
				wait = *ab.RetryAfter
			}
		case resp != nil && resp.StatusCode == http.StatusTooManyRequests:
			wait = time.Minute << min(attempt, 4) // go-github v60 does not type 429s
		default:
			return resp, err
		}
		if attempt >= 5 || wait > maxWait {
			return resp, &limitError{until: time.Now().Add(wait)}
		}
		r.env.Logf("rate limited on %s: waiting %s", what, wait.Round(time.Second))
		if err := r.sleep(ctx, max(wait, 0)); err != nil {
			return resp, err
		}
	}
}

// callFor is call for an API method that returns a value besides the
// response: the value of the last attempt is returned.
func callFor[T any](ctx context.Context, r *run, what string, fn func() (T, *gh.Response, error)) (T, *gh.Response, error) {
	var v T
	resp, err := r.call(ctx, what, func() (*gh.Response, error) {
		var resp *gh.Response
		var err error
		v, resp, err = fn()
		return resp, err
	})
	return v, resp, err
}

func (r *run) sleep(ctx context.Context, d time.Duration) error {
	if r.c.Sleep != nil {
		return r.c.Sleep(ctx, d)
	}
	return wait.Sleep(ctx, d)
}

// search finds the repositories, most starred first. The search API
// returns at most 1,000 results per query, so to collect more the query is
// split into created: windows of at most 1,000 results each; with
// --max-repos within 1,000 the unsplit query's first pages are the most
// starred ones and no split is needed.
func (r *run) search(ctx context.Context) ([]*gh.Repository, error) {
	from := r.c.Since
	if from.IsZero() {
		from = time.Date(2008, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	seen := map[int64]*gh.Repository{}
	if err := r.window(ctx, from, r.env.Now().UTC(), seen); err != nil {
		return nil, err
	}
	out := make([]*gh.Repository, 0, len(seen))
	for _, repo := range seen {
		out = append(out, repo)
	}
	sort.Slice(out, func(i, j int) bool {
		if si, sj := out[i].GetStargazersCount(), out[j].GetStargazersCount(); si != sj {
			return si > sj
		}
		return out[i].GetFullName() < out[j].GetFullName()
	})
	if r.c.MaxRepos > 0 && len(out) > r.c.MaxRepos {
		out = out[:r.c.MaxRepos]
	}
	return out, nil
}

const searchCap = 1000

func (r *run) window(ctx context.Context, from, to time.Time, seen map[int64]*gh.Repository) error {
	q := fmt.Sprintf("%s created:%s..%s", r.c.Query, from.Format("2006-01-02T15:04:05Z"), to.Format("2006-01-02T15:04:05Z"))
	opts := &gh.SearchOptions{Sort: "stars", Order: "desc", ListOptions: gh.ListOptions{PerPage: 100}}
	for page := 1; ; {
		opts.Page = page
		res, resp, err := callFor(ctx, r, "search", func() (*gh.RepositoriesSearchResult, *gh.Response, error) {
			return r.api.Search.Repositories(ctx, q, opts)
		})
		if err != nil {
			return fmt.Errorf("github: search %q: %w", q, err)
		}
		// Past the cap, split the window, unless only the top MaxRepos
		// (within the cap) are wanted: GitHub ranks the whole result set
		// by stars, so its first pages are exactly those.
		topOnly := r.c.MaxRepos > 0 && r.c.MaxRepos <= searchCap
		if page == 1 && res.GetTotal() > searchCap && to.Sub(from) > 2*time.Second && !topOnly {
			mid := from.Add(to.Sub(from) / 2).Truncate(time.Second)
			if err := r.window(ctx, from, mid, seen); err != nil {
				return err
			}
			return r.window(ctx, mid.Add(time.Second), to, seen)
		}
		if res.GetIncompleteResults() {
			r.env.Logf("search %q: GitHub says the results are incomplete (it timed out); some repositories may be missing", q)
		}
		for _, repo := range res.Repositories {
			seen[repo.GetID()] = repo
		}
		if r.c.MaxRepos > 0 && len(seen) >= r.c.MaxRepos {
			return nil
		}
		if resp.NextPage == 0 {
			return nil
		}
		page = resp.NextPage
	}
}
