package collectors

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"unicode"
)

// ErrShard marks a shard name that cannot be a file name.
var ErrShard = errors.New("collectors: invalid shard name")

// ShardOf spreads ids over n shards named "part-00".."part-NN" by a hash of
// the id, so a record keeps its shard however the source grows.
func ShardOf(id string, n int) string {
	if n <= 1 {
		return "part-00"
	}
	h := sha256.Sum256([]byte(id))
	return fmt.Sprintf("part-%02d", binary.BigEndian.Uint64(h[:8])%uint64(n))
}

// ShardName turns a free-form key (a repository "psf/requests", a site
// "stackoverflow.com") into a shard name: letters, digits, '-', '_' and '.'
// kept, anything else becomes '_', and "/" becomes "__".
func ShardName(key string) string {
	key = strings.ReplaceAll(key, "/", "__")
	var b strings.Builder
	for _, r := range key {
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_' || r == '.') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	s := strings.TrimLeft(b.String(), ".")
	if s == "" {
		s = "_"
	}
	if len(s) > 120 {
		h := sha256.Sum256([]byte(key))
		s = fmt.Sprintf("%s-%x", s[:100], h[:4])
	}
	return s
}

func checkShard(s string) error {
	if s == "" || s != ShardName(s) || s == StateFile[:len(StateFile)-len(".json")] {
		return fmt.Errorf("%w: %q (use ShardName or ShardOf)", ErrShard, s)
	}
	return nil
}
