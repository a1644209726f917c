package snapshot

import (
	"context"
	"fmt"
	"io"
	"runtime"

	"golang.org/x/sync/errgroup"

	"github.com/human2/hds/manifest"
	"github.com/human2/hds/repo"
)

// CopyFile writes the content m describes to w, in order. Chunks are
// fetched and verified a few ahead on all cores; memory holds at most
// twice the worker count of chunks. name is used in error messages.
func CopyFile(ctx context.Context, r *repo.Repo, name string, m *manifest.File, w io.Writer) error {
	if m.Type == manifest.TypeSymlink {
		_, err := io.WriteString(w, m.Target)
		return err
	}
	workers := runtime.GOMAXPROCS(0)
	type fetched struct {
		c    manifest.Chunk
		off  int64
		data []byte
		err  error
		done chan struct{}
	}
	g, gctx := errgroup.WithContext(ctx)
	order := make(chan *fetched, 2*workers)
	jobs := make(chan *fetched, 2*workers)
	g.Go(func() error {
		defer close(order)
		defer close(jobs)
		var off int64
		for _, c := range m.Chunks {
			f := &fetched{c: c, off: off, done: make(chan struct{})}
			off += int64(c.Len)
			select {
			case order <- f:
			case <-gctx.Done():
				return gctx.Err()
			}
			jobs <- f
		}
		return nil
	})
	for i := 0; i < workers; i++ {
		g.Go(func() error {
			for f := range jobs {
				f.data, f.err = r.Chunks.Get(gctx, f.c.ID, nil)
				if f.err == nil && len(f.data) != int(f.c.Len) {
					f.err = fmt.Errorf("has %d bytes, manifest says %d", len(f.data), f.c.Len)
				}
				close(f.done)
			}
			return nil
		})
	}
	g.Go(func() error {
		for f := range order {
			select {
			case <-f.done:
			case <-gctx.Done():
				return gctx.Err()
			}
			if f.err != nil {
				return fmt.Errorf("%s at offset %d: chunk %s: %w", name, f.off, f.c.ID.Short(), f.err)
			}
			if _, err := w.Write(f.data); err != nil {
				return err
			}
		}
		return nil
	})
	return g.Wait()
}
