#!/usr/bin/env bash
# Processing throughput: raw code records built from Go's source tree and
# the Python standard library on this machine, run through the built
# 'hds process'; prints MB/s of raw code and peak RSS.
set -euo pipefail
cd "$(dirname "$0")/.."
TOP=$PWD
HDS="$TOP/bin/hds"
GO=${GO:-go}
B=${BENCH_DIR:-$TOP/.bench}/process
mkdir -p "$B"
$GO build -o "$B/gendata" ./scripts/gendata
if [ ! -f "$B/data.ok" ]; then
  rm -rf "$B/repo"
  "$HDS" init "$B/repo" >/dev/null
  roots=("$($GO env GOROOT)/src")
  for d in /usr/lib/python3*/; do [ -d "$d" ] && roots+=("$d"); done
  "$B/gendata" code -out "$B/repo/data/raw/gendata" -shard-mb 8 -max-mb "${PROCESS_MB:-150}" "${roots[@]}"
  touch "$B/data.ok"
fi
cd "$B/repo"
rm -rf data/code_patterns data/nlp_training data/documentation data/examples data/reports
RAW=$(du -sb data/raw | cut -f1)
/usr/bin/time -v "$HDS" process -q > "$B/out.txt" 2> "$B/time.txt"
secs=$(awk -F': ' '/Elapsed/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$B/time.txt")
rss=$(awk -F': ' '/Maximum resident/ {print $2}' "$B/time.txt")
cat "$B/out.txt"
awk -v b="$RAW" -v s="$secs" -v r="$rss" 'BEGIN { printf "process: %.0f MB raw JSONL in %.1f s = %.1f MB/s, peak RSS %.0f MB\n", b/1e6, s, b/1e6/s, r/1024 }'
# A second run on unchanged data: everything reused, nothing rewritten.
/usr/bin/time -v "$HDS" process -q > "$B/out2.txt" 2> "$B/time2.txt"
grep 'files changed' "$B/out2.txt" || true
awk -F': ' '/Elapsed/ {print "re-process (unchanged): " $2}' "$B/time2.txt"
