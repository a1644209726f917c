package snapshot

import (
	"sort"
	"strings"
)

// pathSelector returns a predicate selecting files at or under paths (all
// files when paths is empty). Paths are clean and slash-separated.
func pathSelector(paths []string) func(string) bool {
	if len(paths) == 0 {
		return func(string) bool { return true }
	}
	return func(p string) bool {
		for _, q := range paths {
			if p == q || strings.HasPrefix(p, q+"/") {
				return true
			}
		}
		return false
	}
}

func sortChanges(cs []FileChange) {
	sort.Slice(cs, func(i, j int) bool { return cs[i].Path < cs[j].Path })
}
