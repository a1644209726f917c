// Package docs collects documentation: a local tree of HTML (Sphinx output
// such as Debian's python3-doc), Markdown or reStructuredText, or a
// same-host crawl from a URL root.
//
// Each page is cut into sections at its headings; a section becomes a
// record of kind doc whose Text is Markdown, Title its heading, and
// Meta["heading_path"] the headings above it. HTML is reduced to the main
// body first (navigation, sidebars, footers and permalink anchors dropped)
// and converted with html-to-markdown; Sphinx code blocks keep their
// language. Ids are "docs:<site>:<page path>#<section slug>", stable across
// runs. A page whose size and modification time (local) or ETag (crawl) are
// unchanged since the last run is not read again.
package docs

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/human2/hds/collectors"
	"github.com/human2/hds/record"
)

// Version is recorded in every record's provenance.
const Version = "1"

// DefaultMaxPageSize bounds the size of a page read.
const DefaultMaxPageSize = 16 << 20

// Collector collects one documentation tree or site.
type Collector struct {
	Root     string // directory, or http(s) URL of the site root
	Site     string // name in ids and shards; "" derives it from Root
	License  string // SPDX id stated by the documentation, if any
	Language string // natural language of the text; default "en"
	// Crawl settings (URL roots only).
	MaxPages int     // 0: 10,000
	Rate     float64 // requests per second; 0: 1
}

var _ collectors.Collector = (*Collector)(nil)

// Name implements collectors.Collector.
func (c *Collector) Name() string { return "docs" }

// Version implements collectors.Collector.
func (c *Collector) Version() string { return Version }

// Collect implements collectors.Collector.
func (c *Collector) Collect(ctx context.Context, env *collectors.Env) error {
	if isURL(c.Root) {
		return c.crawl(ctx, env)
	}
	return c.walk(ctx, env)
}

func isURL(s string) bool { return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") }

func (c *Collector) site() string {
	if c.Site != "" {
		return c.Site
	}
	if isURL(c.Root) {
		s := strings.TrimPrefix(strings.TrimPrefix(c.Root, "https://"), "http://")
		return strings.TrimSuffix(s, "/")
	}
	abs, err := filepath.Abs(c.Root)
	if err != nil {
		abs = c.Root
	}
	base := filepath.Base(abs)
	switch base {
	case "html", "_build", "build", "docs", "doc", "site", "public", "out":
		// python3/html -> python3-html
		return filepath.Base(filepath.Dir(abs)) + "-" + base
	}
	return base
}

// fileStamp is what the cursor keeps per local page.
type fileStamp struct {
	Size  int64 `json:"size"`
	MTime int64 `json:"mtime_ns"`
}

// kind returns the page format of a file name, or "".
func kind(name string) string {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".html", ".htm":
		return "html"
	case ".md", ".markdown":
		return "markdown"
	case ".rst", ".txt":
		return "rst"
	}
	return ""
}

// page is one file to convert.
type page struct {
	rel   string // slash path under the root
	abs   string
	stamp fileStamp
}

func (c *Collector) walk(ctx context.Context, env *collectors.Env) error {
	pages, err := c.list(env)
	if err != nil {
		return err
	}
	stateKey := "files:" + c.site()
	seen := map[string]fileStamp{}
	if _, err := env.State(stateKey, &seen); err != nil {
		return err
	}
	var todo []page
	for _, p := range pages {
		if seen[p.rel] == p.stamp {
			env.Skip("unchanged")
			continue
		}
		todo = append(todo, p)
	}
	env.Progress().SetTotal(int64(len(todo)), 0)
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(runtime.GOMAXPROCS(0))
	for _, p := range todo {
		if env.Full() || gctx.Err() != nil {
			break
		}
		g.Go(func() error {
			if err := c.collectFile(env, p); err != nil {
				return err
			}
			mu.Lock()
			defer mu.Unlock()
			seen[p.rel] = p.stamp
			return env.SetState(stateKey, seen)
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	return ctx.Err()
}

// list finds the pages under the root, sorted by path.
func (c *Collector) list(env *collectors.Env) ([]page, error) {
	root, err := filepath.EvalSymlinks(c.Root) // Debian's /usr/share/doc/python3/html is a link
	if err != nil {
		return nil, fmt.Errorf("docs: %w", err)
	}
	if st, err := os.Stat(root); err != nil {
		return nil, fmt.Errorf("docs: %w", err)
	} else if !st.IsDir() {
		return nil, fmt.Errorf("docs: %s is not a directory (give the root of an HTML, Markdown or reST tree, or a URL)", root)
	}
	var pages []page
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			env.Error(fmt.Errorf("docs: %w", err))
			return nil
		}
		name := d.Name()
		if d.IsDir() {
			if path != root && (strings.HasPrefix(name, ".") || name == "_static" || name == "_sources" || name == "_images") {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || kind(name) == "" {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			env.Error(fmt.Errorf("docs: %w", err))
			return nil
		}
		if info.Size() > DefaultMaxPageSize {
			env.Skip("too large")
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		pages = append(pages, page{rel: filepath.ToSlash(rel), abs: path, stamp: fileStamp{info.Size(), info.ModTime().UnixNano()}})
		return nil
	})
	sort.Slice(pages, func(i, j int) bool { return pages[i].rel < pages[j].rel })
	return pages, err
}

func (c *Collector) collectFile(env *collectors.Env, p page) error {
	b, err := os.ReadFile(p.abs)
	if err != nil {
		env.Error(fmt.Errorf("docs: %w", err))
		return nil
	}
	secs, err := sections(kind(p.rel), b)
	if err != nil {
		env.Error(fmt.Errorf("docs: %s: %w", p.abs, err))
		return nil
	}
	if len(secs) == 0 {
		env.Skip("no text")
		return nil
	}
	abs, _ := filepath.Abs(p.abs)
	return c.emit(env, p.rel, "file://"+filepath.ToSlash(abs), secs)
}

// emit stores the sections of one page.
func (c *Collector) emit(env *collectors.Env, rel, url string, secs []section) error {
	site := c.site()
	lang := c.Language
	if lang == "" {
		lang = "en"
	}
	top, _, found := strings.Cut(rel, "/")
	if !found {
		top = "root"
	}
	shard := collectors.ShardName(site) + "-" + collectors.ShardName(top) + "-" + collectors.ShardOf(rel, 4)
	for i, s := range secs {
		rec := &record.Raw{
			ID: "docs:" + site + ":" + rel + "#" + s.Anchor, Kind: record.KindDoc, Language: lang,
			Path: rel, Title: s.Title, Text: s.Text,
			Meta:       map[string]any{"site": site, "page_title": s.PageTitle, "heading_path": s.Path, "anchor": s.Anchor, "order": i},
			Provenance: record.Provenance{URL: url + "#" + s.Anchor, License: c.License},
		}
		if err := env.Emit(shard, rec); err != nil {
			return err
		}
	}
	return nil
}
