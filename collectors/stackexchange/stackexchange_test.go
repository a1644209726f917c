package stackexchange

import (
	"cmp"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/human2/hds/collectors"
	"github.com/human2/hds/collectors/fetch"
)

// fakeAPI answers like api.stackexchange.com: always gzip, has_more
// paging, a backoff field, quota counting down.
type fakeAPI struct {
	t         *testing.T
	mu        sync.Mutex
	questions []map[string]any
	answers   map[int64][]map[string]any
	quota     int
	calls     []string
	keys      []string
	fail      string // "truncated", "error", or ""
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, r.URL.Path+"?"+r.URL.Query().Get("page")+"&min="+r.URL.Query().Get("min"))
	f.keys = append(f.keys, r.URL.Query().Get("key"))
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Encoding", "gzip")
	zw := gzip.NewWriter(w)
	defer zw.Close()
	switch f.fail {
	case "truncated":
		fmt.Fprint(zw, `{"items":[{"question_id":1,`)
		return
	case "error":
		w.WriteHeader(400)
		fmt.Fprint(zw, `{"error_id":400,"error_name":"bad_parameter","error_message":"site is required"}`)
		return
	}
	f.quota--
	page := 1
	fmt.Sscan(r.URL.Query().Get("page"), &page)
	resp := map[string]any{"quota_max": 300, "quota_remaining": f.quota}
	if strings.HasSuffix(r.URL.Path, "/answers") {
		var items []map[string]any
		for _, id := range strings.Split(strings.Split(r.URL.Path, "/")[3], ";") {
			var qid int64
			fmt.Sscan(id, &qid)
			items = append(items, f.answers[qid]...)
		}
		resp["items"], resp["has_more"] = items, false
	} else {
		if sort := r.URL.Query().Get("sort"); sort != "activity" {
			f.t.Errorf("questions sorted by %q", sort)
		}
		// sort=activity: min bounds last_activity_date, inclusive.
		var from int64
		fmt.Sscan(r.URL.Query().Get("min"), &from)
		var items []map[string]any
		for _, q := range f.questions {
			if q["last_activity_date"].(int64) >= from {
				items = append(items, q)
			}
		}
		slices.SortStableFunc(items, func(a, b map[string]any) int {
			return cmp.Compare(a["last_activity_date"].(int64), b["last_activity_date"].(int64))
		})
		start, end := (page-1)*2, min(page*2, len(items)) // 2 per page to exercise has_more
		if start > len(items) {
			start = len(items)
		}
		resp["items"], resp["has_more"] = items[start:end], end < len(items)
		if page == 1 {
			resp["backoff"] = 10
		}
	}
	json.NewEncoder(zw).Encode(resp)
}

func question(id int64, score int, created int64, accepted int64) map[string]any {
	q := map[string]any{"question_id": id, "title": fmt.Sprintf("How do I parse JSON &amp; YAML %d?", id),
		"body": "<p>I tried <code>json.loads</code>:</p><pre><code>json.loads(s)\n</code></pre>", "score": score,
		"tags": []string{"python", "json"}, "owner": map[string]any{"display_name": "Ann"}, "creation_date": created, "last_activity_date": created,
		"link": fmt.Sprintf("https://stackoverflow.com/questions/%d/x", id)}
	if accepted != 0 {
		q["accepted_answer_id"] = accepted
	}
	return q
}

func answer(id, qid int64, score int, accepted bool) map[string]any {
	return map[string]any{"answer_id": id, "question_id": qid, "score": score, "is_accepted": accepted,
		"body": fmt.Sprintf("<p>Answer %d</p>", id), "owner": map[string]any{"display_name": fmt.Sprint("U", id)}, "creation_date": 1}
}

func testEnv(t *testing.T, api *fakeAPI) (*httptest.Server, collectors.Options, *[]time.Duration) {
	t.Helper()
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	return srv, collectors.Options{Root: collectors.TestRoot(t), HTTP: fetch.NewClient(fetch.Options{Sleep: func(context.Context, time.Duration) error { return nil }}),
		Now: func() time.Time { return time.Unix(1.7e9, 0) }}, new([]time.Duration)
}

func TestAPI(t *testing.T) {
	api := &fakeAPI{t: t, quota: 300, answers: map[int64][]map[string]any{
		10: {answer(101, 10, 5, false), answer(102, 10, 1, true), answer(103, 10, 9, false), answer(104, 10, 0, false), answer(105, 10, 7, false)},
	}}
	api.questions = []map[string]any{question(10, 4, 1000, 102), question(11, -2, 1001, 0), question(12, 1, 1400000000, 0)}
	srv, opts, _ := testEnv(t, api)
	var waits []time.Duration
	c := &Collector{Site: "stackoverflow", API: srv.URL + "/2.3", Key: "SEKEY123", TopAnswers: 2, MinScore: 0,
		Sleep: func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }}
	sum, err := collectors.Run(context.Background(), c, opts)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Added != 2 || sum.Skipped["below min score"] != 1 {
		t.Fatalf("summary %+v", sum)
	}
	recs := collectors.TestRecords(t, opts.Root, "stackexchange")
	q := recs["stackexchange:stackoverflow:10"]
	if q == nil {
		t.Fatalf("records %v", recs)
	}
	// Accepted first, then the two best others; the rest dropped.
	i102, i103, i105 := strings.Index(q.Text, "Answer 102"), strings.Index(q.Text, "Answer 103"), strings.Index(q.Text, "Answer 105")
	if i102 < 0 || i103 < i102 || i105 < i103 || strings.Contains(q.Text, "Answer 101") {
		t.Fatalf("answers in text:\n%s", q.Text)
	}
	if !strings.HasPrefix(q.Text, "# How do I parse JSON & YAML 10?\n\nI tried `json.loads`:") || !strings.Contains(q.Text, "```\njson.loads(s)\n```") ||
		!strings.Contains(q.Text, "## Accepted answer (score 1, by U102)") {
		t.Fatalf("text:\n%s", q.Text)
	}
	if q.Provenance.Author != "Ann" || q.Provenance.License != "CC-BY-SA-2.5" || q.Provenance.URL != "https://stackoverflow.com/questions/10/x" {
		t.Fatalf("provenance %+v", q.Provenance)
	}
	if recs["stackexchange:stackoverflow:12"].Provenance.License != "CC-BY-SA-3.0" {
		t.Fatal("license by creation date")
	}
	// The backoff of 10 s on /questions was waited before its second page.
	if len(waits) == 0 || waits[0] != 10*time.Second {
		t.Fatalf("backoff waits %v", waits)
	}
	// The key went in the query string and nowhere into the dataset.
	if api.keys[0] != "SEKEY123" {
		t.Fatal("key not sent")
	}
	filepath.Walk(opts.Root, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			if b, _ := os.ReadFile(p); strings.Contains(string(b), "SEKEY123") {
				t.Errorf("key written to %s", p)
			}
		}
		return nil
	})
	// Re-run: starts from the cursor, only the newest question again.
	api.calls = nil
	api.questions = append(api.questions, question(13, 3, 1400000001, 0))
	sum, err = collectors.Run(context.Background(), c, opts)
	if err != nil || sum.Added != 1 || sum.Unchanged != 1 {
		t.Fatalf("re-run %+v, %v", sum, err)
	}
	if !strings.Contains(api.calls[0], "min=1400000000") {
		t.Fatalf("re-run did not resume from the cursor: %v", api.calls)
	}
	// An old question is edited: its new activity brings it back.
	api.questions[0]["body"] = "<p>I tried <code>json.load</code> on a file.</p>"
	api.questions[0]["last_activity_date"] = int64(1400000500)
	sum, err = collectors.Run(context.Background(), c, opts)
	if err != nil || sum.Updated != 1 || sum.Added != 0 {
		t.Fatalf("after an edit %+v, %v", sum, err)
	}
	if q := collectors.TestRecords(t, opts.Root, "stackexchange")["stackexchange:stackoverflow:10"]; !strings.Contains(q.Text, "on a file") {
		t.Fatalf("edit not collected:\n%s", q.Text)
	}
}

// Many questions active in the same second span pages: keyset paging
// must neither loop nor lose or repeat one.
func TestKeysetPagingWithinOneSecond(t *testing.T) {
	api := &fakeAPI{t: t, quota: 1000, answers: map[int64][]map[string]any{}}
	for i := range 7 {
		api.questions = append(api.questions, question(int64(30+i), 1, 5000, 0))
	}
	api.questions = append(api.questions, question(40, 1, 6000, 0), question(41, 1, 6000, 0), question(42, 1, 7000, 0))
	srv, opts, _ := testEnv(t, api)
	c := &Collector{Site: "so", API: srv.URL, Sleep: func(context.Context, time.Duration) error { return nil }}
	sum, err := collectors.Run(context.Background(), c, opts)
	if err != nil || sum.Added != 10 || sum.Emitted != 10 {
		t.Fatalf("summary %+v, %v (calls %v)", sum, err, api.calls)
	}
}

func TestQuotaStopsWithCursor(t *testing.T) {
	api := &fakeAPI{t: t, quota: 2, answers: map[int64][]map[string]any{}}
	for i := range 6 {
		api.questions = append(api.questions, question(int64(20+i), 1, int64(2000+i), 0))
	}
	srv, opts, _ := testEnv(t, api)
	c := &Collector{Site: "so", API: srv.URL, Sleep: func(context.Context, time.Duration) error { return nil }}
	sum, err := collectors.Run(context.Background(), c, opts)
	if err != nil || sum.Added != 2 {
		t.Fatalf("summary %+v, %v", sum, err)
	}
	st, _ := os.ReadFile(filepath.Join(opts.Root, "data/raw/stackexchange/state.json"))
	if !strings.Contains(string(st), `"activity": 2001`) {
		t.Fatalf("state %s", st)
	}
}

func TestErrorsNameTheURLWithoutTheKey(t *testing.T) {
	for _, mode := range []string{"error", "truncated"} {
		api := &fakeAPI{t: t, fail: mode}
		srv, opts, _ := testEnv(t, api)
		c := &Collector{Site: "so", API: srv.URL, Key: "SEKEY123"}
		_, err := collectors.Run(context.Background(), c, opts)
		if err == nil || strings.Contains(err.Error(), "SEKEY123") || !strings.Contains(err.Error(), srv.URL+"/questions") {
			t.Fatalf("%s: err = %v", mode, err)
		}
		if mode == "error" && !strings.Contains(err.Error(), "site is required") {
			t.Fatalf("server message lost: %v", err)
		}
	}
}

const postsXML = `<?xml version="1.0" encoding="utf-8"?>
<posts>
  <row Id="1" PostTypeId="1" AcceptedAnswerId="4" CreationDate="2019-01-02T03:04:05.678" Score="7" Body="&lt;p&gt;How to sort a dict?&lt;/p&gt;" OwnerUserId="9" Title="Sort a dict" Tags="&lt;python&gt;&lt;dict&gt;" />
  <row Id="2" PostTypeId="1" CreationDate="2019-01-03T00:00:00.000" Score="-1" Body="&lt;p&gt;bad&lt;/p&gt;" Title="Bad" Tags="|python|" />
  <row Id="3" PostTypeId="2" ParentId="1" CreationDate="2019-01-02T05:00:00.000" Score="10" Body="&lt;p&gt;Use sorted(d.items()).&lt;/p&gt;" OwnerDisplayName="Bo" />
  <row Id="4" PostTypeId="2" ParentId="1" CreationDate="2019-01-02T06:00:00.000" Score="2" Body="&lt;p&gt;Use dict(sorted(...)).&lt;/p&gt;" OwnerUserId="7" />
  <row Id="5" PostTypeId="2" ParentId="1" CreationDate="2019-01-02T07:00:00.000" Score="1" Body="&lt;p&gt;Low.&lt;/p&gt;" />
  <row Id="6" PostTypeId="1" CreationDate="2019-01-04T00:00:00.000" Score="3" Body="&lt;p&gt;Unanswered&lt;/p&gt;" Title="No answers" Tags="|python|dict|" />
</posts>
`

func TestDump(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "unix.stackexchange.com")
	os.Mkdir(dir, 0o755)
	dump := filepath.Join(dir, "Posts.xml")
	os.WriteFile(dump, []byte(postsXML), 0o644)
	opts := collectors.Options{Root: collectors.TestRoot(t)}
	c := &Collector{Dump: dump, TopAnswers: 1, Tagged: "python"}
	sum, err := collectors.Run(context.Background(), c, opts)
	if err != nil || sum.Added != 2 || sum.Skipped["question filtered out (score or tags)"] != 1 {
		t.Fatalf("summary %+v, %v", sum, err)
	}
	recs := collectors.TestRecords(t, opts.Root, "stackexchange")
	q := recs["stackexchange:unix.stackexchange.com:1"]
	if q == nil || !strings.Contains(q.Text, "## Accepted answer (score 2, by user 7)") || !strings.Contains(q.Text, "## Answer (score 10, by Bo)") ||
		strings.Contains(q.Text, "Low.") || q.Provenance.URL != "https://unix.stackexchange.com/questions/1" || q.Provenance.License != "CC-BY-SA-4.0" {
		t.Fatalf("record %+v", q)
	}
	if recs["stackexchange:unix.stackexchange.com:6"] == nil {
		t.Fatal("unanswered question missing")
	}
	sum, _ = collectors.Run(context.Background(), c, opts)
	if sum.Skipped["dump already imported"] != 1 {
		t.Fatalf("re-import %+v", sum)
	}
	// A truncated dump names the file and line.
	os.WriteFile(dump, []byte(postsXML[:400]), 0o644)
	_, err = collectors.Run(context.Background(), &Collector{Dump: dump}, collectors.Options{Root: collectors.TestRoot(t)})
	if err == nil || !strings.Contains(err.Error(), dump+": line") {
		t.Fatalf("err = %v", err)
	}
}
