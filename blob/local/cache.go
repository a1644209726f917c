package local

import (
	"container/list"
	"os"
	"sync"

	"github.com/human2/hds/blob"
)

// MaxOpenFiles bounds the files Get keeps open between calls.
const MaxOpenFiles = 64

// openFile is a cached read-only file. It is closed once it has left the
// cache (stale) and no reader holds it (refs == 0).
type openFile struct {
	name  string
	f     *os.File
	size  int64
	refs  int
	stale bool
	elem  *list.Element
}

// fileCache is a least-recently-used cache of open files.
type fileCache struct {
	mu     sync.Mutex
	max    int
	files  map[string]*openFile
	lru    list.List // front: most recently used
	gen    uint64    // bumped by forget, so a file opened before it is not cached
	closed bool
}

func (c *fileCache) init(max int) {
	c.max = max
	c.files = make(map[string]*openFile)
}

func (c *fileCache) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// acquire returns the open file of name, opening path if needed. The
// caller must release it.
func (c *fileCache) acquire(name, path string) (*openFile, error) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil, blob.ErrClosed
	}
	if of := c.files[name]; of != nil {
		of.refs++
		c.lru.MoveToFront(of.elem)
		c.mu.Unlock()
		return of, nil
	}
	gen := c.gen
	c.mu.Unlock()

	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = os.ErrNotExist
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	of := &openFile{name: name, f: f, size: fi.Size(), refs: 1}

	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.closed:
		f.Close()
		return nil, blob.ErrClosed
	case c.gen != gen || c.files[name] != nil:
		of.stale = true // use once: the cache changed while we opened it
	default:
		c.files[name] = of
		of.elem = c.lru.PushFront(of)
		c.evict()
	}
	return of, nil
}

func (c *fileCache) evict() {
	for c.lru.Len() > c.max {
		c.drop(c.lru.Back().Value.(*openFile))
	}
}

// drop removes of from the cache, closing it if no reader holds it.
func (c *fileCache) drop(of *openFile) {
	c.lru.Remove(of.elem)
	delete(c.files, of.name)
	of.stale = true
	if of.refs == 0 {
		of.f.Close()
	}
}

func (c *fileCache) release(of *openFile) {
	c.mu.Lock()
	defer c.mu.Unlock()
	of.refs--
	if of.stale && of.refs == 0 {
		of.f.Close()
	}
}

// forget drops name because its file was replaced or removed.
func (c *fileCache) forget(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	if of := c.files[name]; of != nil {
		c.drop(of)
	}
}

func (c *fileCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	for _, of := range c.files {
		c.drop(of)
	}
}
