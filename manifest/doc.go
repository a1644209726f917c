// Package manifest encodes and decodes the small text blobs that describe a
// dataset version: one File manifest per file (stored as the git blob at the
// file's path) and one Dataset summary per version (the blob named ".hds" at
// the root of the tree).
//
// A file manifest is line-oriented and readable with `git show`:
//
//	hds-manifest 1
//	type file
//	mode 644
//	size 131072
//	hash blake3 9f2c...e1
//	records 1024
//	chunk 5b1e...07 65536
//	chunk c0de...42 65536
//
// The encoding is canonical: fields appear in this order, numbers in
// decimal without leading zeros (mode in octal), ids in lowercase hex.
// Decode accepts only canonical input, so Encode(Decode(b)) == b and equal
// files always get equal blobs, which is what makes an unchanged file cost
// nothing in a new version. "records" is present only for line-oriented
// formats. A symbolic link has "type symlink" and a Go-quoted "target" line
// instead of hash, records and chunks.
//
// The package is a leaf: pure data, no I/O beyond io.Reader/io.Writer.
package manifest
