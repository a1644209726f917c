package snapshot

import (
	"encoding/binary"
	"hash/crc32"
	"testing"
	"time"

	"github.com/human2/hds/repo"
)

// FuzzDecodeStatCache feeds bodies with a valid checksum, so the fuzzer
// reaches the entry decoder: a damaged cache must give an error, never a
// panic, and what decodes must encode back to the same bytes.
func FuzzDecodeStatCache(f *testing.F) {
	c := newStatCache()
	c.record("a.jsonl", fileStat{Size: 3, Mtime: 1, Ctime: 2, Ino: 4, Mode: 0o644}, repo.BlobHash([]byte("x")), 1, time.Time{})
	c.record("dir/b c.txt", fileStat{Size: 1 << 40, Mtime: -1}, repo.ZeroHash, -1, time.Time{})
	c.memo = treeMemo{Digest: [32]byte{1}, Tree: repo.BlobHash([]byte("t"))}
	f.Add(c.encode()[len(cacheMagic) : len(c.encode())-4])
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, body []byte) {
		b := append([]byte(cacheMagic), body...)
		b = binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, crcTable))
		got, err := decodeStatCache(b)
		if err != nil {
			return
		}
		got.dirty = true
		if again := got.encode(); string(again) != string(b) {
			// Varints have one canonical form; only non-canonical input may
			// differ, and it must decode to the same cache.
			back, err := decodeStatCache(again)
			if err != nil || len(back.entries) != len(got.entries) || back.memo != got.memo {
				t.Fatalf("re-encoding changed the cache: %v", err)
			}
		}
	})
}
