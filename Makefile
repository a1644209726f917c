# hds — see README.md. `make demo` runs the main job, `make test` the tests.
GO      ?= go
BIN     ?= bin/hds
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)

.PHONY: all build test unit e2e vet bench gobench demo fuzz clean

all: build

# bin/hds is the core build (tag hds_core: starts in ~10 ms, builds with CGO_ENABLED=0); it
# runs collect and process through bin/hds-full, the build with every
# command. `go build ./cmd/hds` alone gives the full build.
build:
	$(GO) build -ldflags '$(LDFLAGS)' -o $(dir $(BIN))hds-full ./cmd/hds
	$(GO) build -tags hds_core -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/hds

vet:
	$(GO) vet ./...
	$(GO) vet -tags hds_core ./cmd/hds
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1)

# unit tests with the race detector; heavy end-to-end cases run in `e2e`.
unit:
	$(GO) test -race -count=1 ./...

# end-to-end tests: run the built binary (kill tests, git interop, collectors).
e2e: build
	HDS_BIN=$(abspath $(BIN)) $(GO) test -count=1 -tags e2e -timeout 40m ./e2e/...

test: vet unit e2e

# Go micro-benchmarks (MB/s) for the hot paths.
gobench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# whole-command benchmarks: hds against restic on a dataset built from this
# machine, collector and processing throughput.
bench: build
	./scripts/bench.sh
	./scripts/bench_collect.sh
	./scripts/bench_process.sh

demo: build
	./scripts/demo.sh

# every decoder and the chunker, FUZZTIME each.
FUZZTIME ?= 30s
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME) ./manifest/
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeDataset$$' -fuzztime $(FUZZTIME) ./manifest/
	$(GO) test -run '^$$' -fuzz '^FuzzChunker$$' -fuzztime $(FUZZTIME) ./chunker/
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeIndex$$' -fuzztime $(FUZZTIME) ./pack/
	$(GO) test -run '^$$' -fuzz '^FuzzDecodePackFooter$$' -fuzztime $(FUZZTIME) ./pack/
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeStatCache$$' -fuzztime $(FUZZTIME) ./snapshot/

clean:
	rm -rf bin .bench
