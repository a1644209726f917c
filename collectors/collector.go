package collectors

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/human2/hds/collectors/fetch"
	"github.com/human2/hds/progress"
	"github.com/human2/hds/record"
)

// Collector fetches records from one source.
type Collector interface {
	// Name is the source name; records go to data/raw/<Name>/.
	Name() string
	// Version is the collector's version, recorded in every record's
	// provenance. Bump it when the records it writes change shape.
	Version() string
	// Collect fetches records and passes them to env.Emit. It returns when
	// the source is exhausted, env.Full reports true, or ctx is cancelled.
	// It advances its cursor with env.SetState only after emitting the
	// records the cursor covers.
	Collect(ctx context.Context, env *Env) error
}

// Options configure a Run.
type Options struct {
	Root     string            // dataset repository root (the directory holding .hds)
	Max      int               // stop after this many new or changed records; 0: no limit
	HTTP     *http.Client      // for network collectors; nil: a fetch client with retries
	Progress progress.Reporter // nil: no progress
	Logf     func(format string, args ...any)
	Now      func() time.Time // nil: time.Now
}

// ErrSourceName marks a collector name that cannot be a directory name.
var ErrSourceName = errors.New("collectors: invalid source name")

// Run runs c and stores what it emitted, even when it fails or ctx is
// cancelled: complete records are never thrown away. It returns the summary
// of the run and the collector's error, if any, joined with a storing error.
func Run(ctx context.Context, c Collector, o Options) (*Summary, error) {
	name := c.Name()
	if name == "" || strings.ContainsAny(name, `/\.`) {
		return nil, fmt.Errorf("%w: %q", ErrSourceName, name)
	}
	env, err := newEnv(c, o)
	if err != nil {
		return nil, err
	}
	defer env.w.discard()
	start := env.now()
	env.progress.Phase("fetch " + name)
	cerr := c.Collect(ctx, env)
	env.progress.Done()
	env.sum.Interrupted = ctx.Err() != nil
	if cerr != nil && !errors.Is(cerr, context.Canceled) {
		env.sum.Errors = append(env.sum.Errors, cerr.Error())
	}
	env.progress.Phase("store " + name)
	serr := env.save(context.WithoutCancel(ctx))
	env.progress.Done()
	env.sum.Duration = env.now().Sub(start)
	return &env.sum, errors.Join(cerr, serr)
}

// Env is what a collector sees of the run. Its methods are safe for
// concurrent use.
type Env struct {
	// HTTP is the client network collectors use: it retries, backs off and
	// waits for rate limits (see package fetch).
	HTTP *http.Client
	// Now is the clock for fetch times and cursors.
	Now func() time.Time

	c        Collector
	max      int
	logf     func(string, ...any)
	progress progress.Reporter
	w        *writer
	dir      string

	mu      sync.Mutex
	state   map[string]json.RawMessage
	changed bool
	sum     Summary
}

func newEnv(c Collector, o Options) (*Env, error) {
	if o.Root == "" {
		return nil, errors.New("collectors: no repository root")
	}
	dir := filepath.Join(o.Root, "data", "raw", c.Name())
	tmp, err := os.MkdirTemp(filepath.Join(o.Root, ".hds"), "collect-"+c.Name()+"-")
	if err != nil {
		return nil, fmt.Errorf("create staging directory: %w", err)
	}
	env := &Env{
		HTTP: o.HTTP, Now: o.Now, c: c, max: o.Max, logf: o.Logf,
		progress: progress.Or(o.Progress), dir: dir,
		w:   newWriter(dir, tmp),
		sum: Summary{Source: c.Name(), Skipped: map[string]int{}},
	}
	if env.Now == nil {
		env.Now = time.Now
	}
	if env.logf == nil {
		env.logf = func(string, ...any) {}
	}
	if env.HTTP == nil {
		env.HTTP = fetch.NewClient(fetch.Options{Logf: env.logf})
	}
	if env.state, err = loadState(filepath.Join(dir, StateFile)); err != nil {
		env.w.discard()
		return nil, err
	}
	return env, nil
}

func (e *Env) now() time.Time { return e.Now() }

// Logf reports a notice to the user (a rate-limit wait, a skipped
// repository); it is not an error.
func (e *Env) Logf(format string, args ...any) { e.logf(format, args...) }

// Progress is the run's progress reporter; Emit already counts records and
// bytes, collectors may set totals.
func (e *Env) Progress() progress.Reporter { return e.progress }

// Emit stores one record in the given shard (a file name without
// extension, e.g. "psf__requests" or ShardOf(id, 16)). It fills in the
// provenance fields the collector left empty (fetch time, collector name and
// version), checks the record and stages it. A later record with the same id
// replaces an earlier one.
func (e *Env) Emit(shard string, r *record.Raw) error {
	if err := checkShard(shard); err != nil {
		return err
	}
	if r.Source == "" {
		r.Source = e.c.Name()
	}
	p := &r.Provenance
	if p.FetchedAt.IsZero() {
		p.FetchedAt = e.now().UTC().Truncate(time.Second)
	}
	if p.Collector == "" {
		p.Collector = e.c.Name()
	}
	if p.CollectorVersion == "" {
		p.CollectorVersion = e.c.Version()
	}
	if err := r.Validate(); err != nil {
		return err
	}
	n, err := e.w.stage(shard, r)
	if err != nil {
		return err
	}
	e.mu.Lock()
	e.sum.Emitted++
	e.sum.Bytes += int64(n)
	e.mu.Unlock()
	e.progress.Add(1, int64(n))
	return nil
}

// Full reports whether the run has emitted as many records as --max allows.
func (e *Env) Full() bool {
	if e.max <= 0 {
		return false
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.sum.Emitted >= e.max
}

// Skip counts an item the collector chose not to store, by reason
// ("vendored", "binary", "too large", "not modified").
func (e *Env) Skip(reason string) {
	e.mu.Lock()
	e.sum.Skipped[reason]++
	e.mu.Unlock()
}

// Error records a problem with one item that does not stop the run; the
// summary lists it. Errors that make going on pointless are returned from
// Collect instead.
func (e *Env) Error(err error) {
	e.mu.Lock()
	e.sum.Errors = append(e.sum.Errors, err.Error())
	e.mu.Unlock()
	e.logf("%v", err)
}

// State loads the cursor saved under key into v. It reports false when
// there is none.
func (e *Env) State(key string, v any) (bool, error) {
	e.mu.Lock()
	raw, ok := e.state[key]
	e.mu.Unlock()
	if !ok {
		return false, nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return false, fmt.Errorf("%s: cursor %q: %w (remove the entry to collect from scratch)", filepath.Join(e.dir, StateFile), key, err)
	}
	return true, nil
}

// SetState saves v as the cursor under key. It is written to the dataset
// with the records emitted before it when the run ends.
func (e *Env) SetState(key string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("cursor %q: %w", key, err)
	}
	e.mu.Lock()
	e.state[key] = raw
	e.changed = true
	e.mu.Unlock()
	return nil
}

// save merges the staged records into the shard files, then writes the
// state file.
func (e *Env) save(ctx context.Context) error {
	st, err := e.w.merge(ctx, e.progress)
	e.mu.Lock()
	defer e.mu.Unlock()
	e.sum.Added, e.sum.Updated, e.sum.Unchanged = st.added, st.updated, st.unchanged
	e.sum.Shards = st.written
	if err != nil {
		return err // keep the old cursor: the records it would cover are not all stored
	}
	if !e.changed {
		return nil
	}
	if err := os.MkdirAll(e.dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", e.dir, err)
	}
	return saveState(e.w.tmp, filepath.Join(e.dir, StateFile), e.state)
}

// Summary is the outcome of a run, printed by `hds collect --json`.
type Summary struct {
	Source      string         `json:"source"`
	Emitted     int            `json:"emitted"`   // records the collector produced this run
	Added       int            `json:"added"`     // new ids
	Updated     int            `json:"updated"`   // ids whose record changed
	Unchanged   int            `json:"unchanged"` // re-fetched, identical but for the fetch time
	Bytes       int64          `json:"bytes"`     // JSONL bytes emitted
	Skipped     map[string]int `json:"skipped"`   // items not stored, by reason
	Errors      []string       `json:"errors"`    // per-item errors, and the error that ended the run
	Shards      []string       `json:"shards_written"`
	Interrupted bool           `json:"interrupted"`
	Duration    time.Duration  `json:"duration_ns"`
}

// SkippedTotal is the number of skipped items over all reasons.
func (s *Summary) SkippedTotal() int {
	n := 0
	for _, v := range s.Skipped {
		n += v
	}
	return n
}

// SkipReasons returns the skip reasons sorted by name.
func (s *Summary) SkipReasons() []string {
	r := make([]string, 0, len(s.Skipped))
	for k := range s.Skipped {
		r = append(r, k)
	}
	sort.Strings(r)
	return r
}
