package snapshot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/human2/hds/chunk"
	"github.com/human2/hds/chunker"
	"github.com/human2/hds/manifest"
	"github.com/human2/hds/progress"
	"github.com/human2/hds/repo"
)

// openForRead opens a worktree file for the commit pipeline; tests replace
// it to inject read faults that root cannot get from chmod.
var openForRead = func(name string) (readFile, error) { return os.Open(name) }

// readFile is the part of *os.File the pipeline uses.
type readFile interface {
	io.Reader
	Stat() (fs.FileInfo, error)
	Close() error
}

// errChanged reports a file that changed while it was read.
var errChanged = errors.New("changed while being read")

// readAttempts is how often a file that changes under us is re-read.
const readAttempts = 3

// stored is a file turned into a manifest, with the stat of the content
// that was read.
type stored struct {
	M    *manifest.File
	Blob []byte // the manifest's encoding
	Stat fileStat
	Seen time.Time // when the content was read (for racy detection)
}

// pipeline turns files into manifests: readers chunk and hash files (one
// file per reader at a time), workers compress and store the chunks the
// store does not have. Memory is bounded by the buffer pool: workers ×
// maximum chunk size, a few times over.
type pipeline struct {
	r        *repo.Repo
	root     string
	params   chunker.Params // other files
	records  chunker.Params // line-oriented files: cut at line ends
	alg      chunk.Algorithm
	workers  int
	prog     progress.Reporter
	bufs     chan []byte // free chunk buffers; its capacity bounds memory
	jobs     chan putJob
	inflight sync.Map // chunk.ID -> struct{}: already queued in this run
	newBytes int64    // raw bytes of chunks added (guarded by mu)
	newCount int64
	mu       sync.Mutex
}

type putJob struct {
	id  chunk.ID
	buf []byte
}

func newPipeline(r *repo.Repo, root string, workers int, prog progress.Reporter) *pipeline {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	c := r.Config
	p := &pipeline{
		r: r, root: root, alg: c.Hash, workers: workers, prog: progress.Or(prog),
		params:  chunker.Params{Min: c.ChunkMin, Avg: c.ChunkAvg, Max: c.ChunkMax},
		records: chunker.Params{Min: c.RecordChunkMin, Avg: c.RecordChunkAvg, Max: c.RecordChunkMax, Records: true},
		jobs:    make(chan putJob, workers),
	}
	nbuf := 3 * workers
	p.bufs = make(chan []byte, nbuf)
	for i := 0; i < nbuf; i++ {
		p.bufs <- make([]byte, 0, max(c.ChunkMax, c.RecordChunkMax))
	}
	return p
}

// storeAll stores files and returns their manifests in the same order.
func (p *pipeline) storeAll(ctx context.Context, files []wfile) ([]stored, error) {
	out := make([]stored, len(files))
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		defer close(p.jobs)
		return p.readAll(gctx, files, out)
	})
	for i := 0; i < p.workers; i++ {
		g.Go(func() error { return p.work(gctx) })
	}
	return out, g.Wait()
}

// readAll runs the readers; each reuses one chunker.
func (p *pipeline) readAll(ctx context.Context, files []wfile, out []stored) error {
	g, gctx := errgroup.WithContext(ctx)
	next := make(chan int)
	g.Go(func() error {
		defer close(next)
		for i := range files {
			select {
			case next <- i:
			case <-gctx.Done():
				return gctx.Err()
			}
		}
		return nil
	})
	for w := 0; w < p.workers; w++ {
		g.Go(func() error {
			chs := chunkers{chunker.New(nil, p.params), chunker.New(nil, p.records)}
			for i := range next {
				s, err := p.storeFile(gctx, files[i], chs)
				if err != nil {
					return err
				}
				out[i] = s
				p.prog.Add(1, 0)
			}
			return nil
		})
	}
	return g.Wait()
}

// work stores queued chunks. It drains the queue even after a failure, so
// readers never block on a dead worker.
func (p *pipeline) work(ctx context.Context) error {
	var first error
	for j := range p.jobs {
		if first == nil && ctx.Err() == nil {
			added, err := p.r.Chunks.Put(ctx, j.id, j.buf)
			if err != nil {
				first = fmt.Errorf("store chunk %s: %w", j.id.Short(), err)
			} else if added {
				p.mu.Lock()
				p.newBytes += int64(len(j.buf))
				p.newCount++
				p.mu.Unlock()
			}
		}
		p.bufs <- j.buf[:0]
	}
	return first
}

// storeFile reads one file into a manifest, re-reading it if it changes
// underneath.
func (p *pipeline) storeFile(ctx context.Context, f wfile, chs chunkers) (stored, error) {
	for attempt := 1; ; attempt++ {
		s, err := p.readFile(ctx, f, chs)
		if err == nil {
			s.Blob, err = s.M.Bytes()
			return s, err
		}
		if !errors.Is(err, errChanged) || attempt == readAttempts {
			if errors.Is(err, errChanged) {
				err = fmt.Errorf("%s kept changing while hds read it (%d attempts); stop the program writing it, or list it in %s", f.Path, readAttempts, IgnoreFile)
			}
			return stored{}, err
		}
	}
}

// chunkers are a reader's two chunkers: plain, and record-aligned.
type chunkers [2]*chunker.Chunker

func (p *pipeline) readFile(ctx context.Context, f wfile, chs chunkers) (stored, error) {
	abs := filepath.Join(p.root, filepath.FromSlash(f.Path))
	if f.Stat.isSymlink() {
		return readSymlink(abs, f)
	}
	fh, err := openForRead(abs)
	if err != nil {
		return stored{}, fmt.Errorf("read %s: %w", f.Path, err)
	}
	defer fh.Close()
	fi, err := fh.Stat()
	if err != nil {
		return stored{}, fmt.Errorf("read %s: %w", f.Path, err)
	}
	if !fi.Mode().IsRegular() {
		return stored{}, fmt.Errorf("read %s: %w", f.Path, errChanged)
	}
	st0, seen := statOf(fi), time.Now()
	m := &manifest.File{Type: manifest.TypeFile, Mode: st0.perm(), Algorithm: p.alg, Records: manifest.NoRecords}
	lines := isLineFormat(f.Path)
	ch := chs[0]
	if lines {
		ch = chs[1]
	}
	ch.Reset(fh)
	whole := p.alg.New()
	var lc lineCounter
	for {
		data, err := ch.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return stored{}, fmt.Errorf("read %s: %w", f.Path, err)
		}
		whole.Write(data)
		if lines {
			lc.write(data)
		}
		id := p.alg.Sum(data)
		m.Chunks = append(m.Chunks, manifest.Chunk{ID: id, Len: uint32(len(data))})
		m.Size += int64(len(data))
		if err := p.queue(ctx, id, data); err != nil {
			return stored{}, err
		}
		p.prog.Add(0, int64(len(data)))
	}
	copy(m.Hash[:], whole.Sum(nil))
	if lines {
		m.Records = lc.records()
	}
	fi, err = fh.Stat()
	if err != nil {
		return stored{}, fmt.Errorf("read %s: %w", f.Path, err)
	}
	if st1 := statOf(fi); st1.Size != st0.Size || st1.Mtime != st0.Mtime || m.Size != st0.Size {
		return stored{}, fmt.Errorf("read %s: %w", f.Path, errChanged)
	}
	return stored{M: m, Stat: st0, Seen: seen}, nil
}

// queue hands a chunk the store lacks to the workers (copying it into a
// pooled buffer); known chunks cost nothing more.
func (p *pipeline) queue(ctx context.Context, id chunk.ID, data []byte) error {
	if p.r.Chunks.Has(id) {
		return nil
	}
	if _, dup := p.inflight.LoadOrStore(id, struct{}{}); dup {
		return nil
	}
	var buf []byte
	select {
	case buf = <-p.bufs:
	case <-ctx.Done():
		return ctx.Err()
	}
	buf = append(buf[:0], data...)
	select {
	case p.jobs <- putJob{id: id, buf: buf}:
		return nil
	case <-ctx.Done():
		p.bufs <- buf
		return ctx.Err()
	}
}

func readSymlink(abs string, f wfile) (stored, error) {
	target, err := os.Readlink(abs)
	if err != nil {
		return stored{}, fmt.Errorf("read link %s: %w", f.Path, err)
	}
	fi, err := os.Lstat(abs)
	if err != nil {
		return stored{}, fmt.Errorf("read link %s: %w", f.Path, err)
	}
	if fi.Mode()&fs.ModeSymlink == 0 || fi.Size() != int64(len(target)) {
		return stored{}, fmt.Errorf("read link %s: %w", f.Path, errChanged)
	}
	m := &manifest.File{Type: manifest.TypeSymlink, Mode: 0o777, Size: int64(len(target)), Target: target, Records: manifest.NoRecords}
	return stored{M: m, Stat: statOf(fi), Seen: time.Now()}, nil
}
