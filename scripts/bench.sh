#!/usr/bin/env bash
# make bench: hds against restic on the same ~1 GB dataset built from text on
# this machine (Go's source tree, module cache, C headers and Python library
# as JSONL code records with token lists, source and text as 20,000 small
# files in all, the Python and Go docs as JSONL text, 150 MB of float32).
# Prints wall time, throughput, peak RSS and store size per step; git status
# on the same files calibrates the no-change step on this machine.
# Everything lives in $BENCH_DIR (default .bench/), reused between runs.
set -euo pipefail
cd "$(dirname "$0")/.."
TOP=$PWD
HDS="$TOP/bin/hds"
GO=${GO:-go}
B=${BENCH_DIR:-$TOP/.bench}
DATA="$B/data"
export RESTIC_PASSWORD=bench RESTIC_REPOSITORY="$B/restic" RESTIC_CACHE_DIR="$B/restic-cache"
export HDS_AUTHOR_NAME=bench HDS_AUTHOR_EMAIL=bench@example.com
mkdir -p "$B"
calc() { awk "BEGIN { printf \"%.${2:-1}f\", $1 }"; }
$GO build -o "$B/gendata" ./scripts/gendata

GOROOT=$($GO env GOROOT); MODCACHE=$($GO env GOMODCACHE)
if [ ! -f "$B/data.ok" ]; then
  echo "building the dataset in $DATA (once)..."
  rm -rf "$DATA"; mkdir -p "$DATA"
  # Go, C headers and Python's standard library as code records with their
  # token lists (CodeSearchNet's shape), about 550 MB of JSONL.
  roots=("$GOROOT" "$MODCACHE"); for d in /usr/include /usr/lib/python3*; do [ -d "$d" ] && roots+=("$d"); done
  "$B/gendata" code -tokens -out "$DATA/code" -shard-mb 64 -max-mb 250 "${roots[@]}"
  mkdir -p "$DATA/docs" "$DATA/weights"
  docs=("$GOROOT/doc"); for d in /usr/share/doc/python3*/html; do [ -d "$d" ] && docs+=("$d"); done
  "$B/gendata" text -out "$DATA/docs/docs.jsonl" "${docs[@]}"
  "$B/gendata" floats -out "$DATA/weights/floats.f32" -mb 150
  # 20,000 files in all: small source and text files make up the rest.
  have=$(find "$DATA" -type f | wc -l)
  "$B/gendata" files -out "$DATA/files" -n $((20000 - have)) "$GOROOT/src" "$MODCACHE" /usr/share/doc
  rm -rf "$B/data-v1"; cp -a "$DATA" "$B/data-v1"   # pristine copy: every run starts from it
  touch "$B/data.ok"
fi
rm -rf "$DATA" "$B/restic" "$B/restic-cache" "$B/out-hds" "$B/out-restic"
cp -a "$B/data-v1" "$DATA"
SIZE=$(du -sb --exclude=.hds "$DATA" | cut -f1)
FILES=$(find "$DATA" -type f | wc -l)
JSONL=$(find "$DATA" -name '*.jsonl' | wc -l)
printf 'dataset: %s files, %.0f MB (%s JSONL files)\n' "$FILES" "$(calc "$SIZE/1000000" 4)" "$JSONL"
cat "$DATA"/code/* "$DATA"/docs/* "$DATA"/weights/* >/dev/null   # warm the page cache for both tools

RESULTS="$B/results.tsv"; : > "$RESULTS"
# measure NAME BYTES CMD...: wall seconds and peak RSS of one command.
measure() {
  local name=$1 bytes=$2; shift 2
  local log="$B/time.log"
  sync   # no tool pays for the previous one's dirty pages
  /usr/bin/time -v "$@" > "$B/last.out" 2> "$log" || { cat "$log" "$B/last.out"; echo "FAILED: $name"; exit 1; }
  local wall rss
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$log")
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
  printf '%s\t%s\t%s\t%s\n' "$name" "$wall" "$rss" "$bytes" >> "$RESULTS"
  printf '  %-34s %8.3f s  %7.1f MB/s  %6.0f MB RSS\n' "$name" "$wall" "$(calc "$bytes/1000000/($wall+0.0001)" 4)" "$(calc "$rss/1024" 4)"
}
store() { du -sb "$1" | cut -f1; }

echo "== initial version"
"$HDS" init -q "$DATA" >/dev/null
measure "hds commit" "$SIZE" "$HDS" -C "$DATA" commit -q -m v1
restic init -q >/dev/null
measure "restic backup" "$SIZE" restic backup -q --exclude .hds "$DATA"
H1=$(store "$DATA/.hds"); R1=$(store "$B/restic")
printf '  store: hds %.0f MB, restic %.0f MB\n' "$(calc "$H1/1000000" 4)" "$(calc "$R1/1000000" 4)"

echo "== nothing changed ($FILES files)"
measure "hds commit (no change)" 0 "$HDS" -C "$DATA" commit -q -m same
measure "hds status (no change)" 0 "$HDS" -C "$DATA" status
measure "restic backup (no change)" 0 restic backup -q --exclude .hds "$DATA"
# git status over the same 20,000 files, for scale (its index built first).
export GIT_DIR="$B/git" GIT_WORK_TREE="$DATA"
rm -rf "$GIT_DIR"; git init -q; echo .hds > "$GIT_DIR/info/exclude"; git add -A
measure "git status (no change)" 0 git status --porcelain
unset GIT_DIR GIT_WORK_TREE

echo "== 1% of JSONL records edited in place"
"$B/gendata" edit -percent 1 "$DATA"/code/*.jsonl "$DATA"/docs/*.jsonl
EDITED=$(du -cb "$DATA"/code/*.jsonl "$DATA"/docs/*.jsonl | tail -1 | cut -f1)
measure "hds commit (1% edit)" "$EDITED" "$HDS" -C "$DATA" commit -q -m v2
measure "restic backup (1% edit)" "$EDITED" restic backup -q --exclude .hds "$DATA"
H2=$(store "$DATA/.hds"); R2=$(store "$B/restic")
printf '  store growth: hds %.1f MB, restic %.1f MB\n' "$(calc "($H2-$H1)/1000000" 4)" "$(calc "($R2-$R1)/1000000" 4)"

echo "== checkout of the first version"
SNAP1=$(restic snapshots --json | sed -n 's/.*"short_id":"\([0-9a-f]*\)".*/\1/p' | head -1)
SNAP1=$(restic snapshots --json | tr '{' '\n' | sed -n 's/.*"short_id":"\([0-9a-f]*\)".*/\1/p' | head -1)
measure "hds checkout --to" "$SIZE" "$HDS" -C "$DATA" checkout -q HEAD~1 --to "$B/out-hds"
measure "restic restore" "$SIZE" restic restore -q "$SNAP1" --target "$B/out-restic"
diff -rq "$B/data-v1" "$B/out-hds" >/dev/null && echo "  hds checkout is byte-identical to v1"

echo "== diff of two versions"
measure "hds diff v1 v2" 0 "$HDS" -C "$DATA" diff HEAD~1 HEAD --stat
SNAP2=$(restic snapshots --json | tr '{' '\n' | sed -n 's/.*"short_id":"\([0-9a-f]*\)".*/\1/p' | tail -1)
measure "restic diff" 0 restic diff "$SNAP1" "$SNAP2"

echo "== ratios (targets: commit >= 2x restic, no-change < 100 ms, 1% edit growth <= 0.5x restic, checkout >= restic, RSS < 200 MB)"
awk -F'\t' '{t[$1]=$2; m[$1]=$3} END {
  printf "  commit speed vs restic backup:   %.2fx\n", t["restic backup"]/t["hds commit"];
  printf "  no-change commit:                 %.0f ms\n", t["hds commit (no change)"]*1000;
  printf "  1%%-edit commit vs restic:         %.2fx\n", t["restic backup (1% edit)"]/t["hds commit (1% edit)"];
  printf "  checkout vs restic restore:       %.2fx\n", t["restic restore"]/t["hds checkout --to"];
  max=0; for (k in m) if (k ~ /^hds/ && m[k]>max) max=m[k]; printf "  peak RSS of any hds command:      %.0f MB\n", max/1024 }' "$RESULTS"
printf '  store growth after 1%% edit vs restic: %.2fx\n' "$(calc "($H2-$H1)/($R2-$R1)" 4)"
