#!/usr/bin/env bash
# make demo: the main job end to end, offline, on data this machine has:
# collect (hds's own git repository, the Python docs from Debian's
# python3-doc or else Go's HTML docs) → process → commit → edit → collect
# and process again → commit → diff → check the first version out elsewhere
# and verify it byte for byte.
set -euo pipefail
cd "$(dirname "$0")/.."
TOP=$PWD
HDS="$TOP/bin/hds"
GO=${GO:-go}
DEMO=${DEMO_DIR:-$(mktemp -d /tmp/hds-demo.XXXXXX)}
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

export HDS_AUTHOR_NAME="hds demo" HDS_AUTHOR_EMAIL="demo@example.com"

DOCS=/usr/share/doc/python3/html
LICENSE=PSF-2.0
if [ ! -f "$DOCS/library/json.html" ]; then
  DOCS=$($GO env GOROOT)/doc LICENSE=BSD-3-Clause
  echo "(python3-doc not installed: using Go's docs in $DOCS)"
fi

step "hds init $DEMO/corpus"
rm -rf "$DEMO/corpus" "$DEMO/v1-copy" "$DEMO/run-v1" "$DEMO/upstream"
"$HDS" init "$DEMO/corpus"
cd "$DEMO/corpus"

step "collect: a git repository (hds's own source, cloned from a local copy) and documentation"
git clone -q "$TOP" "$DEMO/upstream"
"$HDS" collect git "$DEMO/upstream" --name hds
"$HDS" collect docs "$DOCS" --license "$LICENSE" --site docs

step "process: code patterns, NLP training records, documentation pages"
"$HDS" process
"$HDS" validate

step "hds commit -m 'corpus v1' && hds tag v1"
"$HDS" status | tail -3
"$HDS" commit -m "corpus v1"
"$HDS" tag v1 -m "first version"
cp -a "$DEMO/corpus" "$DEMO/v1-copy" && rm -rf "$DEMO/v1-copy/.hds"

step "edit upstream: a new function and a changed docstring; collect and process again"
cd "$DEMO/upstream"
cat > collectors/demo_added.go <<'GO'
package collectors

// DemoAdded exists to show what an upstream change does to the dataset:
// one new raw record, one new code pattern.
func DemoAdded(a, b int) int {
	if a > b {
		return a
	}
	return b
}
GO
sed -i 's|^// ShardOf spreads ids over n shards|// ShardOf (edited upstream) spreads ids over n shards|' collectors/shard.go
git add -A && git -c user.name=demo -c user.email=demo@example.com commit -qm "demo edit"
cd "$DEMO/corpus"
"$HDS" collect git "$DEMO/upstream" --name hds
"$HDS" collect docs "$DOCS" --license "$LICENSE" --site docs    # unchanged: nothing re-read
"$HDS" process
"$HDS" status

step "hds commit -m 'corpus v2'"
"$HDS" commit -m "corpus v2"

step "hds log --oneline; hds diff v1 HEAD --stat"
"$HDS" log --oneline
"$HDS" diff v1 HEAD --stat

step "hds checkout v1 --to $DEMO/run-v1, then compare with the copy taken at v1"
"$HDS" checkout v1 --to "$DEMO/run-v1"
diff -r "$DEMO/v1-copy" "$DEMO/run-v1"
echo "v1 checked out byte-identical"
"$HDS" validate v1 | tail -1

step "integrity: git --git-dir .hds fsck --strict and hds fsck --read-data"
git --git-dir .hds fsck --strict --no-dangling && echo "git fsck: clean"
"$HDS" fsck --read-data

step "done: the demo repository is in $DEMO/corpus"
