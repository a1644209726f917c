package collectors

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/human2/hds/internal/atomicfile"
	"github.com/human2/hds/progress"
	"github.com/human2/hds/record"
)

// maxOpenStaging bounds the staging files kept open at once.
const maxOpenStaging = 64

// writer stages emitted records in one file per shard under tmp and merges
// them into dir/<shard>.jsonl at the end of a run.
type writer struct {
	dir, tmp string

	mu     sync.Mutex
	open   map[string]*stagingFile
	staged map[string]bool
	tick   int
}

type stagingFile struct {
	f    *os.File
	bw   *bufio.Writer
	used int
}

func newWriter(dir, tmp string) *writer {
	return &writer{dir: dir, tmp: tmp, open: map[string]*stagingFile{}, staged: map[string]bool{}}
}

// encodeRecord is the one encoding of a record in a shard file: JSON
// without HTML escaping, map keys sorted, one line.
func encodeRecord(r *record.Raw) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return nil, fmt.Errorf("encode record %s: %w", r.ID, err)
	}
	return buf.Bytes(), nil
}

func (w *writer) stage(shard string, r *record.Raw) (int, error) {
	line, err := encodeRecord(r)
	if err != nil {
		return 0, err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	sf, err := w.file(shard)
	if err != nil {
		return 0, err
	}
	if _, err := sf.bw.Write(line); err != nil {
		return 0, fmt.Errorf("stage record %s: %w", r.ID, err)
	}
	return len(line), nil
}

// file returns the open staging file of shard, closing the least recently
// used one when too many are open.
func (w *writer) file(shard string) (*stagingFile, error) {
	w.tick++
	if sf, ok := w.open[shard]; ok {
		sf.used = w.tick
		return sf, nil
	}
	if len(w.open) >= maxOpenStaging {
		oldest := ""
		for name, sf := range w.open {
			if oldest == "" || sf.used < w.open[oldest].used {
				oldest = name
			}
		}
		if err := w.closeFile(oldest); err != nil {
			return nil, err
		}
	}
	f, err := os.OpenFile(filepath.Join(w.tmp, shard+".jsonl"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("stage shard %s: %w", shard, err)
	}
	sf := &stagingFile{f: f, bw: bufio.NewWriterSize(f, 256<<10), used: w.tick}
	w.open[shard] = sf
	w.staged[shard] = true
	return sf, nil
}

func (w *writer) closeFile(shard string) error {
	sf := w.open[shard]
	delete(w.open, shard)
	err := sf.bw.Flush()
	if cerr := sf.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("stage shard %s: %w", shard, err)
	}
	return nil
}

func (w *writer) discard() { _ = os.RemoveAll(w.tmp) }

type mergeStats struct {
	added, updated, unchanged int
	written                   []string
}

// merge folds every staged shard into its shard file, in name order.
func (w *writer) merge(ctx context.Context, p progress.Reporter) (mergeStats, error) {
	var st mergeStats
	w.mu.Lock()
	defer w.mu.Unlock()
	for name := range w.open {
		if err := w.closeFile(name); err != nil {
			return st, err
		}
	}
	shards := make([]string, 0, len(w.staged))
	for s := range w.staged {
		shards = append(shards, s)
	}
	sort.Strings(shards)
	p.SetTotal(int64(len(shards)), 0)
	if len(shards) > 0 {
		if err := os.MkdirAll(w.dir, 0o755); err != nil {
			return st, fmt.Errorf("create %s: %w", w.dir, err)
		}
	}
	for _, s := range shards {
		if err := ctx.Err(); err != nil {
			return st, err
		}
		changed, err := mergeShard(filepath.Join(w.tmp, s+".jsonl"), filepath.Join(w.dir, s+".jsonl"), &st)
		if err != nil {
			return st, err
		}
		if changed {
			st.written = append(st.written, s)
		}
		p.Add(1, 0)
	}
	if len(st.written) > 0 {
		return st, atomicfile.SyncDir(w.dir)
	}
	return st, nil
}

// stagedLine is one staged record: its id and encoded line.
type stagedLine struct {
	id   string
	line []byte
}

// readStaged reads a staging file; a later record with the same id wins.
func readStaged(path string) ([]stagedLine, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	byID := map[string][]byte{}
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		line := b[:i+1]
		b = b[i+1:]
		id, err := lineID(line)
		if err != nil {
			return nil, fmt.Errorf("staged %s: %w", path, err)
		}
		byID[id] = line
	}
	out := make([]stagedLine, 0, len(byID))
	for id, line := range byID {
		out = append(out, stagedLine{id, line})
	}
	slices.SortFunc(out, func(a, b stagedLine) int { return cmpStr(a.id, b.id) })
	return out, nil
}

func cmpStr(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func lineID(line []byte) (string, error) {
	var v struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(line, &v); err != nil {
		return "", err
	}
	if v.ID == "" {
		return "", errors.New("record without id")
	}
	return v.ID, nil
}

// mergeShard writes the union of the shard file and the staged records,
// sorted by id, to a temporary file and renames it over the shard file if
// anything changed. It reports whether it did. The temporary file sits
// beside the staged one, under .hds: one a kill leaves in data/ would be
// committed with the dataset.
func mergeShard(stagedPath, path string, st *mergeStats) (bool, error) {
	staged, err := readStaged(stagedPath)
	if err != nil {
		return false, err
	}
	old, err := os.Open(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, fmt.Errorf("open %s: %w", path, err)
	}
	var rd *bufio.Reader
	if old != nil {
		defer old.Close()
		rd = bufio.NewReaderSize(old, 1<<20)
	}
	tmp, err := os.CreateTemp(filepath.Dir(stagedPath), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return false, fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	defer tmp.Close()
	out := bufio.NewWriterSize(tmp, 1<<20)
	m := merger{path: path, rd: rd, out: out, st: st}
	if err := m.run(staged); err != nil {
		return false, err
	}
	if !m.changed {
		return false, nil
	}
	if err := out.Flush(); err != nil {
		return false, fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return false, fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return false, fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return false, fmt.Errorf("replace %s: %w", path, err)
	}
	return true, nil
}

// merger walks the sorted shard file and the sorted staged records in step.
type merger struct {
	path    string
	rd      *bufio.Reader // nil: no shard file yet
	out     *bufio.Writer
	st      *mergeStats
	line    int
	lastID  string
	changed bool
}

// next returns the next record of the shard file, or ok=false at its end.
func (m *merger) next() (id string, line []byte, ok bool, err error) {
	if m.rd == nil {
		return "", nil, false, nil
	}
	for {
		line, err = m.rd.ReadBytes('\n')
		if err == io.EOF && len(line) == 0 {
			return "", nil, false, nil
		}
		if err != nil && err != io.EOF {
			return "", nil, false, fmt.Errorf("read %s: %w", m.path, err)
		}
		m.line++
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if line[len(line)-1] != '\n' {
			line = append(line, '\n')
		}
		id, err = lineID(line)
		if err != nil {
			return "", nil, false, fmt.Errorf("%s:%d: %v (fix or remove the line, then collect again)", m.path, m.line, err)
		}
		if id <= m.lastID && m.lastID != "" {
			return "", nil, false, fmt.Errorf("%s:%d: records are not sorted by id (was the file edited by hand? sort it or remove it and collect again)", m.path, m.line)
		}
		m.lastID = id
		return id, line, true, nil
	}
}

func (m *merger) run(staged []stagedLine) error {
	id, line, ok, err := m.next()
	for err == nil && (ok || len(staged) > 0) {
		switch {
		case ok && (len(staged) == 0 || id < staged[0].id):
			err = m.write(line)
		case ok && id == staged[0].id:
			err = m.replace(line, staged[0].line)
			staged = staged[1:]
		default:
			m.changed = true
			m.st.added++
			err = m.write(staged[0].line)
			staged = staged[1:]
			continue
		}
		if err == nil {
			id, line, ok, err = m.next()
		}
	}
	return err
}

// replace writes the stored line if the new one differs from it only in the
// fetch time, and the new line otherwise.
func (m *merger) replace(old, new []byte) error {
	if sameRecord(old, new) {
		m.st.unchanged++
		return m.write(old)
	}
	m.changed = true
	m.st.updated++
	return m.write(new)
}

func (m *merger) write(line []byte) error {
	_, err := m.out.Write(line)
	return err
}

// sameRecord reports whether two encoded records are equal but for the
// fetch time.
func sameRecord(a, b []byte) bool {
	if bytes.Equal(a, b) {
		return true
	}
	var ra, rb record.Raw
	if json.Unmarshal(a, &ra) != nil || json.Unmarshal(b, &rb) != nil {
		return false
	}
	ra.Provenance.FetchedAt, rb.Provenance.FetchedAt = time.Time{}, time.Time{}
	ea, err1 := encodeRecord(&ra)
	eb, err2 := encodeRecord(&rb)
	return err1 == nil && err2 == nil && bytes.Equal(ea, eb)
}
