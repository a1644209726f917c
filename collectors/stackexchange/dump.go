package stackexchange

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/human2/hds/collectors"
)

// row is one <row> of Posts.xml.
type row struct {
	ID               int64  `xml:"Id,attr"`
	PostTypeID       int    `xml:"PostTypeId,attr"`
	AcceptedAnswerID int64  `xml:"AcceptedAnswerId,attr"`
	ParentID         int64  `xml:"ParentId,attr"`
	Score            int    `xml:"Score,attr"`
	Body             string `xml:"Body,attr"`
	Title            string `xml:"Title,attr"`
	Tags             string `xml:"Tags,attr"`
	CreationDate     string `xml:"CreationDate,attr"`
	OwnerUserID      string `xml:"OwnerUserId,attr"`
	OwnerDisplayName string `xml:"OwnerDisplayName,attr"`
}

// importDump joins questions with their accepted and top answers in two
// streaming passes over Posts.xml. Pass one picks, per wanted question,
// the ids of the answers to keep (a few dozen bytes per question); pass two
// emits each question once its picked answers have been read. Memory: the
// picks, plus the questions whose picked answers appear later in the file
// (answers follow their question by id, so this is the questions waiting
// for a late answer), never whole answer threads.
func (c *Collector) importDump(ctx context.Context, env *collectors.Env) error {
	site := c.Site
	if site == "" {
		site = filepath.Base(filepath.Dir(c.Dump)) // e.g. unix.stackexchange.com/Posts.xml
	}
	key := "dump:" + site
	stamp, same, err := env.FileUnchanged(key, c.Dump)
	if err != nil {
		return fmt.Errorf("stackexchange: %w", err)
	}
	if same {
		env.Skip("dump already imported")
		return nil
	}
	picks, err := c.pickAnswers(ctx, env)
	if err != nil {
		return err
	}
	done, err := c.joinDump(ctx, env, site, picks)
	if err != nil || !done {
		return err
	}
	return env.SetState(key, stamp)
}

// pick is what pass one keeps per wanted question.
type pick struct {
	accepted int64
	top      []scored // best TopAnswers answers by score
}

type scored struct {
	id    int64
	score int
}

// rows streams the rows of Posts.xml to fn.
func (c *Collector) rows(ctx context.Context, fn func(*row) error) error {
	f, err := os.Open(c.Dump)
	if err != nil {
		return fmt.Errorf("stackexchange: %w", err)
	}
	defer f.Close()
	dec := xml.NewDecoder(f)
	n := 0
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("stackexchange: %s: line %d: %w (is it a complete Posts.xml?)", c.Dump, lineOf(dec), err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok || se.Name.Local != "row" {
			continue
		}
		var r row
		if err := dec.DecodeElement(&r, &se); err != nil {
			return fmt.Errorf("stackexchange: %s: line %d: %w", c.Dump, lineOf(dec), err)
		}
		if n++; n%4096 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		if err := fn(&r); err != nil {
			return err
		}
	}
}

func lineOf(dec *xml.Decoder) int {
	line, _ := dec.InputPos()
	return line
}

// tags parses "<python><json>" (old dumps) or "|python|json|" (new ones).
func tags(s string) []string {
	s = strings.NewReplacer("><", "|", "<", "", ">", "").Replace(s)
	var out []string
	for _, t := range strings.Split(s, "|") {
		if t != "" {
			out = append(out, t)
		}
	}
	return out
}

func (c *Collector) wanted(r *row) bool {
	if r.Score < c.MinScore {
		return false
	}
	if c.Tagged == "" {
		return true
	}
	have := map[string]bool{}
	for _, t := range tags(r.Tags) {
		have[t] = true
	}
	for _, t := range strings.Split(c.Tagged, ";") {
		if t != "" && !have[t] {
			return false
		}
	}
	return true
}

func (c *Collector) pickAnswers(ctx context.Context, env *collectors.Env) (map[int64]*pick, error) {
	picks := map[int64]*pick{}
	n := c.topAnswers()
	err := c.rows(ctx, func(r *row) error {
		switch r.PostTypeID {
		case 1:
			if c.wanted(r) {
				picks[r.ID] = &pick{accepted: r.AcceptedAnswerID}
			} else {
				env.Skip("question filtered out (score or tags)")
			}
		case 2:
			if p := picks[r.ParentID]; p != nil {
				p.top = insertTop(p.top, scored{r.ID, r.Score}, n)
			}
		}
		return nil
	})
	return picks, err
}

// insertTop keeps the n best answers by score (then lower id).
func insertTop(top []scored, s scored, n int) []scored {
	i := len(top)
	for i > 0 && (top[i-1].score < s.score || top[i-1].score == s.score && top[i-1].id > s.id) {
		i--
	}
	if i >= n {
		return top
	}
	top = append(top, scored{})
	copy(top[i+1:], top[i:])
	top[i] = s
	if len(top) > n {
		top = top[:n]
	}
	return top
}

// pending is a question waiting for its picked answers.
type pending struct {
	q       post
	want    int
	answers []post
}

func (c *Collector) joinDump(ctx context.Context, env *collectors.Env, site string, picks map[int64]*pick) (bool, error) {
	answerOf := map[int64]int64{} // picked answer id -> question id
	for qid, p := range picks {
		for _, a := range p.top {
			answerOf[a.id] = qid
		}
		if p.accepted != 0 {
			answerOf[p.accepted] = qid
		}
	}
	waiting := map[int64]*pending{}
	early := map[int64][]post{} // picked answers read before their question
	full := false
	emit := func(p *pending) error {
		delete(waiting, p.q.ID)
		return env.Emit(c.shard(site, p.q.ID), c.toRecord(site, &p.q, c.selectAnswers(&p.q, p.answers)))
	}
	err := c.rows(ctx, func(r *row) error {
		if env.Full() {
			full = true
			return io.EOF
		}
		switch {
		case r.PostTypeID == 1 && picks[r.ID] != nil:
			pk := picks[r.ID]
			want := len(pk.top)
			if pk.accepted != 0 && !containsID(pk.top, pk.accepted) {
				want++
			}
			p := &pending{q: dumpPost(site, r), want: want, answers: early[r.ID]}
			delete(early, r.ID)
			waiting[r.ID] = p
			if len(p.answers) >= p.want {
				return emit(p)
			}
		case r.PostTypeID == 2 && answerOf[r.ID] != 0:
			qid := answerOf[r.ID]
			a := dumpPost(site, r)
			a.Accepted = picks[qid].accepted == r.ID
			p := waiting[qid]
			if p == nil {
				early[qid] = append(early[qid], a)
				return nil
			}
			p.answers = append(p.answers, a)
			if len(p.answers) >= p.want {
				return emit(p)
			}
		}
		return nil
	})
	if errors.Is(err, io.EOF) {
		err = nil
	}
	if err != nil || full {
		return false, err
	}
	// Questions whose picked answers were missing from the dump.
	ids := make([]int64, 0, len(waiting))
	for id := range waiting {
		ids = append(ids, id)
	}
	for _, id := range sortedIDs(ids) {
		if err := emit(waiting[id]); err != nil {
			return false, err
		}
	}
	return true, nil
}

func containsID(top []scored, id int64) bool {
	for _, s := range top {
		if s.id == id {
			return true
		}
	}
	return false
}

func dumpPost(site string, r *row) post {
	created, _ := time.Parse("2006-01-02T15:04:05.999", r.CreationDate)
	author := r.OwnerDisplayName
	if author == "" && r.OwnerUserID != "" {
		author = "user " + r.OwnerUserID
	}
	return post{ID: r.ID, Title: r.Title, Body: r.Body, Score: r.Score, Tags: tags(r.Tags), Author: author,
		Created: created.UTC(), Link: "https://" + siteHost(site) + "/questions/" + strconv.FormatInt(r.ID, 10), AcceptedID: r.AcceptedAnswerID}
}
