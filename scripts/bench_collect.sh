#!/usr/bin/env bash
# Collector throughput on data this machine has: the Python docs (Debian's
# python3-doc, if installed) and a CodeSearchNet-shaped jsonl.gz built from
# the Python standard library. Prints records, records/s, MB/s, peak RSS.
set -euo pipefail
cd "$(dirname "$0")/.."
TOP=$PWD
HDS="$TOP/bin/hds"
GO=${GO:-go}
B=${BENCH_DIR:-$TOP/.bench}/collect
mkdir -p "$B"
$GO build -o "$B/gendata" ./scripts/gendata
measure() { # name input-bytes command...
  local name=$1 bytes=$2; shift 2
  /usr/bin/time -v "$@" > "$B/out.json" 2> "$B/time.txt"
  local secs rss recs
  secs=$(awk -F': ' '/Elapsed/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$B/time.txt")
  rss=$(awk -F': ' '/Maximum resident/ {print $2}' "$B/time.txt")
  recs=$(sed -n 's/.*"emitted": \([0-9]*\).*/\1/p' "$B/out.json")
  awk -v n="$name" -v r="$recs" -v s="$secs" -v b="$bytes" -v m="$rss" 'BEGIN {
    printf "%-28s %7d records in %5.2f s = %6.0f records/s, %5.1f MB/s of input, peak RSS %.0f MB\n", n, r, s, r/s, b/1e6/s, m/1024 }'
}
rm -rf "$B/repo" && "$HDS" init "$B/repo" >/dev/null && cd "$B/repo"
DOCS=/usr/share/doc/python3/html
if [ -f "$DOCS/library/json.html" ]; then
  bytes=$(find -L "$DOCS" -name '*.html' -printf '%s\n' | awk '{s+=$1} END {print s}')
  measure "docs (python3-doc HTML)" "$bytes" "$HDS" collect docs "$DOCS" --json -q
fi
[ -f "$B/csn.jsonl.gz" ] || "$B/gendata" csn -out "$B/csn.jsonl.gz" -max-mb "${CSN_MB:-100}" /usr/lib/python3* "$($GO env GOROOT)"
bytes=$(gzip -dc "$B/csn.jsonl.gz" | wc -c)
measure "codesearchnet (jsonl.gz)" "$bytes" "$HDS" collect codesearchnet "$B/csn.jsonl.gz" --json -q
