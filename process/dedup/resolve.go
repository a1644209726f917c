package dedup

import (
	"cmp"
	"math/bits"
	"slices"
)

func mul64(a, b uint64) (hi, lo uint64) { return bits.Mul64(a, b) }

// Result is the outcome of Resolve.
type Result struct {
	dropped     map[string]dup
	exact, near int
}

type dup struct {
	keep string
	kind Kind
}

// Duplicate reports whether id is dropped, in favour of which id and why.
func (r *Result) Duplicate(id string) (keep string, kind Kind, ok bool) {
	d, ok := r.dropped[id]
	return d.keep, d.kind, ok
}

// Counts returns the number of exact and near duplicates dropped.
func (r *Result) Counts() (exact, near int) { return r.exact, r.near }

// Resolve clusters the documents: equal exact keys, and equal hashes in
// any band, join a cluster; the smallest id of each is kept.
func (ix *Index) Resolve() *Result {
	docs := ix.docs
	slices.SortFunc(docs, func(a, b doc) int { return cmp.Compare(a.id, b.id) })
	uf := newUnionFind(len(docs))
	type keyed struct {
		key uint64
		i   int32
	}
	// Exact keys: the first 8 bytes suffice to bucket; compare all 16.
	byExact := make([]keyed, len(docs))
	for i, d := range docs {
		byExact[i] = keyed{beUint64(d.exact[:8]), int32(i)}
	}
	join := func(ks []keyed, same func(a, b int) bool) {
		slices.SortFunc(ks, func(a, b keyed) int { return cmp.Or(cmp.Compare(a.key, b.key), cmp.Compare(a.i, b.i)) })
		for j := 1; j < len(ks); j++ {
			if ks[j].key == ks[j-1].key && same(int(ks[j].i), int(ks[j-1].i)) {
				uf.union(int(ks[j].i), int(ks[j-1].i))
			}
		}
	}
	join(byExact, func(a, b int) bool { return docs[a].exact == docs[b].exact })
	for b := 0; b < ix.o.Bands; b++ {
		ks := make([]keyed, 0, len(docs))
		for i, d := range docs {
			if d.bands != nil {
				ks = append(ks, keyed{d.bands[b], int32(i)})
			}
		}
		join(ks, func(int, int) bool { return true })
	}
	r := &Result{dropped: map[string]dup{}}
	for i, d := range docs {
		root := uf.find(i)
		if root == i {
			continue
		}
		k := Near
		if docs[root].exact == d.exact {
			k = Exact
			r.exact++
		} else {
			r.near++
		}
		r.dropped[d.id] = dup{keep: docs[root].id, kind: k}
	}
	return r
}

func beUint64(b []byte) uint64 {
	var v uint64
	for _, x := range b {
		v = v<<8 | uint64(x)
	}
	return v
}

// unionFind keeps the smallest index as the root of each set.
type unionFind struct{ parent []int32 }

func newUnionFind(n int) *unionFind {
	p := make([]int32, n)
	for i := range p {
		p[i] = int32(i)
	}
	return &unionFind{p}
}

func (u *unionFind) find(i int) int {
	for int(u.parent[i]) != i {
		u.parent[i] = u.parent[u.parent[i]]
		i = int(u.parent[i])
	}
	return i
}

func (u *unionFind) union(a, b int) {
	ra, rb := u.find(a), u.find(b)
	if ra == rb {
		return
	}
	if ra > rb {
		ra, rb = rb, ra
	}
	u.parent[rb] = int32(ra)
}
