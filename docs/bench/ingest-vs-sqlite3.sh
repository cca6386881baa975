#!/usr/bin/env bash
# Ingest benchmark of issue #2: `trailview ingest` against the sqlite3-CLI baseline on the same
# generated file, runs interleaved so both see the same machine load. Prints each run and the
# medians. Usage: docs/bench/ingest-vs-sqlite3.sh [EVENTS=1000000] [RUNS=3]
set -euo pipefail
events="${1:-1000000}"
runs="${2:-3}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
command -v sqlite3 >/dev/null || { echo "needs the sqlite3 command-line tool (apt-get install sqlite3)" >&2; exit 1; }
cargo build --release -q -p trailview-cli
tv="$root/target/release/trailview"
data="$root/target/bench-data"
mkdir -p "$data"
file="$data/mixed-$events.ndjson"
[ -f "$file" ] || "$tv" generate --events "$events" -o "$file"
bytes=$(stat -c %s "$file")
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
sed "s#/tmp/bench-input.ndjson#$file#" docs/bench/sqlite3-baseline.sql > "$work/baseline.sql"
echo "input: $file ($events events, $((bytes / 1000000)) MB); $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
ours=() theirs=()
for i in $(seq "$runs"); do
  rm -f "$work"/tv.db*
  /usr/bin/time -f "%e %M" -o "$work/t" "$tv" --db "$work/tv.db" ingest "$file" > "$work/out"
  read -r whole kb < "$work/t"
  # The summary line times the storing alone; the process then builds the derived indexes
  # (histogram rollup, text search) before it exits.
  secs=$(sed -n 's/^total: .* in \([0-9.]*\)s$/\1/p' "$work/out")
  ours+=("$secs")
  echo "run $i trailview ingest: stored in ${secs}s; whole process (+ rollup, text index) ${whole}s, peak RSS $((kb / 1024)) MB"
  rm -f "$work"/base.db*
  /usr/bin/time -f "%e %M" -o "$work/t" sqlite3 "$work/base.db" < "$work/baseline.sql" > /dev/null
  read -r secs kb < "$work/t"
  theirs+=("$secs")
  echo "run $i sqlite3 baseline:  ${secs}s, peak RSS $((kb / 1024)) MB"
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
m_ours=$(median "${ours[@]}")
m_theirs=$(median "${theirs[@]}")
awk -v o="$m_ours" -v t="$m_theirs" -v n="$events" -v b="$bytes" 'BEGIN {
  printf "median trailview: %.2fs = %.0f events/s, %.0f MB/s\n", o, n / o, b / o / 1e6
  printf "median sqlite3:   %.2fs = %.0f events/s\n", t, n / t
  printf "speed-up over the sqlite3 baseline: %.2fx (target >= 3x)\n", t / o
}'
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
