// Package stackexchange collects questions with their best answers from
// the Stack Exchange API 2.3, or from a site's data dump (Posts.xml).
//
// Each question becomes a record of kind qa whose Text is Markdown: the
// question, then the accepted answer and the top-scored others (bodies
// are HTML upstream and converted with html-to-markdown). Content is CC
// BY-SA: every record keeps the author and link, and the license version
// that applied when the post was created (2.5 before 2011-04-08, 3.0
// before 2018-05-02, 4.0 after).
//
// API runs page through /questions sorted by last activity, oldest
// first, 100 per page, from the cursor — the newest last_activity_date
// stored — so a question edited, answered or voted on since comes back
// with its new content; paging is by keyset (min moves up after every
// page) rather than page number alone. Answers are fetched in batches of
// 100 question ids. They obey the "backoff" field (no call to the same method
// before it has passed) and stop, keeping the cursor, when
// quota_remaining reaches 0. The key (STACKEXCHANGE_KEY) only travels in
// the query string and is redacted from every error.
package stackexchange

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/JohannesKaufmann/html-to-markdown/v2/converter"
	"github.com/JohannesKaufmann/html-to-markdown/v2/plugin/base"
	"github.com/JohannesKaufmann/html-to-markdown/v2/plugin/commonmark"
	"github.com/JohannesKaufmann/html-to-markdown/v2/plugin/table"

	"github.com/human2/hds/collectors"
	"github.com/human2/hds/record"
)

// Version is recorded in every record's provenance.
const Version = "1"

// DefaultAPI is the Stack Exchange API root.
const DefaultAPI = "https://api.stackexchange.com/2.3"

// Collector collects one site.
type Collector struct {
	Site       string // API site parameter, e.g. "stackoverflow"
	Tagged     string // semicolon-separated tags (API semantics: all of them)
	MinScore   int    // questions below this score are skipped
	TopAnswers int    // answers kept besides the accepted one; 0: 3
	API        string // API root; "" is DefaultAPI
	Key        string // API key; raises the daily quota
	Dump       string // path of a Posts.xml to import instead of the API
	// Sleep waits for backoffs; nil sleeps for real (tests replace it).
	Sleep func(ctx context.Context, d time.Duration) error
}

var _ collectors.Collector = (*Collector)(nil)

// Name implements collectors.Collector.
func (c *Collector) Name() string { return "stackexchange" }

// Version implements collectors.Collector.
func (c *Collector) Version() string { return Version }

// Collect implements collectors.Collector.
func (c *Collector) Collect(ctx context.Context, env *collectors.Env) error {
	if c.Dump != "" {
		return c.importDump(ctx, env)
	}
	if c.Site == "" {
		return fmt.Errorf("stackexchange: --site is required (e.g. stackoverflow, unix, datascience)")
	}
	return c.collectAPI(ctx, env)
}

func (c *Collector) topAnswers() int {
	if c.TopAnswers <= 0 {
		return 3
	}
	return c.TopAnswers
}

// post is a question or answer, from the API or the dump.
type post struct {
	ID         int64
	Title      string
	Body       string // HTML
	Score      int
	Tags       []string
	Author     string
	Created    time.Time
	Link       string
	AcceptedID int64
	Accepted   bool
}

// License returns the CC BY-SA version that applied when a post was made.
func License(created time.Time) string {
	switch {
	case created.Before(time.Date(2011, 4, 8, 0, 0, 0, 0, time.UTC)):
		return "CC-BY-SA-2.5"
	case created.Before(time.Date(2018, 5, 2, 0, 0, 0, 0, time.UTC)):
		return "CC-BY-SA-3.0"
	}
	return "CC-BY-SA-4.0"
}

var mdConverter = converter.NewConverter(converter.WithPlugins(base.NewBasePlugin(), commonmark.NewCommonmarkPlugin(), table.NewTablePlugin()))

func markdown(html string) string {
	md, err := mdConverter.ConvertString(html)
	if err != nil {
		return strings.TrimSpace(html)
	}
	return strings.TrimSpace(md)
}

// toRecord joins a question with its selected answers (accepted first,
// then by score).
func (c *Collector) toRecord(site string, q *post, answers []post) *record.Raw {
	var sb strings.Builder
	sb.WriteString("# " + q.Title + "\n\n" + markdown(q.Body) + "\n")
	var ids []int64
	for _, a := range answers {
		head := "Answer"
		if a.Accepted || a.ID == q.AcceptedID {
			head = "Accepted answer"
		}
		fmt.Fprintf(&sb, "\n## %s (score %d, by %s)\n\n%s\n", head, a.Score, orAnon(a.Author), markdown(a.Body))
		ids = append(ids, a.ID)
	}
	link := q.Link
	if link == "" {
		link = fmt.Sprintf("https://%s/questions/%d", siteHost(site), q.ID)
	}
	return &record.Raw{
		ID: fmt.Sprintf("stackexchange:%s:%d", site, q.ID), Kind: record.KindQA, Language: "en",
		Title: q.Title, Text: sb.String(),
		Meta: map[string]any{"site": site, "question_id": q.ID, "score": q.Score, "tags": q.Tags,
			"answer_ids": ids, "accepted_answer_id": q.AcceptedID, "created": q.Created.UTC().Format(time.RFC3339)},
		Provenance: record.Provenance{URL: link, Author: orAnon(q.Author), License: License(q.Created)},
	}
}

func orAnon(s string) string {
	if s == "" {
		return "anonymous"
	}
	return s
}

// siteHost turns an API site name into its host.
func siteHost(site string) string {
	if strings.Contains(site, ".") {
		return site
	}
	switch site {
	case "stackoverflow", "superuser", "serverfault", "askubuntu", "stackapps", "mathoverflow":
		return site + ".com"
	}
	return site + ".stackexchange.com"
}

func (c *Collector) shard(site string, id int64) string {
	return collectors.ShardName(site) + "-" + collectors.ShardOf(fmt.Sprint(id), 16)
}

// selectAnswers orders answers accepted first, then by score (then id),
// and keeps the accepted one plus TopAnswers others.
func (c *Collector) selectAnswers(q *post, answers []post) []post {
	sortAnswers(q.AcceptedID, answers)
	var out []post
	others := 0
	for _, a := range answers {
		switch {
		case a.ID == q.AcceptedID || a.Accepted:
			out = append(out, a)
		case others < c.topAnswers():
			out = append(out, a)
			others++
		}
	}
	return out
}
