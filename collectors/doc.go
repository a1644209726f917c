// Package collectors runs the data sources of hds: each source is a
// Collector in its own package (collectors/github, collectors/docs, ...) and
// this package gives them what they share.
//
// A collector emits record.Raw values through an Env. Run stages them on
// disk (under .hds/tmp, never in the worktree) and, when the collector
// returns — finished, failed or interrupted — merges them into the source's
// shard files under data/raw/<source>/ and saves the collector's cursor in
// data/raw/<source>/state.json, in that order, each file replaced
// atomically. So:
//
//   - a run never deletes or rewrites records it did not fetch again: the
//     merge only adds records and replaces records with the same id;
//   - an interrupted run keeps every complete record it emitted and the
//     cursor that covers them, and the next run resumes from there;
//   - the cursor lives in the dataset, so checking out an old version also
//     restores the collection state of that version;
//   - shard files are sorted by record id and a re-fetched record that
//     differs from the stored one only in its fetch time keeps the stored
//     bytes, so re-collecting unchanged data changes no chunk.
//
// Memory: the merge holds the staged records of one shard at a time, so a
// collector should keep shards to tens of MiB (ShardOf spreads ids over a
// fixed number of shards).
package collectors
