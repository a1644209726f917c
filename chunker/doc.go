// Package chunker splits a byte stream into content-defined chunks with
// FastCDC (Xia et al., "FastCDC: a Fast and Efficient Content-Defined
// Chunking Approach for Data Deduplication", USENIX ATC 2016).
//
// A gear hash rolls over the input, fp = fp<<1 + gear[b], so its top bit
// depends on the last 64 bytes only. A chunk boundary is declared where the
// top bits of fp are all zero. Hashing starts Min bytes into a chunk (the
// bytes before can never hold a cut); up to Avg bytes a stricter mask (two
// more bits than log2(Avg)) is used and after it a looser one (two fewer
// bits), the "normalized chunking" of the paper, which pulls chunk sizes
// towards Avg. A chunk is cut at Max if no boundary is found.
//
// # Record alignment
//
// With Params.Records set (JSONL, CSV, TSV, plain text) the cut found by the
// gear hash is moved forward to just after the next '\n' as long as that
// stays within Max. If there is none, the cut moves back to just after the
// last '\n' at or past Min; only if the chunk has no newline between Min and
// Max at all (a line longer than Max-Min) is it cut at Max. So when no line
// is longer than Max-Min, every chunk but the last ends with '\n' and holds
// whole records: an edit of one record changes only the chunk holding it
// (and, if its length changes, rarely the next one), and a record-level
// diff decodes only changed chunks. A line of any length (100 MB or more)
// is handled with memory bounded by the two Max-sized halves of one buffer.
//
// The general Go CDC libraries do not offer this alignment, which is why
// the chunker is written here rather than imported.
//
// # Part of the format
//
// The gear table (256 values from splitmix64 with the fixed seed GearSeed)
// and the Params decide where chunks are cut. Changing either changes chunk
// boundaries, and with them which chunks deduplicate against chunks already
// stored; it never affects correctness, since every chunk is stored and
// verified under the hash of its own bytes. Repositories record their
// Params so that later versions keep deduplicating against earlier ones.
package chunker
