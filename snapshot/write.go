package snapshot

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/human2/hds/manifest"
	"github.com/human2/hds/progress"
	"github.com/human2/hds/repo"
)

// target is a file to write: a path and its manifest blob.
type target struct {
	Path string
	Blob repo.Hash
}

// written is a file written, for the stat cache.
type written struct {
	Path    string
	Stat    fileStat
	Blob    repo.Hash
	Records int64
	Seen    time.Time
}

// fileWriter materializes versions of files under root. Manifests are read
// and files created by one pool; their chunks are fetched, verified and
// written at their offsets by another, so one large file uses every core.
type fileWriter struct {
	r       *repo.Repo
	root    string
	replace bool // write to a temporary name and rename over what is there
	workers int
	prog    progress.Reporter

	dirs sync.Map // directories known to exist as real directories

	mu  sync.Mutex
	out []written
}

type outFile struct {
	t       target
	m       *manifest.File
	f       *os.File
	tmp     string // temporary path when replacing, else ""
	final   string
	pending atomic.Int64
	bad     atomic.Bool // a chunk failed or was never queued: remove the file
}

type chunkTask struct {
	of  *outFile
	off int64
	c   manifest.Chunk
}

func newFileWriter(r *repo.Repo, root string, replace bool, workers int, prog progress.Reporter) *fileWriter {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	return &fileWriter{r: r, root: root, replace: replace, workers: workers, prog: progress.Or(prog)}
}

// writeAll writes every target; on error some files may be written.
func (w *fileWriter) writeAll(ctx context.Context, targets []target) ([]written, error) {
	g, gctx := errgroup.WithContext(ctx)
	tasks := make(chan chunkTask, 8*w.workers)
	files := make(chan target)
	g.Go(func() error {
		defer close(files)
		for _, t := range targets {
			select {
			case files <- t:
			case <-gctx.Done():
				return gctx.Err()
			}
		}
		return nil
	})
	var openers sync.WaitGroup
	for i := 0; i < w.workers; i++ {
		openers.Add(1)
		g.Go(func() error {
			defer openers.Done()
			for t := range files {
				if err := w.open(gctx, t, tasks); err != nil {
					return err
				}
			}
			return nil
		})
	}
	g.Go(func() error { openers.Wait(); close(tasks); return nil })
	for i := 0; i < w.workers; i++ {
		g.Go(func() error { return w.fetch(gctx, tasks) })
	}
	err := g.Wait()
	return w.out, err
}

// open reads t's manifest, creates the file and queues its chunks.
func (w *fileWriter) open(ctx context.Context, t target, tasks chan<- chunkTask) error {
	m, err := w.r.Manifest(t.Blob)
	if err != nil {
		return fmt.Errorf("%s: %w", t.Path, err)
	}
	final := filepath.Join(w.root, filepath.FromSlash(t.Path))
	if err := w.ensureDir(path.Dir(t.Path)); err != nil {
		return err
	}
	if m.Type == manifest.TypeSymlink {
		return w.symlink(t, m, final)
	}
	of := &outFile{t: t, m: m, final: final}
	if w.replace {
		of.f, err = os.CreateTemp(filepath.Dir(final), ".hds-tmp-")
		if err == nil {
			of.tmp = of.f.Name()
		}
	} else {
		of.f, err = os.OpenFile(final, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", t.Path, err)
	}
	if err := of.f.Truncate(m.Size); err != nil {
		of.abort()
		return fmt.Errorf("write %s: %w", t.Path, err)
	}
	if len(m.Chunks) == 0 {
		return w.finish(of)
	}
	of.pending.Store(int64(len(m.Chunks)))
	var off int64
	for _, c := range m.Chunks {
		select {
		case tasks <- chunkTask{of: of, off: off, c: c}:
		case <-ctx.Done():
			// Chunks already queued are drained by fetch, which closes the
			// file when the count reaches zero; the rest are dropped here.
			of.bad.Store(true)
			if of.pending.Add(-countFrom(m.Chunks, off)) == 0 {
				of.abort()
			}
			return ctx.Err()
		}
		off += int64(c.Len)
	}
	return nil
}

// countFrom is the number of chunks at or after byte offset off.
func countFrom(cs []manifest.Chunk, off int64) int64 {
	var pos int64
	for i, c := range cs {
		if pos >= off {
			return int64(len(cs) - i)
		}
		pos += int64(c.Len)
	}
	return 0
}

// fetch writes queued chunks. It keeps draining after a failure so that
// every file gets closed.
func (w *fileWriter) fetch(ctx context.Context, tasks <-chan chunkTask) error {
	var first error
	buf := make([]byte, 0, max(w.r.Config.ChunkMax, w.r.Config.RecordChunkMax))
	for t := range tasks {
		if first == nil && ctx.Err() == nil {
			if err := w.writeChunk(ctx, t, &buf); err != nil {
				first = err
				t.of.bad.Store(true)
			}
		} else {
			t.of.bad.Store(true)
		}
		if t.of.pending.Add(-1) == 0 {
			if t.of.bad.Load() {
				t.of.abort()
			} else if err := w.finish(t.of); err != nil && first == nil {
				first = err
			}
		}
	}
	return first
}

func (w *fileWriter) writeChunk(ctx context.Context, t chunkTask, buf *[]byte) error {
	data, err := w.r.Chunks.Get(ctx, t.c.ID, (*buf)[:0])
	if err != nil {
		return fmt.Errorf("%s at offset %d: %w", t.of.t.Path, t.off, err)
	}
	*buf = data
	if len(data) != int(t.c.Len) {
		return fmt.Errorf("%s: chunk %s at offset %d has %d bytes, manifest says %d", t.of.t.Path, t.c.ID.Short(), t.off, len(data), t.c.Len)
	}
	if _, err := t.of.f.WriteAt(data, t.off); err != nil {
		return fmt.Errorf("write %s: %w", t.of.t.Path, err)
	}
	w.prog.Add(0, int64(len(data)))
	return nil
}

// abort closes and removes a partly written file.
func (of *outFile) abort() {
	of.f.Close()
	if of.tmp != "" {
		os.Remove(of.tmp)
	} else {
		os.Remove(of.final)
	}
}

// finish sets the mode, closes, renames into place and records the stat.
func (w *fileWriter) finish(of *outFile) error {
	m := of.m
	err := of.f.Chmod(m.Mode)
	if cerr := of.f.Close(); err == nil {
		err = cerr
	}
	if err == nil && of.tmp != "" {
		err = w.replaceWith(of.tmp, of.final)
	}
	if err != nil {
		of.abort()
		return fmt.Errorf("write %s: %w", of.t.Path, err)
	}
	return w.done(of.t, m, of.final)
}

// replaceWith renames tmp over final; a directory in the way is removed
// if it is empty.
func (w *fileWriter) replaceWith(tmp, final string) error {
	err := os.Rename(tmp, final)
	if err != nil {
		if fi, serr := os.Lstat(final); serr == nil && fi.IsDir() {
			if rerr := os.Remove(final); rerr == nil {
				err = os.Rename(tmp, final)
			}
		}
	}
	return err
}

func (w *fileWriter) symlink(t target, m *manifest.File, final string) error {
	if w.replace {
		tmp := filepath.Join(filepath.Dir(final), fmt.Sprintf(".hds-tmp-link-%d-%d", os.Getpid(), time.Now().UnixNano()))
		if err := os.Symlink(m.Target, tmp); err != nil {
			return fmt.Errorf("write %s: %w", t.Path, err)
		}
		if err := w.replaceWith(tmp, final); err != nil {
			os.Remove(tmp)
			return fmt.Errorf("write %s: %w", t.Path, err)
		}
	} else if err := os.Symlink(m.Target, final); err != nil {
		return fmt.Errorf("write %s: %w", t.Path, err)
	}
	return w.done(t, m, final)
}

func (w *fileWriter) done(t target, m *manifest.File, final string) error {
	fi, err := os.Lstat(final)
	if err != nil {
		return fmt.Errorf("write %s: %w", t.Path, err)
	}
	w.prog.Add(1, 0)
	w.mu.Lock()
	w.out = append(w.out, written{Path: t.Path, Stat: statOf(fi), Blob: t.Blob, Records: m.Records, Seen: time.Now()})
	w.mu.Unlock()
	return nil
}

// ensureDir creates dir (slash-separated, relative to the root) and its
// parents, refusing to go through a symbolic link or a file: a version can
// never make hds write outside the directory it materializes into. In
// replace mode a file in the way is removed (the caller has checked it is
// not an uncommitted change).
func (w *fileWriter) ensureDir(dir string) error {
	if dir == "." || dir == "" {
		return nil
	}
	if _, ok := w.dirs.Load(dir); ok {
		return nil
	}
	if err := w.ensureDir(path.Dir(dir)); err != nil {
		return err
	}
	abs := filepath.Join(w.root, filepath.FromSlash(dir))
	fi, err := os.Lstat(abs)
	switch {
	case err == nil && fi.IsDir():
		w.dirs.Store(dir, true)
		return nil
	case err == nil && w.replace && fi.Mode()&fs.ModeType != fs.ModeDir:
		if err := os.Remove(abs); err != nil {
			return fmt.Errorf("replace %s with a directory: %w", dir, err)
		}
	case err == nil:
		return fmt.Errorf("%s: %w: it exists and is not a directory", dir, repo.ErrUnsafePath)
	case !os.IsNotExist(err):
		return err
	}
	if err := os.Mkdir(abs, 0o755); err != nil && !os.IsExist(err) {
		return fmt.Errorf("create directory %s: %w", dir, err)
	}
	return w.ensureDir2(abs, dir)
}

// ensureDir2 re-checks after Mkdir that a concurrent opener made a
// directory, not something else.
func (w *fileWriter) ensureDir2(abs, dir string) error {
	fi, err := os.Lstat(abs)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s: %w: it exists and is not a directory", dir, repo.ErrUnsafePath)
	}
	w.dirs.Store(dir, true)
	return nil
}
