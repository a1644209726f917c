package repo

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/go-git/go-git/v5/plumbing/format/idxfile"
)

// packedObjects answers "is this git object stored?" from the pack indexes
// it loads once. go-git's own check first opens the loose-object path, one
// failing system call per object; a commit of 20,000 unchanged files asks
// about thousands of trees, so that cost alone broke the no-change target.
// hds writes only packs; loose objects (from the git CLI) are still found,
// by a stat, but only for objects no pack holds.
type packedObjects struct {
	dir    string // .hds/objects
	mu     sync.Mutex
	loaded bool
	idx    []*idxfile.MemoryIndex
	added  map[Hash]bool // written by this process
}

func (p *packedObjects) has(h Hash) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.added[h] {
		return true
	}
	if !p.loaded {
		p.load()
	}
	for _, idx := range p.idx {
		if ok, _ := idx.Contains(h); ok {
			return true
		}
	}
	s := h.String()
	_, err := os.Stat(filepath.Join(p.dir, s[:2], s[2:]))
	return err == nil
}

// load reads every pack index that has its pack; an unreadable one is
// skipped (go-git then reports the problem when the object is read).
func (p *packedObjects) load() {
	p.loaded = true
	ents, _ := os.ReadDir(filepath.Join(p.dir, "pack"))
	for _, e := range ents {
		if !strings.HasSuffix(e.Name(), ".idx") {
			continue
		}
		// An index whose pack is missing is what a crash between writing
		// the two leaves (the index goes first): its objects are not
		// stored, and claiming them would let a later commit skip them.
		if _, err := os.Stat(filepath.Join(p.dir, "pack", strings.TrimSuffix(e.Name(), ".idx")+".pack")); err != nil {
			continue
		}
		f, err := os.Open(filepath.Join(p.dir, "pack", e.Name()))
		if err != nil {
			continue
		}
		idx := idxfile.NewMemoryIndex()
		if err := idxfile.NewDecoder(bufio.NewReaderSize(f, 64<<10)).Decode(idx); err == nil {
			p.idx = append(p.idx, idx)
		}
		f.Close()
	}
}

// add records objects this process wrote.
func (p *packedObjects) add(hs []Hash) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.added == nil {
		p.added = map[Hash]bool{}
	}
	for _, h := range hs {
		p.added[h] = true
	}
}

// reset forgets the loaded indexes, after packs were replaced.
func (p *packedObjects) reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.loaded, p.idx = false, nil
}
