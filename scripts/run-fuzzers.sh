#!/usr/bin/env bash
# Runs every fuzz target in DIR for SECONDS each, starting from its checked-in seed corpus.
# Fails on the first crash, leak or sanitizer report.
set -euo pipefail
dir="$1"
seconds="${2:-60}"
root="$(cd "$(dirname "$0")/.." && pwd)"
shopt -s nullglob
targets=("$dir"/*_fuzz)
if [[ ${#targets[@]} -eq 0 ]]; then
  echo "run-fuzzers: no fuzz targets in $dir" >&2
  exit 1
fi
# The finding, its stack from the top, and the input (base64) so it can be replayed anywhere:
# echo ... | base64 -d > crash && ./TARGET crash
report() {
  local work="$1"
  sed -n '/^==[0-9]*==\|^ALARM\|^INFO: libFuzzer: \|deadly signal\|^SUMMARY/,$p' "$work/log" |
    grep -v '^INFO: Running\|^#[0-9]*\s*\(NEW\|REDUCE\|pulse\)' | head -60
  for a in "$work"/crash-* "$work"/timeout-* "$work"/oom-* "$work"/leak-*; do
    [[ -f "$a" ]] || continue
    echo "fuzz: input $(basename "$a") ($(wc -c <"$a") bytes), base64:"
    head -c 8192 "$a" | base64 -w 120
  done
}

for t in "${targets[@]}"; do
  name="$(basename "$t")"
  work="$(mktemp -d)"
  seeds="$root/fuzz/corpus/${name%_fuzz}"
  echo "fuzz: $name for ${seconds}s"
  args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
        -artifact_prefix="$work/")
  if [[ -d "$seeds" ]]; then
    "$t" "${args[@]}" "$work" "$seeds" 2>"$work/log" || { report "$work"; exit 1; }
  else
    "$t" "${args[@]}" "$work" 2>"$work/log" || { report "$work"; exit 1; }
  fi
  grep -E "stat::number_of_executed_units|Done" "$work/log" | head -2 || true
  rm -rf "$work"
done
echo "fuzz: all targets ran clean"
