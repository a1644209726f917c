package process

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/human2/hds/internal/atomicfile"
	"github.com/human2/hds/process/dedup"
	"github.com/human2/hds/process/embed"
	"github.com/human2/hds/process/redact"
	"github.com/human2/hds/process/tokenize"
	"github.com/human2/hds/progress"
)

// Output directories, relative to the root.
const (
	RawDir           = "data/raw"
	PatternsDir      = "data/code_patterns"
	NLPDir           = "data/nlp_training"
	DocumentationDir = "data/documentation"
)

// Options configure a Run.
type Options struct {
	Config   Config
	Embedder embed.Embedder // nil: from Config
	Progress progress.Reporter
	Workers  int // 0: GOMAXPROCS
}

// run holds the state shared by the workers of one Run.
type run struct {
	root  string
	tmp   string
	o     Options
	cfg   Config
	rep   *Report
	tok   tokenize.Tokenizer
	red   *redact.Redactor
	emb   embed.Embedder
	dopts dedup.Options
	langs map[string]bool
	p     progress.Reporter

	mu        sync.Mutex
	codeIndex *dedup.Index
	textIndex *dedup.Index
	calls     map[string]int
	examples  examples
}

// rawShard is one input file: data/raw/<source>/<name>.jsonl.
type rawShard struct {
	source, name, path string
}

func (s rawShard) key() string { return s.source + "/" + s.name }

// Run processes every raw shard under root and writes the outputs and
// the report. It replaces output files atomically and only when their
// content changes; output files no raw shard produces any more are removed.
func Run(ctx context.Context, root string, o Options) (*Report, error) {
	start := time.Now()
	r, err := newRun(root, o)
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(r.tmp)
	shards, err := listRaw(root)
	if err != nil {
		return nil, err
	}
	if len(shards) == 0 {
		return nil, fmt.Errorf("process: no raw records under %s (collect some first: hds collect --help)", filepath.Join(root, RawDir))
	}
	if err := r.firstPass(ctx, shards); err != nil {
		return nil, err
	}
	codeDups, textDups := r.resolve()
	if err := r.secondPass(ctx, shards, codeDups, textDups); err != nil {
		return nil, err
	}
	r.rep.Seconds = time.Since(start).Seconds()
	return r.rep, r.writeReport()
}

func newRun(root string, o Options) (*run, error) {
	cfg := o.Config
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	tok, err := tokenize.CL100k()
	if err != nil {
		return nil, err
	}
	emb := o.Embedder
	if emb == nil {
		if emb, err = newEmbedder(cfg.Embedder); err != nil {
			return nil, err
		}
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	tmp, err := os.MkdirTemp(filepath.Join(root, ".hds"), "process-")
	if err != nil {
		return nil, fmt.Errorf("process: %w (is %s an hds repository?)", err, root)
	}
	r := &run{
		root: root, tmp: tmp, o: o, cfg: cfg, rep: newReport(cfg), tok: tok, red: redact.New(), emb: emb,
		dopts: cfg.dedupOptions(), calls: map[string]int{}, p: progress.Or(o.Progress),
	}
	if err := r.dopts.Validate(); err != nil {
		return nil, err
	}
	r.codeIndex, _ = dedup.NewIndex(r.dopts)
	r.textIndex, _ = dedup.NewIndex(r.dopts)
	r.langs = map[string]bool{}
	for _, l := range cfg.Languages {
		r.langs[l] = true
	}
	r.rep.Embed.Model = emb.Name()
	r.rep.Dedup.Bands, r.rep.Dedup.Rows, r.rep.Dedup.Threshold = r.dopts.Bands, r.dopts.Rows, r.dopts.Threshold
	return r, nil
}

func newEmbedder(c EmbedConfig) (embed.Embedder, error) {
	if c.Kind == "http" {
		return embed.NewHTTP(embed.HTTPOptions{URL: c.URL, Model: c.Model, APIKey: os.Getenv("HDS_EMBED_API_KEY"), Batch: c.Batch})
	}
	return embed.NewHashing(c.Dim), nil
}

// listRaw finds data/raw/<source>/*.jsonl, sorted.
func listRaw(root string) ([]rawShard, error) {
	files, err := filepath.Glob(filepath.Join(root, RawDir, "*", "*.jsonl"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	out := make([]rawShard, 0, len(files))
	for _, f := range files {
		out = append(out, rawShard{
			source: filepath.Base(filepath.Dir(f)),
			name:   strings.TrimSuffix(filepath.Base(f), ".jsonl"),
			path:   f,
		})
	}
	return out, nil
}

// forEach runs fn over the shards on the run's workers.
func (r *run) forEach(ctx context.Context, shards []rawShard, fn func(context.Context, int, rawShard) error) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(r.o.Workers)
	for i, s := range shards {
		g.Go(func() error { return fn(gctx, i, s) })
	}
	return g.Wait()
}

func (r *run) resolve() (code, text *dedup.Result) {
	code, text = r.codeIndex.Resolve(), r.textIndex.Resolve()
	r.rep.Dedup.CodeExact, r.rep.Dedup.CodeNear = code.Counts()
	r.rep.Dedup.TextExact, r.rep.Dedup.TextNear = text.Counts()
	r.codeIndex, r.textIndex = nil, nil
	return code, text
}

func (r *run) writeReport() error {
	b, err := json.MarshalIndent(r.rep, "", "  ")
	if err != nil {
		return err
	}
	path := filepath.Join(r.root, ReportFile)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return writeIfChanged(r.tmp, path, append(b, '\n'), nil)
}

// writeIfChanged replaces path with data unless it already holds exactly
// that, so unchanged outputs keep their stat entry and cost nothing to
// commit. It reports through changed when given. The temporary file goes
// in tmpDir (the run's directory under .hds), never beside the output.
func writeIfChanged(tmpDir, path string, data []byte, changed *bool) error {
	if old, err := os.ReadFile(path); err == nil && string(old) == string(data) {
		return nil
	}
	if changed != nil {
		*changed = true
	}
	return atomicfile.WriteVia(tmpDir, path, data)
}
