package docs

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/human2/hds/collectors"
	"github.com/human2/hds/collectors/fetch"
	"github.com/human2/hds/record"
)

// sphinxPage is shaped like a page of the Python docs (Sphinx 5/6 basic theme).
const sphinxPage = `<!DOCTYPE html>
<html><head><title>json — JSON encoder and decoder</title></head>
<body>
<div class="related" role="navigation"><ul><li><a href="../index.html">Python</a></li></ul></div>
<div class="document"><div class="documentwrapper"><div class="bodywrapper">
<div class="body" role="main">
<section id="module-json">
<h1><a class="reference internal" href="#module-json" title="json"><code class="xref py py-mod docutils literal notranslate"><span class="pre">json</span></code></a> — JSON encoder and decoder<a class="headerlink" href="#module-json" title="Permalink to this headline">¶</a></h1>
<p><strong>Source code:</strong> Lib/json/__init__.py</p>
<section id="basic-usage">
<h2>Basic Usage<a class="headerlink" href="#basic-usage">¶</a></h2>
<p>Serialize <em>obj</em> as a JSON formatted stream.</p>
<div class="highlight-python3 notranslate"><div class="highlight"><pre><span></span><span class="kn">import</span> <span class="nn">json</span>
<span class="n">json</span><span class="o">.</span><span class="n">dumps</span><span class="p">([</span><span class="mi">1</span><span class="p">])</span>
# not a heading
</pre></div></div>
</section>
<section id="basic-usage-2"><h2>Basic Usage<a class="headerlink" href="#x">¶</a></h2><p>Again.</p></section>
</section>
</div></div></div>
<div class="sphinxsidebar" role="navigation"><h3>Table of Contents</h3><ul><li>sidebar link</li></ul></div>
</div>
<div class="footer">© Copyright 2001-2023, Python Software Foundation.</div>
</body></html>`

func TestSphinxPageSections(t *testing.T) {
	secs, err := sections("html", []byte(sphinxPage))
	if err != nil {
		t.Fatal(err)
	}
	if len(secs) != 3 {
		t.Fatalf("%d sections: %+v", len(secs), secs)
	}
	top, usage := secs[0], secs[1]
	if top.Title != "json — JSON encoder and decoder" || top.Anchor != "json-json-encoder-and-decoder" {
		t.Errorf("top section %q #%s", top.Title, top.Anchor)
	}
	if usage.Title != "Basic Usage" || strings.Join(usage.Path, " > ") != "json — JSON encoder and decoder > Basic Usage" {
		t.Errorf("usage section %q path %v", usage.Title, usage.Path)
	}
	if !strings.Contains(usage.Text, "```python3\nimport json\njson.dumps([1])\n# not a heading\n```") {
		t.Errorf("code block lost its language or lines:\n%s", usage.Text)
	}
	if secs[2].Anchor != "basic-usage-2" {
		t.Errorf("repeated heading anchor %q", secs[2].Anchor)
	}
	all := top.Text + usage.Text + secs[2].Text
	for _, gone := range []string{"sidebar link", "Copyright", "¶", "Permalink", "Python</a>"} {
		if strings.Contains(all, gone) {
			t.Errorf("%q survived the cleanup:\n%s", gone, all)
		}
	}
}

func TestMarkdownAndRstSections(t *testing.T) {
	md := "intro text\n\n# Title\n\nbody\n\n```sh\n# comment, not a heading\n```\n\n## Sub\n\nmore\n"
	secs, _ := sections("markdown", []byte(md))
	if len(secs) != 3 || secs[0].Anchor != "top" || secs[0].Title != "Title" || secs[2].Title != "Sub" {
		t.Fatalf("markdown sections %+v", secs)
	}
	if !strings.Contains(secs[1].Text, "# comment, not a heading") {
		t.Fatalf("fenced comment split the section: %+v", secs)
	}
	rst := "=====\nTitle\n=====\n\nIntro.\n\nSection A\n---------\n\nText A.\n\nSection B\n---------\n\nText B.\n"
	secs, _ = sections("rst", []byte(rst))
	if len(secs) != 3 || secs[1].Title != "Section A" || strings.Join(secs[2].Path, "/") != "Title/Section B" {
		t.Fatalf("rst sections %+v", secs)
	}
}

func TestBrokenHTMLDoesNotCrash(t *testing.T) {
	for _, page := range []string{"", "<html><body><div", "<<<>>>", "\x00\xff\xfe", "<div role=main><h1>x</h1><p>unclosed"} {
		if _, err := sections("html", []byte(page)); err != nil {
			t.Errorf("sections(%q): %v", page, err)
		}
	}
}

func TestLocalTreeIsIncremental(t *testing.T) {
	tree := t.TempDir()
	os.MkdirAll(filepath.Join(tree, "library"), 0o755)
	os.MkdirAll(filepath.Join(tree, "_static"), 0o755)
	os.WriteFile(filepath.Join(tree, "library", "json.html"), []byte(sphinxPage), 0o644)
	os.WriteFile(filepath.Join(tree, "guide.md"), []byte("# Guide\n\nRead me.\n"), 0o644)
	os.WriteFile(filepath.Join(tree, "_static", "x.html"), []byte("<p>asset</p>"), 0o644)
	root := collectors.TestRoot(t)
	c := &Collector{Root: tree, Site: "py", License: "PSF-2.0"}
	sum, err := collectors.Run(context.Background(), c, collectors.Options{Root: root})
	if err != nil || sum.Added != 4 {
		t.Fatalf("first run %+v, %v", sum, err)
	}
	recs := collectors.TestRecords(t, root, "docs")
	r := recs["docs:py:library/json.html#basic-usage"]
	if r == nil || r.Kind != record.KindDoc || r.Provenance.License != "PSF-2.0" || !strings.HasSuffix(r.Provenance.URL, "library/json.html#basic-usage") {
		t.Fatalf("record %+v", r)
	}
	sum, err = collectors.Run(context.Background(), c, collectors.Options{Root: root})
	if err != nil || sum.Emitted != 0 || sum.Skipped["unchanged"] != 2 {
		t.Fatalf("unchanged re-run %+v, %v", sum, err)
	}
	later := time.Now().Add(time.Minute)
	os.WriteFile(filepath.Join(tree, "guide.md"), []byte("# Guide\n\nRead me twice.\n"), 0o644)
	os.Chtimes(filepath.Join(tree, "guide.md"), later, later)
	sum, err = collectors.Run(context.Background(), c, collectors.Options{Root: root})
	if err != nil || sum.Updated != 1 || sum.Emitted != 1 {
		t.Fatalf("after an edit %+v, %v", sum, err)
	}
}

func TestCrawl(t *testing.T) {
	var hits, fails atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("/robots.txt", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, "User-agent: *\nDisallow: /docs/private/\n")
	})
	page := func(body, etag string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			hits.Add(1)
			if r.Header.Get("If-None-Match") == etag {
				w.WriteHeader(http.StatusNotModified)
				return
			}
			w.Header().Set("ETag", etag)
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, body)
		}
	}
	mux.HandleFunc("/docs/", page(`<div role="main"><h1>Home</h1><p>Welcome.</p>
		<a href="a.html#frag">A</a> <a href="private/secret.html">S</a> <a href="/other/x.html">out of scope</a>
		<a href="https://elsewhere.example/y.html">other host</a></div>`, `"home1"`))
	mux.HandleFunc("/docs/a.html", func(w http.ResponseWriter, r *http.Request) {
		if fails.Add(1) == 1 {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		page(`<div role="main"><h1>A</h1><p>Page A.</p></div>`, `"a1"`)(w, r)
	})
	mux.HandleFunc("/docs/private/secret.html", func(w http.ResponseWriter, _ *http.Request) {
		t.Error("fetched a page robots.txt disallows")
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	client := fetch.NewClient(fetch.Options{Sleep: func(context.Context, time.Duration) error { return nil }})
	root := collectors.TestRoot(t)
	c := &Collector{Root: srv.URL + "/docs/", Site: "site", Rate: 1000}
	opts := collectors.Options{Root: root, HTTP: client}
	sum, err := collectors.Run(context.Background(), c, opts)
	if err != nil {
		t.Fatal(err)
	}
	recs := collectors.TestRecords(t, root, "docs")
	if len(recs) != 2 || recs["docs:site:index.html#home"] == nil || recs["docs:site:a.html#a"] == nil {
		t.Fatalf("records %v, summary %+v", recs, sum)
	}
	if sum.Skipped["disallowed by robots.txt"] != 1 {
		t.Fatalf("robots skip not counted: %+v", sum.Skipped)
	}
	// Re-run: both pages answer 304 and nothing is rewritten.
	sum, err = collectors.Run(context.Background(), c, opts)
	if err != nil || sum.Emitted != 0 || sum.Skipped["not modified"] != 2 {
		t.Fatalf("re-run %+v, %v", sum, err)
	}
}
