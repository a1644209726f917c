package process

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/human2/hds/process/dedup"
	"github.com/human2/hds/process/extract"
	"github.com/human2/hds/process/normalize"
	"github.com/human2/hds/process/redact"
	"github.com/human2/hds/record"
)

// shardResult is what the first pass learns from one raw shard; results
// are merged in shard order so the report is deterministic.
type shardResult struct {
	skipped  []SkippedItem
	dropped  map[string]int
	calls    map[string]int
	redacted redact.Counts
	input    InputCounts
	extract  ExtractCounts
	tokens   int64
	pages    map[string]*docPage
	patterns *spill
	texts    *spill
}

// spill is a temporary JSONL file of output records.
type spill struct {
	f *os.File
	w *bufio.Writer
	n int
}

func newSpill(path string) (*spill, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	return &spill{f: f, w: bufio.NewWriterSize(f, 256<<10)}, nil
}

func (s *spill) add(v any) error {
	b, err := marshal(v)
	if err != nil {
		return err
	}
	s.n++
	_, err = s.w.Write(b)
	return err
}

func (s *spill) close() error {
	err := s.w.Flush()
	if cerr := s.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// marshal is the one JSON encoding of output lines: no HTML escaping,
// fields in declaration order, one line.
func marshal(v any) ([]byte, error) {
	var sb strings.Builder
	enc := json.NewEncoder(&sb)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return []byte(sb.String()), nil
}

func (r *run) spillPath(s rawShard, kind string) string {
	return filepath.Join(r.tmp, "spill", s.source, s.name+"."+kind+".jsonl")
}

// firstPass reads every raw shard: normalize, extract, redact, tokenize,
// sign for dedup, count calls; output records go to the spill.
func (r *run) firstPass(ctx context.Context, shards []rawShard) error {
	results := make([]*shardResult, len(shards))
	r.p.Phase("process: extract")
	var total int64
	for _, s := range shards {
		if st, err := os.Stat(s.path); err == nil {
			total += st.Size()
		}
	}
	r.p.SetTotal(int64(len(shards)), total)
	err := r.forEach(ctx, shards, func(ctx context.Context, i int, s rawShard) error {
		res, err := r.shard(ctx, s)
		results[i] = res
		if st, serr := os.Stat(s.path); serr == nil {
			r.p.Add(1, st.Size())
		}
		return err
	})
	r.p.Done()
	if err != nil {
		return err
	}
	for _, res := range results {
		r.merge(res)
	}
	return nil
}

func (r *run) merge(res *shardResult) {
	rep := r.rep
	rep.addSkipped(res.skipped)
	for k, v := range res.dropped {
		rep.Dropped[k] += v
	}
	rep.Redacted.Add(res.redacted)
	rep.Tokens += res.tokens
	in := &rep.Input
	in.Files++
	in.Records += res.input.Records
	in.Bytes += res.input.Bytes
	in.BadLines += res.input.BadLines
	in.CodeBytes += res.input.CodeBytes
	in.TextBytes += res.input.TextBytes
	ex := &rep.Extract
	ex.Files += res.extract.Files
	ex.Units += res.extract.Units
	ex.PartialParse += res.extract.PartialParse
	for k, v := range res.extract.ByLanguage {
		ex.ByLanguage[k] += v
	}
	for k, v := range res.extract.ByKind {
		ex.ByKind[k] += v
	}
	for k, v := range res.calls {
		r.calls[k] += v
	}
}

func (r *run) shard(ctx context.Context, s rawShard) (*shardResult, error) {
	res := &shardResult{dropped: map[string]int{}, calls: map[string]int{}, redacted: redact.Counts{},
		extract: ExtractCounts{ByLanguage: map[string]int{}, ByKind: map[string]int{}}, pages: map[string]*docPage{}}
	var err error
	if res.patterns, err = newSpill(r.spillPath(s, "patterns")); err != nil {
		return res, err
	}
	if res.texts, err = newSpill(r.spillPath(s, "texts")); err != nil {
		return res, err
	}
	f, err := os.Open(s.path)
	if err != nil {
		return res, fmt.Errorf("process: %w", err)
	}
	defer f.Close()
	rel := filepath.ToSlash(filepath.Join(RawDir, s.source, s.name+".jsonl"))
	err = record.Scan(f, rel, func(line int, rec *record.Raw) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		res.input.Records++
		return r.record(ctx, rec, fmt.Sprintf("%s:%d", rel, line), res)
	}, func(le *record.LineError) {
		res.input.BadLines++
		res.skipped = append(res.skipped, SkippedItem{Where: fmt.Sprintf("%s:%d", le.File, le.Line), Reason: "malformed JSONL: " + unwrapInvalid(le.Err)})
	})
	if st, serr := f.Stat(); serr == nil {
		res.input.Bytes = st.Size()
	}
	if cerr := res.patterns.close(); err == nil {
		err = cerr
	}
	if cerr := res.texts.close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = r.writePages(s, res.pages)
	}
	return res, err
}

func unwrapInvalid(err error) string {
	return strings.TrimPrefix(err.Error(), record.ErrInvalid.Error()+": ")
}

// record handles one raw record: its code and its text.
func (r *run) record(ctx context.Context, rec *record.Raw, where string, res *shardResult) error {
	if rec.Code != "" {
		res.input.CodeBytes += int64(len(rec.Code))
		if err := r.code(ctx, rec, where, res); err != nil {
			return err
		}
	}
	if rec.Text != "" {
		res.input.TextBytes += int64(len(rec.Text))
		return r.text(rec, where, res)
	}
	return nil
}

func (r *run) skip(res *shardResult, where, id, reason string) {
	res.dropped[reason]++
	res.skipped = append(res.skipped, SkippedItem{Where: where + " " + id, Reason: reason})
}

func (r *run) code(ctx context.Context, rec *record.Raw, where string, res *shardResult) error {
	code, lang, drop := normalize.Code(rec.Path, rec.Language, rec.Code, normalize.Options{MaxSize: r.cfg.MaxFileSize})
	if drop != "" {
		r.skip(res, where, rec.ID, "code: "+drop)
		return nil
	}
	if !extract.Supported(lang) || (len(r.langs) > 0 && !r.langs[lang]) {
		res.dropped["code: no pattern extraction for "+orNone(lang)]++
		return nil
	}
	f, err := extract.Extract(ctx, lang, rec.Path, []byte(code))
	switch {
	case errors.Is(err, extract.ErrSyntax) && len(f.Units) == 0:
		r.skip(res, where, rec.ID, "code: unparsable "+lang)
		return nil
	case errors.Is(err, extract.ErrSyntax):
		res.extract.PartialParse++
	case err != nil:
		return err
	}
	res.extract.Files++
	for _, c := range f.Calls {
		res.calls[c]++
	}
	seen := map[string]int{}
	for i := range f.Units {
		u := &f.Units[i]
		seen[u.QualName]++
		key := u.QualName
		if n := seen[key]; n > 1 {
			key += "#" + strconv.Itoa(n)
		}
		if err := r.pattern(rec, lang, key, u, res); err != nil {
			return err
		}
	}
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "unknown language"
	}
	return s
}

func (r *run) pattern(rec *record.Raw, lang, key string, u *extract.Unit, res *shardResult) error {
	code, c1 := r.red.Redact(u.Code)
	desc, c2 := r.red.Redact(u.Description)
	res.redacted.Add(c1)
	res.redacted.Add(c2)
	p := Pattern{
		PatternID: stableID(rec.ID, key), Language: lang, Code: code, Description: desc,
		Tags: tags(lang, u),
		Metadata: PatternMeta{
			Complexity: u.Complexity, QualityScore: extract.Quality(u, lang),
			Name: u.Name, QualName: u.QualName, Kind: u.Kind, Lines: u.Lines, StartLine: u.StartLine,
			Source: rec.Source, RecordID: rec.ID, Path: rec.Path, URL: rec.Provenance.URL, License: rec.Provenance.License,
		},
	}
	res.extract.Units++
	res.extract.ByLanguage[lang]++
	res.extract.ByKind[u.Kind]++
	sig, ok := r.dopts.Sign(code)
	if !ok {
		sig = nil
	}
	r.mu.Lock()
	r.codeIndex.Add(p.PatternID, dedup.ExactKey(code), sig)
	r.mu.Unlock()
	return res.patterns.add(&p)
}

// tags describe a unit: language, kind, async, decorators, imports used,
// test code.
func tags(lang string, u *extract.Unit) []string {
	t := []string{strings.ToLower(lang), u.Kind}
	if u.Async {
		t = append(t, "async")
	}
	if u.Test {
		t = append(t, "test")
	}
	if u.Typed {
		t = append(t, "typed")
	}
	for _, d := range u.Decorators {
		t = append(t, "decorator:"+d)
	}
	for _, i := range u.Imports {
		t = append(t, "import:"+i)
	}
	sort.Strings(t[2:])
	return t
}

func (r *run) text(rec *record.Raw, where string, res *shardResult) error {
	text, drop := normalize.Text(rec.Text)
	if drop != "" {
		r.skip(res, where, rec.ID, "text: "+drop)
		return nil
	}
	if rec.Kind == record.KindFunction && len(strings.Fields(text)) < r.cfg.MinDocWords {
		res.dropped["text: docstring shorter than min_doc_words"]++
		return nil
	}
	text, counts := r.red.Redact(text)
	res.redacted.Add(counts)
	if rec.Kind == record.KindDoc {
		res.addPage(rec, text)
	}
	typ := textType[rec.Kind]
	if typ == "" {
		typ = "text"
	}
	lang := rec.Language
	if rec.Kind == record.KindFunction || rec.Kind == record.KindFile || lang == "" {
		lang = "en" // the language of a docstring is not recorded upstream
	}
	pieces := splitText(r, text)
	for _, pc := range pieces {
		n := NLP{
			TextID: stableID(rec.ID, strconv.Itoa(pc.Index)), Content: pc.Text, Type: typ,
			Metadata: NLPMeta{
				Source: rec.Source, Language: lang, EmbeddingModel: r.emb.Name(), Tokens: pc.Tokens,
				Piece: pc.Index, Pieces: len(pieces), ContentHash: contentHash(pc.Text), RecordID: rec.ID,
				Title: rec.Title, URL: rec.Provenance.URL, License: rec.Provenance.License,
			},
		}
		res.tokens += int64(pc.Tokens)
		sig, ok := r.dopts.Sign(pc.Text)
		if !ok {
			sig = nil
		}
		r.mu.Lock()
		r.textIndex.Add(n.TextID, dedup.ExactKey(pc.Text), sig)
		r.mu.Unlock()
		if err := res.texts.add(&n); err != nil {
			return err
		}
	}
	return nil
}
