// Package pack is the chunk store: content-addressed chunks, each
// compressed as one zstd frame (or kept raw when zstd does not pay), stored
// back to back in pack files of tens of MiB, found through index files.
// A million chunks are then a few hundred files on disk or objects on a
// remote, and every read is verified against the chunk's id.
//
// # Writing
//
// Put compresses in the calling goroutine (callers run a pool of
// workers) and appends the frame, under a short lock, to the open pack: a
// temporary file in Options.TempDir, so memory does not grow with the data.
// When the open pack reaches Options.PackSize, the Put that filled it
// stores it while the other Puts continue into a new pack. Flush stores the
// open pack, in this order: footer written and fsynced; pack stored under
// its name (for a local directory, renamed into place and the directory
// fsynced); then its index file stored the same way. A crash between the
// two leaves an unindexed pack, which Check reports as a Warning and Prune
// deletes (or keeps, if it holds live chunks no index lists).
//
// # Reading
//
// Get reads the frame with one ranged read, decompresses it into the
// caller's buffer and hashes the result with the algorithm recorded in the
// pack. Any mismatch is a *ChunkError naming chunk, pack and offset.
//
// # Pack file: packs/<2 hex>/<64 hex>.pack
//
// The name is the hash (with the pack's algorithm) of the whole file, so a
// pack is immutable and written once. Integers are little-endian.
//
//	header   8 bytes  "HDSP", version 1, algorithm (1 BLAKE3, 2 SHA-256), 2 zero bytes
//	frames            the stored chunks back to back, the first at offset 8
//	table    52 bytes per chunk, in frame order:
//	                  id [32], offset u64, stored length u32, raw length u32, flags u32
//	trailer 24 bytes  table offset u64, chunk count u32, CRC-32C of the table u32,
//	                  version 1, algorithm, 2 zero bytes, "HDSp"
//
// Flags: bit 0 set means the frame is one zstd frame, clear means raw
// bytes (stored length = raw length); other bits must be zero. The frames
// cover the bytes between header and table exactly, so a pack can be read
// front to back and re-indexed from its own footer. A reader of the footer
// reads the last 128 KiB of a pack, which holds the whole footer of a
// 32 MiB pack of 64 KiB chunks, and a second range only for larger ones.
//
// # Index file: index/<64 hex>.idx
//
// Named by the hash of its bytes, with the store's Options.Algorithm.
//
//	header  16 bytes  "HDSI", version 1, algorithm of the packs it lists, 2 zero bytes,
//	                  pack count u32, entry count u32
//	packs   32 bytes per pack: its id
//	entries 56 bytes per chunk, sorted by id, no duplicates:
//	                  id [32], pack ordinal u32, offset u64, stored length u32,
//	                  raw length u32, flags u32
//	crc      4 bytes  CRC-32C of everything before it
//
// Flush writes one index file per pack; Prune replaces them all by one
// consolidated file (one per hash algorithm in use). Open loads every
// index file, four at a time, and merges them; where two list the same
// chunk the first by name wins. An index file that cannot be read is
// recorded instead of failing Open: Check reports it as an Error and Prune
// refuses to run, as it would delete the packs only that file lists.
//
// # Versions and compatibility
//
// Both formats start with a magic and a version and end with a checksum.
// Decoders reject unknown versions, flags and non-zero reserved bytes
// rather than guess, and never panic on garbage (fuzzed). testdata/
// holds golden files of what this version writes and frozen files of the
// first version, which every later version must read.
//
// # Memory
//
// The in-memory index is a slice sorted by id of 48-byte entries (id 32,
// pack ordinal, offset, stored length with flags in its top 4 bits, raw
// length): 48.7 bytes per chunk measured with 200,000 chunks, so a million
// chunks take about 49 MB. Chunks stored since Open sit in a map (~100
// bytes each) that is merged into the slice every 65,536 chunks. Open and
// Prune briefly hold a second copy while merging. Chunks in open packs
// cost ~170 bytes each, bounded by the number of open packs. Putting
// 500 MB with two workers grew the heap by under 10 MB (TestPutMemoryBounded).
//
// # Maintenance
//
// Check verifies index files, that every indexed pack exists and its
// footer agrees, and with ReadData every chunk and pack hash. Prune removes
// unreferenced chunks: new packs and the new index become durable before
// any old index file is deleted, and old index files go before old packs,
// so a kill at any point loses no live chunk (tested by failing each
// storage write in turn). Prune needs exclusive use of the storage.
package pack
