#!/usr/bin/env bash
# Audit-bundle benchmark of issue #6: export, verify, first and second open of a ~1M-event
# bundle, and `trailview ingest` of exactly the bundle's events (what a first open must not
# exceed). Release build; wall time, CPU (user + sys) and peak RSS of each step.
# Usage: docs/bench/bundle.sh [RUNS=3]
set -euo pipefail
runs="${1:-3}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
cargo build --release -q -p trailview-cli
tv="$root/target/release/trailview"
data="$root/target/bench-data"
mkdir -p "$data"
file="$data/t1-1058k.ndjson"
# One org tenant (`acme`) gets 1,004,831 of the 1,058,000 events.
[ -f "$file" ] || "$tv" generate --events 1058000 --tenants 1 -o "$file"
work="${BUNDLE_BENCH_DIR:-$data/bundle}"
mkdir -p "$work"
export TRAILVIEW_KEYS="$work/keys" TRAILVIEW_CACHE="$work/cache"
step() { # step NAME CMD… : run, print wall / cpu / rss
  local name="$1"; shift
  /usr/bin/time -f "%e %U %S %M" -o "$work/t" "$@" > "$work/out" 2> "$work/err" || {
    cat "$work/err" >&2; return 1; }
  read -r wall user sys kb < "$work/t"
  printf '%-34s wall %6.2f s  cpu %6.2f s  peak RSS %4d MB  (load %s)\n' "$name" "$wall" \
    "$(echo "$user + $sys" | bc)" $((kb / 1024)) "$(cut -d' ' -f1 /proc/loadavg)"
}
if [ ! -f "$work/src.db" ]; then
  step "ingest source store" "$tv" --db "$work/src.db" ingest "$file"
fi
echo "$(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
for i in $(seq "$runs"); do
  rm -f "$work/acme.trail"
  step "export (run $i)" "$tv" --db "$work/src.db" export --tenant acme -o "$work/acme.trail"
done
ls -l "$work/acme.trail" | awk '{printf "bundle: %d MB\n", $5 / 1e6}'
for i in $(seq "$runs"); do
  step "verify (run $i)" "$tv" verify "$work/acme.trail"
done
unzip -p "$work/acme.trail" events.ndjson > "$work/acme-events.ndjson"
for i in $(seq "$runs"); do
  rm -rf "$work/cache"
  step "open, first (run $i)" "$tv" open "$work/acme.trail"
  step "open, second (run $i)" "$tv" open "$work/acme.trail"
  rm -f "$work"/fresh.db*
  step "ingest of the bundle's events ($i)" "$tv" --db "$work/fresh.db" ingest "$work/acme-events.ndjson"
  sed -n 's/^total: \(.*\)$/    ingest stored: \1/p' "$work/out"
done
