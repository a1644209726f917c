// Package process turns the raw records under data/raw/ into the two
// training formats, deterministically:
//
//	data/code_patterns/<source>/<shard>.jsonl  one code unit per line
//	data/nlp_training/<source>/<shard>.jsonl   one text piece per line
//	data/documentation/<site>/<page>.md        cleaned documentation pages
//	data/examples/<language>/<name>-<id>.<ext> the 25 best documented units per language
//	data/reports/process.json                  config, counts per step, reasons
//
// Output shards mirror the raw shards they come from and are sorted by id,
// so added raw data changes only the shards it lands in — except for what
// is corpus-wide by definition: usage_count (call sites across the whole
// corpus) and which copy of a duplicate is kept.
//
// Steps: normalize (package normalize), extract code units with
// tree-sitter (package extract), redact PII and secrets (package redact),
// tokenize and cut long texts into overlapping pieces (package tokenize),
// deduplicate exactly and with MinHash LSH (package dedup), count call
// sites for usage_count, embed texts (package embed; embeddings of
// unchanged pieces are reused from the previous output), and assign
// train/validation/test splits by a hash of the id.
//
// Memory: the first pass streams every raw shard once, spilling its output
// records to a temporary directory under .hds; what stays in memory is the
// dedup index (about 230 bytes plus the id per record), the call-name
// counts, and one shard per worker. The second pass reads the spill shard
// by shard.
package process
