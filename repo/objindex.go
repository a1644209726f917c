package repo

import (
	"bufio"
	"fmt"
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

// load reads the index of every complete pack (listPacks); an unreadable
// one is skipped (go-git then reports the problem when the object is read).
func (p *packedObjects) load() {
	p.loaded = true
	dir := filepath.Join(p.dir, "pack")
	names, _ := listPacks(dir)
	for _, name := range names {
		if idx, err := readIndex(filepath.Join(dir, name+".idx")); err == nil {
			p.idx = append(p.idx, idx)
		}
	}
}

// listPacks returns the names (without extension) of the git packs in dir
// that have both their pack and their index. An index without its pack is
// what a crash between writing the two leaves (the index goes first): its
// objects are not stored, and counting them would let a later commit skip
// writing them.
func listPacks(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range ents {
		name, ok := strings.CutSuffix(e.Name(), ".pack")
		if !ok || strings.HasPrefix(name, ".") {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, name+".idx")); err == nil {
			out = append(out, name)
		}
	}
	return out, nil
}

// readIndex decodes a pack index.
func readIndex(path string) (*idxfile.MemoryIndex, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	idx := idxfile.NewMemoryIndex()
	if err := idxfile.NewDecoder(bufio.NewReaderSize(f, 64<<10)).Decode(idx); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return idx, nil
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
