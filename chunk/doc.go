// Package chunk holds the value types shared by the chunk store: the 32-byte
// chunk ID and the hash Algorithm that computes it.
//
// A chunk's ID is the hash of its uncompressed bytes. Two algorithms are
// supported, both producing 32 bytes so IDs of either fit the same type:
//
//   - BLAKE3 (github.com/zeebo/blake3), about 3.9 GB/s on one core of the
//     target machine; the default for new repositories.
//   - SHA-256 (crypto/sha256, SHA-NI), about 1.9 GB/s; for users who need a
//     FIPS-approved hash.
//
// The repository records which algorithm it uses, so it can change later;
// the chunk store records it in every pack and index file as well.
package chunk
