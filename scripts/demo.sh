#!/usr/bin/env bash
# make demo: the main job end to end on data this machine already has,
# offline: init → add data → commit → edit → commit → diff → check out the
# first version elsewhere and verify it byte for byte.
set -euo pipefail
cd "$(dirname "$0")/.."
TOP=$PWD
HDS="$TOP/bin/hds"
GO=${GO:-go}
DEMO=${DEMO_DIR:-$(mktemp -d /tmp/hds-demo.XXXXXX)}
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

export HDS_AUTHOR_NAME="hds demo" HDS_AUTHOR_EMAIL="demo@example.com"
$GO build -o bin/gendata ./scripts/gendata

step "hds init $DEMO/corpus"
rm -rf "$DEMO/corpus" "$DEMO/v1-copy" "$DEMO/run-v1"
"$HDS" init "$DEMO/corpus"
cd "$DEMO/corpus"

step "add data: Go's net/ and encoding/ sources as JSONL code records, Go docs as text records"
GOROOT_SRC=$($GO env GOROOT)/src
"$TOP/bin/gendata" code -out data/raw/code -shard-mb 4 "$GOROOT_SRC/net" "$GOROOT_SRC/encoding"
"$TOP/bin/gendata" text -out data/raw/docs/go-docs.jsonl "$($GO env GOROOT)/doc"
printf 'tmp/\n*.swp\n' > .hdsignore
"$HDS" status

step "hds commit -m 'raw corpus v1' && hds tag v1"
"$HDS" commit -m "raw corpus v1"
"$HDS" tag v1 -m "first version"
cp -a "$DEMO/corpus" "$DEMO/v1-copy" && rm -rf "$DEMO/v1-copy/.hds"

step "edit: 1% of code records rewritten in place, one shard deleted, a new file added"
"$TOP/bin/gendata" edit -percent 1 data/raw/code/part-0000.jsonl data/raw/code/part-0001.jsonl
rm data/raw/code/part-0002.jsonl
printf 'id,split\n1,train\n2,test\n' > data/examples.csv
"$HDS" status

step "hds commit -m 'cleaned corpus v2'"
"$HDS" commit -m "cleaned corpus v2"

step "hds log --oneline; hds diff v1 HEAD --stat"
"$HDS" log --oneline
"$HDS" diff v1 HEAD --stat

step "hds checkout v1 --to $DEMO/run-v1, then compare with the copy taken at v1"
"$HDS" checkout v1 --to "$DEMO/run-v1"
diff -r "$DEMO/v1-copy" "$DEMO/run-v1"
echo "v1 checked out byte-identical"

step "integrity: git --git-dir .hds fsck --strict and hds fsck"
git --git-dir .hds fsck --strict --no-dangling && echo "git fsck: clean"
if "$HDS" fsck --help >/dev/null 2>&1; then "$HDS" fsck --read-data; fi

step "done: the demo repository is in $DEMO/corpus"
