// Package record defines the raw record: the one JSON object per line that
// every collector writes under data/raw/<source>/ and that processing reads.
// It is the contract between the collectors and the processing pipeline, so
// it is deliberately small and changes only by adding optional fields.
//
// A raw record is either code (Code is set: a source file or a function) or
// prose (Text is set: an issue, a Q&A thread, a documentation section, a
// problem statement); some records carry both (a documented function).
package record
