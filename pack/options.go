package pack

import (
	"fmt"
	"os"

	"github.com/klauspost/compress/zstd"

	"github.com/human2/hds/chunk"
)

// Level is the zstd compression level of new chunks. The zero value is
// LevelFastest, the default.
type Level int

// The levels. Measured on the 2-core target with source text: Fastest
// compresses ~230 MB/s per core to 38%, Default ~170 MB/s.
const (
	LevelFastest Level = iota // zstd SpeedFastest; the default
	LevelNone                 // store every chunk raw
	LevelDefault              // zstd SpeedDefault
	LevelBetter               // zstd SpeedBetterCompression
)

var levelNames = map[Level]string{LevelFastest: "fastest", LevelNone: "none", LevelDefault: "default", LevelBetter: "better"}

// ParseLevel returns the Level named s: "none", "fastest", "default" or
// "better".
func ParseLevel(s string) (Level, error) {
	for l, name := range levelNames {
		if name == s {
			return l, nil
		}
	}
	return 0, fmt.Errorf("pack: unknown compression level %q: want none, fastest, default or better", s)
}

// String returns the name ParseLevel accepts.
func (l Level) String() string {
	if s, ok := levelNames[l]; ok {
		return s
	}
	return fmt.Sprintf("Level(%d)", int(l))
}

func (l Level) zstd() zstd.EncoderLevel {
	switch l {
	case LevelDefault:
		return zstd.SpeedDefault
	case LevelBetter:
		return zstd.SpeedBetterCompression
	}
	return zstd.SpeedFastest
}

// Limits.
const (
	DefaultPackSize = 32 << 20
	MaxPackSize     = 1 << 30  // keeps offsets below 4 GiB in memory
	MaxChunkSize    = 64 << 20 // largest chunk Put accepts
)

// Options configure a Store. The zero value uses BLAKE3, LevelFastest,
// 32 MiB packs and os.TempDir().
type Options struct {
	// Algorithm computes chunk ids; Put expects ids made with it. Reads
	// verify each chunk with the algorithm recorded in its pack, so a
	// repository can change algorithm without rewriting old packs.
	Algorithm chunk.Algorithm
	Level     Level
	// PackSize is the size at which an open pack is finished; a pack may
	// exceed it by one chunk.
	PackSize int64
	// TempDir is the local directory where packs and index files are
	// assembled before they are stored. For a local storage choose a
	// directory on the same file system, so finished packs are renamed
	// into place instead of copied.
	TempDir string
}

func (o Options) withDefaults() (Options, error) {
	if o.Algorithm == "" {
		o.Algorithm = chunk.BLAKE3
	}
	if !o.Algorithm.Valid() {
		return o, fmt.Errorf("pack: unsupported hash algorithm %q", o.Algorithm)
	}
	if _, ok := levelNames[o.Level]; !ok {
		return o, fmt.Errorf("pack: unsupported compression level %d", o.Level)
	}
	if o.PackSize == 0 {
		o.PackSize = DefaultPackSize
	}
	if o.PackSize < 0 || o.PackSize > MaxPackSize {
		return o, fmt.Errorf("pack: PackSize %d outside (0, %d]", o.PackSize, MaxPackSize)
	}
	if o.TempDir == "" {
		o.TempDir = os.TempDir()
	}
	if err := os.MkdirAll(o.TempDir, 0o755); err != nil {
		return o, fmt.Errorf("pack: temporary directory: %w", err)
	}
	return o, nil
}
