package docs

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/temoto/robotstxt"

	"github.com/human2/hds/collectors"
	"github.com/human2/hds/collectors/fetch"
)

// userAgent names hds to robots.txt.
const userAgent = "hds"

// pageState is what the cursor keeps per crawled page: its ETag and the
// links found on it, so a 304 still leads the crawl onwards.
type pageState struct {
	ETag  string   `json:"etag,omitempty"`
	Links []string `json:"links,omitempty"`
}

// crawler walks one site breadth-first.
type crawler struct {
	c      *Collector
	env    *collectors.Env
	root   *url.URL
	robots *robotstxt.Group
	every  time.Duration
	last   time.Time
	pages  map[string]pageState
	key    string
}

func (c *Collector) crawl(ctx context.Context, env *collectors.Env) error {
	root, err := url.Parse(c.Root)
	if err != nil {
		return fmt.Errorf("docs: %w", err)
	}
	if !strings.HasSuffix(root.Path, "/") {
		root.Path = path.Dir(root.Path) + "/"
		if root.Path == "//" {
			root.Path = "/"
		}
	}
	cr := &crawler{c: c, env: env, root: root, key: "pages:" + c.site(), pages: map[string]pageState{}}
	rate := c.Rate
	if rate <= 0 {
		rate = 1
	}
	cr.every = time.Duration(float64(time.Second) / rate)
	if _, err := env.State(cr.key, &cr.pages); err != nil {
		return err
	}
	if err := cr.loadRobots(ctx); err != nil {
		return err
	}
	return cr.run(ctx, c.Root)
}

func (cr *crawler) loadRobots(ctx context.Context) error {
	u := *cr.root
	u.Path, u.RawQuery = "/robots.txt", ""
	req, _ := http.NewRequestWithContext(ctx, "GET", u.String(), nil)
	resp, err := cr.get(ctx, req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := robotstxt.FromResponse(resp)
	if err != nil {
		return fmt.Errorf("docs: %s: %w", u.String(), err)
	}
	cr.robots = data.FindGroup(userAgent)
	return nil
}

// get sends a request no sooner than the rate limit allows.
func (cr *crawler) get(ctx context.Context, req *http.Request) (*http.Response, error) {
	if wait := cr.every - cr.env.Now().Sub(cr.last); wait > 0 && !cr.last.IsZero() {
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
	cr.last = cr.env.Now()
	req.Header.Set("User-Agent", userAgent)
	return cr.env.HTTP.Do(req)
}

func (cr *crawler) run(ctx context.Context, start string) error {
	maxPages := cr.c.MaxPages
	if maxPages <= 0 {
		maxPages = 10_000
	}
	queue := []string{normalize(start)}
	queued := map[string]bool{queue[0]: true}
	for n := 0; len(queue) > 0 && n < maxPages && !cr.env.Full(); n++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		u := queue[0]
		queue = queue[1:]
		links, err := cr.visit(ctx, u)
		if err != nil {
			return err
		}
		sort.Strings(links)
		for _, l := range links {
			if !queued[l] {
				queued[l] = true
				queue = append(queue, l)
			}
		}
	}
	return nil
}

// visit fetches one page (conditionally), emits its sections and returns
// the in-scope links on it.
func (cr *crawler) visit(ctx context.Context, u string) ([]string, error) {
	pu, _ := url.Parse(u)
	if cr.robots != nil && !cr.robots.Test(pu.EscapedPath()) {
		cr.env.Skip("disallowed by robots.txt")
		return nil, nil
	}
	prev := cr.pages[u]
	req, _ := http.NewRequestWithContext(ctx, "GET", u, nil)
	if prev.ETag != "" {
		req.Header.Set("If-None-Match", prev.ETag)
	}
	resp, err := cr.get(ctx, req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		cr.env.Error(err)
		return nil, nil
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotModified {
		cr.env.Skip("not modified")
		return prev.Links, nil
	}
	if err := fetch.Check(resp); err != nil {
		cr.env.Error(err)
		return nil, nil
	}
	if ct := resp.Header.Get("Content-Type"); ct != "" && !strings.Contains(ct, "html") {
		cr.env.Skip("not HTML")
		return nil, nil
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, DefaultMaxPageSize))
	if err != nil {
		cr.env.Error(fmt.Errorf("docs: GET %s: %w", u, err))
		return nil, nil
	}
	links := cr.links(pu, body)
	secs, err := sections("html", body)
	if err != nil {
		cr.env.Error(fmt.Errorf("docs: %s: %w", u, err))
	} else if err := cr.c.emit(cr.env, cr.rel(pu), u, secs); err != nil {
		return nil, err
	}
	cr.pages[u] = pageState{ETag: resp.Header.Get("ETag"), Links: links}
	return links, cr.env.SetState(cr.key, cr.pages)
}

// rel is the page's path below the crawl root, "index.html" for the root.
func (cr *crawler) rel(u *url.URL) string {
	rel := strings.TrimPrefix(u.Path, cr.root.Path)
	if rel == "" || strings.HasSuffix(rel, "/") {
		rel += "index.html"
	}
	return rel
}

// links returns the absolute, fragment-free URLs on the page that stay on
// the root's host and under its path.
func (cr *crawler) links(base *url.URL, body []byte) []string {
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(body))
	if err != nil {
		return nil
	}
	set := map[string]bool{}
	doc.Find("a[href]").Each(func(_ int, s *goquery.Selection) {
		href, _ := s.Attr("href")
		ref, err := url.Parse(strings.TrimSpace(href))
		if err != nil {
			return
		}
		abs := base.ResolveReference(ref)
		if abs.Host != cr.root.Host || abs.Scheme != cr.root.Scheme || !strings.HasPrefix(abs.Path, cr.root.Path) {
			return
		}
		if k := kind(abs.Path); k != "html" && !strings.HasSuffix(abs.Path, "/") {
			return
		}
		set[normalize(abs.String())] = true
	})
	out := make([]string, 0, len(set))
	for l := range set {
		out = append(out, l)
	}
	sort.Strings(out)
	return out
}

// normalize drops the fragment and query of a URL.
func normalize(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return u
	}
	p.Fragment, p.RawQuery, p.RawFragment = "", "", ""
	return p.String()
}
