package main

// The data commands, collect and process, link what the version-control
// commands never use: language detection (go-enry, whose tables take
// ~35 ms to initialise in every process that links it), tree-sitter
// grammars (cgo), parquet, the HTTP collectors. The default build holds
// every command. `make build` also builds a core binary (tag hds_core:
// bin/hds) that starts in ~10 ms and runs the data commands by executing
// the full one (bin/hds-full) in its place; see forward.go.

// Short help of the data commands, shared by both builds.
const (
	collectShort = "Fetch data from a source into data/raw/SOURCE/"
	processShort = "Turn data/raw into code patterns, NLP training records and documentation"
)

// fullBinary is the name of the full build that the core build hands the
// data commands to.
const fullBinary = "hds-full"
