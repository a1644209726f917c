package snapshot

import (
	"path"
	"strings"
)

// lineExts are the formats whose records are lines: their chunks are cut
// at line ends and their lines are counted as records. CSV/TSV count every
// line, header and quoted newlines included.
var lineExts = map[string]bool{
	".jsonl": true, ".ndjson": true, ".csv": true, ".tsv": true,
	".txt": true, ".text": true, ".md": true, ".markdown": true, ".rst": true, ".log": true,
}

// isLineFormat reports whether the file at p is line-oriented.
func isLineFormat(p string) bool {
	return lineExts[strings.ToLower(path.Ext(p))]
}

// lineCounter counts records (lines) of a stream fed in pieces: every '\n'
// ends one, and trailing bytes without a newline are one more.
type lineCounter struct {
	n       int64
	partial bool
}

func (c *lineCounter) write(p []byte) {
	if len(p) == 0 {
		return
	}
	c.n += int64(countByte(p, '\n'))
	c.partial = p[len(p)-1] != '\n'
}

func (c *lineCounter) records() int64 {
	if c.partial {
		return c.n + 1
	}
	return c.n
}
