package github

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/human2/hds/collectors"
	"github.com/human2/hds/collectors/fetch"
	"github.com/human2/hds/record"
)

// fakeRepo is one repository of the fake GitHub.
type fakeRepo struct {
	license string // SPDX id the API gives; "" for none
	licFile string // LICENSE served by /license when license is ""
	id      int
	name    string
	created time.Time
	stars   int
	pushed  time.Time
	files   map[string]string
}

// fakeGitHub answers like the REST API under /api/v3/. Every repository
// "stands for" 600 search results, so a window with two or more exceeds
// the 1,000 cap and must be split.
type fakeGitHub struct {
	t     *testing.T
	mu    sync.Mutex
	repos []*fakeRepo
	srv   *httptest.Server
	// what happened
	searches  []string
	downloads int
	notMod    int
	limitOnce bool // the first search response says the limit is spent
	fail502   map[string]bool
	fail429   map[string]bool
	auth      []string
}

var windowRE = regexp.MustCompile(`created:(\S+)\.\.(\S+)`)

func (f *fakeGitHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.auth = append(f.auth, r.Header.Get("Authorization"))
	p := strings.TrimPrefix(r.URL.Path, "/api/v3")
	w.Header().Set("X-RateLimit-Limit", "5000")
	w.Header().Set("X-RateLimit-Remaining", "4999")
	w.Header().Set("X-RateLimit-Reset", fmt.Sprint(time.Now().Add(time.Hour).Unix()))
	if f.fail502[p] {
		delete(f.fail502, p)
		w.WriteHeader(http.StatusBadGateway)
		return
	}
	if f.fail429[p] {
		delete(f.fail429, p)
		w.Header().Set("Retry-After", "3")
		w.WriteHeader(http.StatusTooManyRequests)
		fmt.Fprint(w, `{"message":"You have exceeded a secondary rate limit"}`)
		return
	}
	switch {
	case p == "/search/repositories":
		f.search(w, r)
	case strings.HasPrefix(p, "/archive/"):
		f.downloads++
		name := strings.TrimSuffix(strings.TrimPrefix(p, "/archive/"), ".tar.gz")
		w.Write(f.tarball(f.find(name)))
	case strings.Contains(p, "/tarball/"):
		name := strings.Split(strings.TrimPrefix(p, "/repos/"), "/tarball/")[0]
		http.Redirect(w, r, f.srv.URL+"/archive/"+name+".tar.gz", http.StatusFound)
	case strings.HasSuffix(p, "/comments"):
		json.NewEncoder(w).Encode([]map[string]any{{"id": 1, "body": "Confirmed on 3.12.", "user": map[string]any{"login": "maintainer"}}})
	case strings.HasSuffix(p, "/issues"):
		json.NewEncoder(w).Encode([]map[string]any{
			{"number": 7, "title": "Crash on empty input", "body": "Steps: run it.", "state": "open", "comments": 1,
				"user": map[string]any{"login": "reporter"}, "html_url": "https://github.com/x/7", "labels": []map[string]any{{"name": "bug"}},
				"created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-02T00:00:00Z"},
			{"number": 8, "title": "Fix it", "pull_request": map[string]any{"url": "x"}, "updated_at": "2024-01-03T00:00:00Z"},
		})
	case strings.HasSuffix(p, "/license"):
		repo := f.find(strings.TrimSuffix(strings.TrimPrefix(p, "/repos/"), "/license"))
		if repo.licFile == "" {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"message":"Not Found"}`)
			return
		}
		// GitHub sends the file base64-encoded in lines of 60.
		enc := base64.StdEncoding.EncodeToString([]byte(repo.licFile))
		var content strings.Builder
		for len(enc) > 60 {
			content.WriteString(enc[:60] + "\n")
			enc = enc[60:]
		}
		content.WriteString(enc + "\n")
		json.NewEncoder(w).Encode(map[string]any{"name": "LICENSE", "path": "LICENSE", "encoding": "base64",
			"content": content.String(), "license": map[string]any{"spdx_id": "NOASSERTION"}})
	case strings.HasPrefix(p, "/repos/"):
		repo := f.find(strings.TrimPrefix(p, "/repos/"))
		etag := fmt.Sprintf(`"%s-%d"`, repo.name, repo.pushed.Unix())
		if r.Header.Get("If-None-Match") == etag {
			f.notMod++
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		json.NewEncoder(w).Encode(f.repoJSON(repo))
	default:
		f.t.Errorf("unexpected request %s", r.URL)
		w.WriteHeader(404)
	}
}

func (f *fakeGitHub) find(name string) *fakeRepo {
	for _, r := range f.repos {
		if r.name == name {
			return r
		}
	}
	f.t.Fatalf("no repo %s", name)
	return nil
}

func (f *fakeGitHub) repoJSON(r *fakeRepo) map[string]any {
	return map[string]any{"id": r.id, "full_name": r.name, "name": strings.Split(r.name, "/")[1],
		"owner": map[string]any{"login": strings.Split(r.name, "/")[0]}, "stargazers_count": r.stars,
		"default_branch": "main", "pushed_at": r.pushed.Format(time.RFC3339), "html_url": "https://github.com/" + r.name,
		"topics": []string{"parsing"}, "license": map[string]any{"spdx_id": r.license}, "description": "A parser."}
}

func (f *fakeGitHub) search(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query().Get("q")
	f.searches = append(f.searches, q)
	m := windowRE.FindStringSubmatch(q)
	from, _ := time.Parse(time.RFC3339, m[1])
	to, _ := time.Parse(time.RFC3339, m[2])
	var in []*fakeRepo
	for _, repo := range f.repos {
		if !repo.created.Before(from) && !repo.created.After(to) {
			in = append(in, repo)
		}
	}
	if r.URL.Query().Get("sort") == "stars" { // GitHub ranks the whole result set
		sort.SliceStable(in, func(i, j int) bool { return in[i].stars > in[j].stars })
	}
	page := 1
	fmt.Sscan(r.URL.Query().Get("page"), &page)
	// One item per page, to exercise Link pagination.
	var items []map[string]any
	if page <= len(in) {
		items = append(items, f.repoJSON(in[page-1]))
	}
	if page < len(in) {
		next := *r.URL
		qs := next.Query()
		qs.Set("page", fmt.Sprint(page+1))
		next.RawQuery = qs.Encode()
		w.Header().Set("Link", fmt.Sprintf(`<%s%s>; rel="next"`, f.srv.URL, next.RequestURI()))
	}
	if f.limitOnce {
		f.limitOnce = false
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Reset", fmt.Sprint(time.Now().Add(1500*time.Millisecond).Unix()))
	}
	json.NewEncoder(w).Encode(map[string]any{"total_count": 600 * len(in), "incomplete_results": false, "items": items})
}

func (f *fakeGitHub) tarball(r *fakeRepo) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, name := range sortedKeys(r.files) {
		body := r.files[name]
		tw.WriteHeader(&tar.Header{Name: "repo-abc123/" + name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg})
		tw.Write([]byte(body))
	}
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

func sortedKeys(m map[string]string) []string {
	var s []string
	for k := range m {
		s = append(s, k)
	}
	sortStrings(s)
	return s
}

func newFake(t *testing.T) *fakeGitHub {
	day := func(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }
	files := map[string]string{
		"src/parser.py":      "def parse(s):\n    return s.split()\n",
		"vendor/lib.py":      "x = 1\n",
		"static/app.min.js":  "var a=1;\n",
		"assets/logo.png":    "\x89PNG\r\n\x1a\n\x00\x00",
		"docs/guide.md":      "# Guide\n",
		"cmd/main.go":        "package main\n\nfunc main() {}\n",
		"build/gen_pb2.py":   "# Generated by the protocol buffer compiler.  DO NOT EDIT!\nx = 1\n",
		"data/huge_table.py": strings.Repeat("x = 1\n", 400000),
	}
	f := &fakeGitHub{t: t, fail502: map[string]bool{}, fail429: map[string]bool{}}
	for i, c := range []time.Time{day(2012, 5, 1), day(2015, 3, 2), day(2019, 7, 7), day(2023, 1, 9)} {
		f.repos = append(f.repos, &fakeRepo{id: 1000 + i, name: fmt.Sprintf("org/repo%d", i), created: c, stars: 100 * (i + 1), pushed: day(2024, 1, i+1), files: files, license: "MIT"})
	}
	// GitHub could not classify repo2's licence file; repo3 has none.
	bsd, err := os.ReadFile("../srcfiles/testdata/LICENSE-BSD-2-Clause.txt")
	if err != nil {
		t.Fatal(err)
	}
	f.repos[2].license, f.repos[2].licFile = "NOASSERTION", string(bsd)
	f.repos[3].license = ""
	f.srv = httptest.NewServer(f)
	t.Cleanup(f.srv.Close)
	return f
}

func options(t *testing.T, root string) collectors.Options {
	return collectors.Options{Root: root, Now: func() time.Time { return time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC) },
		HTTP: fetch.NewClient(fetch.Options{Sleep: func(context.Context, time.Duration) error { return nil }})}
}

func TestCollect(t *testing.T) {
	f := newFake(t)
	f.limitOnce = true
	f.fail502["/repos/org/repo1"] = true
	f.fail429["/repos/org/repo2/issues"] = true
	root := collectors.TestRoot(t)
	c := &Collector{Query: "language:python", APIURL: f.srv.URL, Token: "ghp_SECRETTOKEN", Issues: true}
	sum, err := collectors.Run(context.Background(), c, options(t, root))
	if err != nil {
		t.Fatal(err)
	}
	recs := collectors.TestRecords(t, root, "github")
	// 4 repos: metadata + 2 kept files each, and one issue each.
	if sum.Added != 16 || len(recs) != 16 {
		t.Fatalf("summary %+v", sum)
	}
	py := recs["github:org/repo0:src/parser.py"]
	if py == nil || py.Language != "Python" || py.Provenance.License != "MIT" || py.Provenance.URL != "https://github.com/org/repo0/blob/main/src/parser.py" {
		t.Fatalf("file record %+v", py)
	}
	for repo, want := range map[string]string{"repo1": "MIT", "repo2": "BSD-2-Clause", "repo3": ""} {
		if got := recs["github:org/"+repo+":cmd/main.go"].Provenance.License; got != want {
			t.Errorf("%s: licence %q, want %q", repo, got, want)
		}
		if got := recs["github:org/"+repo].Meta["license"]; got != want {
			t.Errorf("%s: metadata licence %q, want %q", repo, got, want)
		}
	}
	meta := recs["github:org/repo3"]
	if meta == nil || meta.Kind != record.KindRepo || meta.Meta["stars"].(float64) != 400 || meta.Meta["default_branch"] != "main" {
		t.Fatalf("repo record %+v", meta)
	}
	is := recs["github:org/repo2#7"]
	if is == nil || !strings.Contains(is.Text, "## Comment by maintainer\n\nConfirmed on 3.12.") || is.Provenance.Author != "reporter" {
		t.Fatalf("issue %+v", is)
	}
	for _, why := range []string{"vendored", "minified", "binary", "documentation", "generated", "too large", "pull request"} {
		if sum.Skipped[why] == 0 {
			t.Errorf("nothing skipped as %q: %v", why, sum.Skipped)
		}
	}
	// The four-repo window (2,400 results) was split until each held <= 1,000.
	if len(f.searches) < 5 {
		t.Errorf("searches %v: the query was not split", f.searches)
	}
	// The token was sent, and never written.
	if f.auth[0] != "Bearer ghp_SECRETTOKEN" {
		t.Errorf("auth header %q", f.auth[0])
	}
	filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if b, _ := os.ReadFile(p); err == nil && !info.IsDir() && bytes.Contains(b, []byte("SECRETTOKEN")) {
			t.Errorf("token written to %s", p)
		}
		return nil
	})

	// Re-run: every repository answers 304, nothing is downloaded again.
	downloads := f.downloads
	sum, err = collectors.Run(context.Background(), c, options(t, root))
	if err != nil {
		t.Fatal(err)
	}
	if f.downloads != downloads || f.notMod != 4 || sum.Added != 0 || sum.Updated != 0 {
		t.Fatalf("re-run downloaded %d archives, %d not modified, summary %+v", f.downloads-downloads, f.notMod, sum)
	}
	// A push to one repository: only its archive is fetched again.
	f.repos[1].pushed = f.repos[1].pushed.Add(time.Hour)
	f.repos[1].files = map[string]string{"src/parser.py": "def parse(s):\n    return s.split(',')\n"}
	sum, err = collectors.Run(context.Background(), c, options(t, root))
	if err != nil || f.downloads != downloads+1 || sum.Updated != 2 {
		t.Fatalf("after a push: %d downloads, summary %+v, %v", f.downloads-downloads, sum, err)
	}
}

// --max-repos within the search cap takes the most starred repositories
// of the whole query, without splitting it.
func TestMaxRepos(t *testing.T) {
	f := newFake(t)
	root := collectors.TestRoot(t)
	sum, err := collectors.Run(context.Background(), &Collector{Query: "x", APIURL: f.srv.URL, MaxRepos: 1, Filter: srcfilesFilter()}, options(t, root))
	if err != nil || f.downloads != 1 || sum.Added != 3 {
		t.Fatalf("downloads %d summary %+v %v", f.downloads, sum, err)
	}
	if len(f.searches) != 1 {
		t.Fatalf("searches %v: the query was split", f.searches)
	}
	if recs := collectors.TestRecords(t, root, "github"); recs["github:org/repo3"] == nil {
		t.Fatalf("kept %v, want org/repo3, the most starred", keys(recs))
	}
}

func keys[V any](m map[string]V) []string {
	var s []string
	for k := range m {
		s = append(s, k)
	}
	return s
}
