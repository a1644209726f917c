package stackexchange

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/human2/hds/collectors"
	"github.com/human2/hds/collectors/fetch"
	"github.com/human2/hds/internal/wait"
)

// wrapper is the common envelope of API responses.
type wrapper struct {
	Items          json.RawMessage `json:"items"`
	HasMore        bool            `json:"has_more"`
	QuotaMax       int             `json:"quota_max"`
	QuotaRemaining int             `json:"quota_remaining"`
	Backoff        int             `json:"backoff"`
	ErrorID        int             `json:"error_id"`
	ErrorName      string          `json:"error_name"`
	ErrorMessage   string          `json:"error_message"`
}

type owner struct {
	DisplayName string `json:"display_name"`
}

type apiQuestion struct {
	QuestionID       int64    `json:"question_id"`
	Title            string   `json:"title"`
	Body             string   `json:"body"`
	Score            int      `json:"score"`
	Tags             []string `json:"tags"`
	Owner            owner    `json:"owner"`
	CreationDate     int64    `json:"creation_date"`
	LastActivityDate int64    `json:"last_activity_date"`
	Link             string   `json:"link"`
	AcceptedAnswerID int64    `json:"accepted_answer_id"`
}

type apiAnswer struct {
	AnswerID     int64  `json:"answer_id"`
	QuestionID   int64  `json:"question_id"`
	Body         string `json:"body"`
	Score        int    `json:"score"`
	IsAccepted   bool   `json:"is_accepted"`
	Owner        owner  `json:"owner"`
	CreationDate int64  `json:"creation_date"`
}

// client calls the API for one run.
type client struct {
	c       *Collector
	env     *collectors.Env
	backoff map[string]time.Time // method -> no call before
	quota   int
}

// errQuota ends a run whose daily quota is spent.
type errQuota struct{ max int }

func (e errQuota) Error() string {
	return fmt.Sprintf("stackexchange: daily quota of %d requests used up; it resets at midnight UTC (set STACKEXCHANGE_KEY for 10,000 a day)", e.max)
}

func (cl *client) sleep(ctx context.Context, d time.Duration) error {
	if cl.c.Sleep != nil {
		return cl.c.Sleep(ctx, d)
	}
	return wait.Sleep(ctx, d)
}

// get calls one API method and decodes its envelope; items go into v.
func (cl *client) get(ctx context.Context, method string, params url.Values, v any) (*wrapper, error) {
	route := method // backoff applies per route, whatever the ids in it
	if strings.HasPrefix(method, "questions/") {
		route = "questions/{ids}/answers"
	}
	if until, ok := cl.backoff[route]; ok {
		if d := until.Sub(cl.env.Now()); d > 0 {
			cl.env.Logf("API asked to back off %s: waiting %s", method, d.Round(time.Second))
			if err := cl.sleep(ctx, d); err != nil {
				return nil, err
			}
		}
	}
	if cl.c.Key != "" {
		params.Set("key", cl.c.Key)
	}
	api := cl.c.API
	if api == "" {
		api = DefaultAPI
	}
	u := strings.TrimSuffix(api, "/") + "/" + method + "?" + params.Encode()
	req, err := http.NewRequestWithContext(ctx, "GET", u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := fetch.Get(req, cl.env.HTTP)
	if err != nil {
		return nil, fmt.Errorf("stackexchange: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return nil, fmt.Errorf("stackexchange: GET %s: %w", fetch.Redact(u), err)
	}
	var w wrapper
	if err := json.Unmarshal(b, &w); err != nil {
		return nil, fmt.Errorf("stackexchange: GET %s: invalid JSON (%v); the response may be truncated, run again to resume", fetch.Redact(u), err)
	}
	if w.ErrorID != 0 {
		return nil, fmt.Errorf("stackexchange: GET %s: error %d %s: %s", fetch.Redact(u), w.ErrorID, w.ErrorName, w.ErrorMessage)
	}
	if w.Backoff > 0 {
		cl.backoff[route] = cl.env.Now().Add(time.Duration(w.Backoff) * time.Second)
	}
	cl.quota = w.QuotaRemaining
	if len(w.Items) > 0 {
		if err := json.Unmarshal(w.Items, v); err != nil {
			return nil, fmt.Errorf("stackexchange: GET %s: unexpected items: %w", fetch.Redact(u), err)
		}
	}
	return &w, nil
}

// cursor is the state kept per site and tag filter.
type cursor struct {
	// Activity is the newest last_activity_date stored: questions are
	// read in order of last activity, so an edit, a new answer or a vote
	// on an old question brings it back on the next run.
	Activity int64 `json:"activity,omitempty"`
	// FromDate is the creation-date cursor of earlier versions, read
	// once as a starting point (activity is never before creation).
	FromDate int64 `json:"fromdate,omitempty"`
}

// collectAPI reads questions in ascending order of last activity with
// keyset paging: after each page the lower bound (min) moves up to the
// newest activity seen and paging restarts at page 1, so questions that
// gain activity while the run pages cannot shift a page boundary past
// unread ones. Questions at the boundary second that were already read
// are not emitted twice.
func (c *Collector) collectAPI(ctx context.Context, env *collectors.Env) error {
	cl := &client{c: c, env: env, backoff: map[string]time.Time{}}
	key := "questions:" + c.Site + ":" + c.Tagged
	var cur cursor
	if _, err := env.State(key, &cur); err != nil {
		return err
	}
	from := max(cur.Activity, cur.FromDate)
	atFrom := map[int64]bool{} // questions read whose activity is from
	for page := 1; !env.Full(); {
		params := url.Values{"site": {c.Site}, "sort": {"activity"}, "order": {"asc"}, "pagesize": {"100"},
			"page": {strconv.Itoa(page)}, "filter": {"withbody"}}
		if c.Tagged != "" {
			params.Set("tagged", c.Tagged)
		}
		if from > 0 {
			params.Set("min", strconv.FormatInt(from, 10))
		}
		var all []apiQuestion
		w, err := cl.get(ctx, "questions", params, &all)
		if err != nil {
			return err
		}
		var qs []apiQuestion
		for _, q := range all {
			if q.LastActivityDate == from && atFrom[q.QuestionID] {
				continue // read on the previous page
			}
			qs = append(qs, q)
		}
		newest, err := c.emitPage(ctx, cl, qs)
		if err != nil {
			return err
		}
		if newest > cur.Activity || cur.FromDate != 0 {
			cur = cursor{Activity: max(newest, cur.Activity, cur.FromDate)}
			if err := env.SetState(key, cur); err != nil {
				return err
			}
		}
		if cl.quota == 0 && w.QuotaMax > 0 {
			env.Logf("%v", errQuota{w.QuotaMax})
			return nil // the cursor covers everything stored; the next run resumes
		}
		if !w.HasMore {
			return nil
		}
		if newest > from {
			from, page, atFrom = newest, 1, map[int64]bool{}
		} else {
			page++ // a whole page in one second: page on within it
		}
		for _, q := range qs {
			if q.LastActivityDate == from {
				atFrom[q.QuestionID] = true
			}
		}
	}
	return nil
}

// emitPage fetches the answers of a page's questions and stores them; it
// returns the newest last activity date among them.
func (c *Collector) emitPage(ctx context.Context, cl *client, qs []apiQuestion) (int64, error) {
	var keep []apiQuestion
	for _, q := range qs {
		if q.Score < c.MinScore {
			cl.env.Skip("below min score")
			continue
		}
		keep = append(keep, q)
	}
	answers, err := c.fetchAnswers(ctx, cl, keep)
	if err != nil {
		return 0, err
	}
	for _, q := range keep {
		p := post{ID: q.QuestionID, Title: html.UnescapeString(q.Title), Body: q.Body, Score: q.Score, Tags: q.Tags,
			Author: html.UnescapeString(q.Owner.DisplayName), Created: time.Unix(q.CreationDate, 0).UTC(), Link: q.Link, AcceptedID: q.AcceptedAnswerID}
		rec := c.toRecord(c.Site, &p, c.selectAnswers(&p, answers[q.QuestionID]))
		if err := cl.env.Emit(c.shard(c.Site, q.QuestionID), rec); err != nil {
			return 0, err
		}
	}
	var newest int64
	for _, q := range qs { // skipped ones are covered by the cursor too
		newest = max(newest, q.LastActivityDate)
	}
	return newest, nil
}

// fetchAnswers gets the answers of up to 100 questions per call.
func (c *Collector) fetchAnswers(ctx context.Context, cl *client, qs []apiQuestion) (map[int64][]post, error) {
	out := map[int64][]post{}
	for start := 0; start < len(qs); start += 100 {
		var ids []string
		for _, q := range qs[start:min(start+100, len(qs))] {
			ids = append(ids, strconv.FormatInt(q.QuestionID, 10))
		}
		method := "questions/" + strings.Join(ids, ";") + "/answers"
		for page := 1; ; page++ {
			var as []apiAnswer
			params := url.Values{"site": {c.Site}, "sort": {"votes"}, "order": {"desc"}, "pagesize": {"100"},
				"page": {strconv.Itoa(page)}, "filter": {"withbody"}}
			w, err := cl.get(ctx, method, params, &as)
			if err != nil {
				return nil, err
			}
			for _, a := range as {
				out[a.QuestionID] = append(out[a.QuestionID], post{ID: a.AnswerID, Body: a.Body, Score: a.Score,
					Accepted: a.IsAccepted, Author: html.UnescapeString(a.Owner.DisplayName), Created: time.Unix(a.CreationDate, 0).UTC()})
			}
			if !w.HasMore || cl.quota == 0 {
				break
			}
		}
	}
	return out, nil
}
