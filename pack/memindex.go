package pack

import (
	"container/heap"
	"encoding/binary"
	"fmt"

	"github.com/human2/hds/chunk"
)

// location says where a stored chunk is, in 16 bytes.
type location struct {
	pack   uint32 // ordinal in Store.packs
	offset uint32
	length uint32 // stored length in the low lengthBits bits, flags above
	raw    uint32
}

const lengthBits = 28

func makeLocation(pack uint32, e fileEntry) (location, error) {
	if e.Offset+uint64(e.Stored) > 1<<32-1 || e.Stored >= 1<<lengthBits || e.Flags >= 1<<(32-lengthBits) {
		return location{}, fmt.Errorf("pack: chunk %s at offset %d with %d bytes is beyond what this hds supports", e.ID.Short(), e.Offset, e.Stored)
	}
	return location{pack: pack, offset: uint32(e.Offset), length: e.Stored | e.Flags<<lengthBits, raw: e.Raw}, nil
}

func (l location) stored() uint32 { return l.length & (1<<lengthBits - 1) }
func (l location) flags() uint32  { return l.length >> lengthBits }

// fileEntry returns the on-disk form of l for id, with pack ordinal p.
func (l location) fileEntry(id chunk.ID, p uint32) fileEntry {
	return fileEntry{ID: id, Pack: p, Offset: uint64(l.offset), Stored: l.stored(), Raw: l.raw, Flags: l.flags()}
}

// entry is one chunk of the in-memory index: 48 bytes.
type entry struct {
	id  chunk.ID
	loc location
}

// sortedIndex is a slice of entries sorted by id without duplicates.
type sortedIndex []entry

// find returns the location of id by binary search.
func (s sortedIndex) find(id chunk.ID) (location, bool) {
	key := binary.BigEndian.Uint64(id[:8])
	lo, hi := 0, len(s)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		k := binary.BigEndian.Uint64(s[m].id[:8])
		if k < key || (k == key && s[m].id.Compare(id) < 0) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(s) && s[lo].id == id {
		return s[lo].loc, true
	}
	return location{}, false
}

// mergeSorted merges sorted lists into one sorted list; for an id in more
// than one list the entry of the earliest list wins.
func mergeSorted(lists []sortedIndex) sortedIndex {
	switch len(lists) {
	case 0:
		return nil
	case 1:
		return lists[0]
	}
	total := 0
	h := make(cursorHeap, 0, len(lists))
	for i, l := range lists {
		total += len(l)
		if len(l) > 0 {
			h = append(h, cursor{list: l, order: i})
		}
	}
	heap.Init(&h)
	out := make(sortedIndex, 0, total)
	for len(h) > 0 {
		c := &h[0]
		e := c.list[c.pos]
		if n := len(out); n == 0 || out[n-1].id != e.id {
			out = append(out, e)
		}
		if c.pos++; c.pos == len(c.list) {
			heap.Pop(&h)
		} else {
			heap.Fix(&h, 0)
		}
	}
	return out
}

type cursor struct {
	list  sortedIndex
	pos   int
	order int
}

type cursorHeap []cursor

func (h cursorHeap) Len() int { return len(h) }
func (h cursorHeap) Less(i, j int) bool {
	if c := h[i].list[h[i].pos].id.Compare(h[j].list[h[j].pos].id); c != 0 {
		return c < 0
	}
	return h[i].order < h[j].order
}
func (h cursorHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *cursorHeap) Push(x any)   { *h = append(*h, x.(cursor)) }
func (h *cursorHeap) Pop() any {
	old := *h
	c := old[len(old)-1]
	*h = old[:len(old)-1]
	return c
}
