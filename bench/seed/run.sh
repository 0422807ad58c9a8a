#!/usr/bin/env bash
# OpenAPI seeding benchmark: Gostly (a fresh `gostly up`, then `gostly seed SPEC`) vs
# Prism (`prism mock SPEC`) on the same specs, in the same run, on loopback.
#
#   bench/seed/run.sh [--record]
#
# Environment:
#   GOSTLY_BIN   gostly binary (default: build/gostly, relative to the repo root)
#   PRISM_BIN    prism CLI (default: bench/seed/node_modules/.bin/prism; when missing,
#                `npm ci --prefix bench/seed` installs the version pinned in package-lock.json)
#   CORPUS_DIR   directory holding the specs (default: ../shared/corpus/openapi)
#   SPECS        space-separated spec file names in CORPUS_DIR (default:
#                "stripe-spec3.json github-api.github.com.json")
#   RUNS         runs per spec and tool; the median is reported (default 3)
#   TIMEOUT      seconds any single wait may take (server start, seed call, Prism's
#                first answer) before the run counts as failed / timed out (default 120)
#   KEEP_TMP=1   keep the temp dir (data dirs, logs, seed reports) for inspection
#
# Gostly is timed from launching `gostly up` (empty data dir) until `gostly seed` has
# printed its report; Prism from launching `prism mock` until it answers its first HTTP
# request. Target: Prism / Gostly >= 5. See bench/README.md for the method.
set -euo pipefail
export LC_ALL=C   # '.' as the decimal point in $EPOCHREALTIME and awk

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"

RECORD=0
for arg in "$@"; do
  case "$arg" in
    --record) RECORD=1 ;;
    -h|--help) sed -n '2,21p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown argument: $arg" >&2; exit 2 ;;
  esac
done

abs() { case "$1" in /*) echo "$1" ;; *) echo "$REPO_ROOT/$1" ;; esac; }
GOSTLY_BIN="$(abs "${GOSTLY_BIN:-build/gostly}")"
PRISM_DEFAULT="$SCRIPT_DIR/node_modules/.bin/prism"
PRISM_BIN="$(abs "${PRISM_BIN:-$PRISM_DEFAULT}")"
CORPUS_DIR="$(abs "${CORPUS_DIR:-../shared/corpus/openapi}")"
SPECS="${SPECS:-stripe-spec3.json github-api.github.com.json}"
RUNS="${RUNS:-3}"
TIMEOUT="${TIMEOUT:-120}"
TARGET=5
POLL=0.02
RESULTS_MD="$REPO_ROOT/bench/RESULTS.md"

# shellcheck source=bench/lib/processes.sh
source "$REPO_ROOT/bench/lib/processes.sh"

[[ "$RUNS" =~ ^[0-9]+$ && "$RUNS" -gt 0 ]] || die "RUNS must be a positive integer"
[[ "$TIMEOUT" =~ ^[0-9]+$ && "$TIMEOUT" -gt 0 ]] || die "TIMEOUT must be a positive integer (seconds)"
[[ -x "$GOSTLY_BIN" ]] || die "gostly binary not found at $GOSTLY_BIN (build: cmake --build build --target gostly)"
for tool in curl python3 timeout node; do
  command -v "$tool" >/dev/null || die "$tool not found"
done
[[ -x /usr/bin/time ]] || die "/usr/bin/time not found (Debian package 'time'; scripts/install-deps.sh --bench)"
for spec in $SPECS; do
  [[ -r "$CORPUS_DIR/$spec" ]] || die "spec not found: $CORPUS_DIR/$spec"
done
if [[ ! -x "$PRISM_BIN" ]]; then
  [[ "$PRISM_BIN" == "$PRISM_DEFAULT" ]] || die "PRISM_BIN not executable: $PRISM_BIN"
  command -v npm >/dev/null || die "npm not found (needed once to install Prism into bench/seed/node_modules)"
  log "installing Prism (npm ci --prefix bench/seed)"
  npm ci --prefix "$SCRIPT_DIR" --no-audit --no-fund >&2 || die "npm ci failed"
  [[ -x "$PRISM_BIN" ]] || die "npm ci did not install $PRISM_BIN"
fi
NODE_VERSION="$(node --version)"
PRISM_VERSION="$("$PRISM_BIN" --version 2>/dev/null | tail -n 1)" \
  || die "$PRISM_BIN --version failed (Prism 5.14.2 needs Node >= 18.20.1; found $NODE_VERSION)"

# ---------------------------------------------------------------- processes
bench_start seed-bench

# A PID and all its descendants.
proc_tree() {
  local pid="$1" child
  echo "$pid"
  for child in $(ps -o pid= --ppid "$pid" 2>/dev/null || true); do
    proc_tree "$child"
  done
}

# Peak resident memory (VmHWM, KiB) summed over a process tree; read while it is alive.
tree_hwm_kib() {
  local total=0 pid v
  for pid in $(proc_tree "$1"); do
    v="$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || true)"
    [[ -n "$v" ]] && total=$((total + v))
  done
  echo "$total"
}

# CPU seconds (utime + stime) used so far by a process tree.
CLK_TCK="$(getconf CLK_TCK)"
tree_cpu_s() {
  local ticks=0 pid t
  for pid in $(proc_tree "$1"); do
    t="$(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$pid/stat" 2>/dev/null || true)"
    [[ -n "$t" ]] && ticks=$((ticks + t))
  done
  awk -v t="$ticks" -v hz="$CLK_TCK" 'BEGIN { printf "%.2f", t / hz }'
}

# Busy CPU of the whole machine: "busy_ticks total_ticks" from /proc/stat.
machine_ticks() { awk '$1 == "cpu" { t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t; exit }' /proc/stat; }
# busy_cores "B0 T0" "B1 T1": cores' worth of CPU the machine used in between.
busy_cores() {
  awk -v a="$1" -v b="$2" -v n="$NCPU" 'BEGIN { split(a, x, " "); split(b, y, " ")
    dt = y[2] - x[2]; if (dt <= 0) { print "?"; exit } printf "%.2f", n * (y[1] - x[1]) / dt }'
}
NCPU="$(nproc)"

elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

# First GET in the spec without path parameters and without required query parameters,
# with a documented 200: the operation both servers are asked for.
probe_path() {
  python3 - "$1" <<'EOF'
import json, sys
text = open(sys.argv[1], encoding="utf-8").read()
if text.lstrip()[:1] in ("{", "["):
    doc = json.loads(text)
else:
    try:
        import yaml  # Debian python3-yaml; only needed for YAML specs
    except ImportError:
        sys.exit(f"{sys.argv[1]}: a YAML spec needs PyYAML (python3-yaml) to pick the probe path")
    doc = yaml.safe_load(text)
def deref(o):
    for _ in range(32):
        if not (isinstance(o, dict) and isinstance(o.get("$ref"), str) and o["$ref"].startswith("#/")):
            return o
        node = doc
        for part in o["$ref"][2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        o = node
    return o
for path, item in doc.get("paths", {}).items():
    op = item.get("get") if isinstance(item, dict) else None
    if not isinstance(op, dict) or "{" in path or "200" not in op.get("responses", {}):
        continue
    params = [deref(p) for p in item.get("parameters", []) + op.get("parameters", [])]
    if any(p.get("required") and p.get("in") in ("query", "path") for p in params):
        continue
    print(path)
    break
EOF
}

# ---------------------------------------------------------------- one Gostly run
# run_gostly SPEC_FILE PROBE_PATH RUN_DIR -> appends a line to $TMP/results.tsv:
# tool spec run status total_s seed_s up_hwm_kib seed_maxrss_kib busy_cores our_cpu_s note
GOSTLY_CHECKS=()
run_gostly() {
  local spec="$1" probe="$2" dir="$3" name t0 ts te m0 m1 pid cport pport deadline hwm rss \
    created skipped code hdrs mock status up_cpu seed_cpu note=""
  name="$(basename "$spec")"
  mkdir -p "$dir"
  m0="$(machine_ticks)"
  t0="$EPOCHREALTIME"
  (cd "$dir" && exec env LOG_LEVEL=warn "$GOSTLY_BIN" up --bind 127.0.0.1 --port 0 \
    --port-file "$dir/proxy.port" --control-port 0 --control-port-file "$dir/control.port" \
    --data-dir "$dir/data" --initial-mode mock >"$dir/up.log" 2>&1) &
  pid=$!
  PIDS+=("$pid")
  deadline=$(( ${t0/./} + TIMEOUT * 1000000 ))   # microseconds
  while (( ${EPOCHREALTIME/./} < deadline )); do
    [[ -s "$dir/control.port" && -s "$dir/proxy.port" ]] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep "$POLL"
  done
  if [[ ! -s "$dir/control.port" ]]; then
    note="gostly up did not start within ${TIMEOUT}s: $(tail -n 1 "$dir/up.log" 2>/dev/null)"
    stop_tracked "$pid"
    printf 'gostly\t%s\t-\tfailed\t-\t-\t-\t-\t-\t-\t%s\n' "$name" "$note" >>"$TMP/results.tsv"
    log "  gostly: $note"
    return 0
  fi
  cport="$(tr -d '[:space:]' <"$dir/control.port")"
  pport="$(tr -d '[:space:]' <"$dir/proxy.port")"
  ts="$EPOCHREALTIME"
  status=0
  timeout "$TIMEOUT" /usr/bin/time -f '%M %U %S' -o "$dir/seed.time" \
    "$GOSTLY_BIN" seed "$spec" --service default --url "http://127.0.0.1:$cport" \
    >"$dir/seed.out" 2>"$dir/seed.err" || status=$?
  te="$EPOCHREALTIME"
  m1="$(machine_ticks)"
  hwm="$(tree_hwm_kib "$pid")"
  up_cpu="$(tree_cpu_s "$pid")"
  read -r rss seed_cpu < <(awk 'NF == 3 && $1 ~ /^[0-9]+$/ { printf "%s %.2f\n", $1, $2 + $3 }' "$dir/seed.time" 2>/dev/null) || true
  rss="${rss:--}"; seed_cpu="${seed_cpu:-0}"
  # The report's first line: "<file>: openapi 3.0.0, 355 entries created, 0 skipped".
  read -r created skipped < <(sed -nE '1s/.* ([0-9]+) entries created, ([0-9]+) skipped.*/\1 \2/p' "$dir/seed.out") || true
  created="${created:-0}"; skipped="${skipped:-?}"
  if [[ "$status" != 0 ]]; then
    note="gostly seed exited $status$([[ $status == 124 ]] && echo " (timed out after ${TIMEOUT}s)"): $(tail -n 1 "$dir/seed.err" 2>/dev/null)"
  elif [[ "$created" -eq 0 ]]; then
    note="gostly seed created no entries: $(head -n 1 "$dir/seed.out")"
  fi
  # Not timed: the proxy answers the probe operation from the seeded library.
  hdrs="$(curl -s -D - -o "$dir/probe.body" --max-time 5 "http://127.0.0.1:$pport$probe" || true)"
  code="$(printf '%s' "$hdrs" | awk 'NR == 1 { print $2 }')"
  mock="$(printf '%s' "$hdrs" | tr -d '\r' | awk -F': ' 'tolower($1) == "x-ghost-mock" { print $2 }')"
  GOSTLY_CHECKS+=("$name run $RUN: \`gostly seed\` exit $status, $created entries created, $skipped skipped; proxy GET $probe -> ${code:-no answer} (X-Ghost-Mock: ${mock:-absent}, $(wc -c <"$dir/probe.body" 2>/dev/null || echo 0) bytes)")
  if [[ -z "$note" && ! ( "$code" =~ ^2 && "$mock" == true ) ]]; then
    note="proxy did not answer GET $probe from the seeded library (status ${code:-none}, X-Ghost-Mock ${mock:-absent})"
  fi
  stop_tracked "$pid"
  if [[ "$STOP_STATUS" != 0 ]]; then
    note="${note:+$note; }gostly up exited $STOP_STATUS on SIGTERM (expected 0)"
  fi
  printf 'gostly\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$RUN" \
    "$([[ -z "$note" ]] && echo ok || echo failed)" "$(elapsed "$t0" "$te")" "$(elapsed "$ts" "$te")" \
    "$hwm" "$rss" "$(busy_cores "$m0" "$m1")" \
    "$(awk -v a="$up_cpu" -v b="$seed_cpu" 'BEGIN { printf "%.2f", a + b }')" "$note" >>"$TMP/results.tsv"
  log "  gostly run $RUN: total $(elapsed "$t0" "$te") s, seed $(elapsed "$ts" "$te") s, $created created, up VmHWM $((hwm / 1024)) MiB, seed maxrss $(( ${rss/-/0} / 1024 )) MiB${note:+ — $note}"
}

# ---------------------------------------------------------------- one Prism run
run_prism() {
  local spec="$1" probe="$2" dir="$3" name port t0 t1 m0 m1 pid deadline code="000" hwm cpu note="" status=ok
  name="$(basename "$spec")"
  mkdir -p "$dir"
  port="$(free_port)"
  m0="$(machine_ticks)"
  t0="$EPOCHREALTIME"
  (cd "$dir" && exec "$PRISM_BIN" mock "$spec" -p "$port" -h 127.0.0.1 >"$dir/prism.log" 2>&1) &
  pid=$!
  PIDS+=("$pid")
  deadline=$(( ${t0/./} + TIMEOUT * 1000000 ))   # microseconds
  while (( ${EPOCHREALTIME/./} < deadline )); do
    code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://127.0.0.1:$port$probe" 2>/dev/null || true)"
    [[ -n "$code" && "$code" != 000 ]] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep "$POLL"
  done
  t1="$EPOCHREALTIME"
  m1="$(machine_ticks)"
  hwm="$(tree_hwm_kib "$pid")"
  cpu="$(tree_cpu_s "$pid")"
  if [[ -z "$code" || "$code" == 000 ]]; then
    if kill -0 "$pid" 2>/dev/null; then
      status=timeout
      note="prism did not answer within ${TIMEOUT}s (last log line: $(tail -n 1 "$dir/prism.log" | cut -c1-160))"
    else
      status=failed
      note="prism exited before answering: $(tail -n 3 "$dir/prism.log" | tr '\n' ' ' | cut -c1-300)"
    fi
  fi
  stop_tracked "$pid"
  printf 'prism\t%s\t%s\t%s\t%s\t-\t%s\t-\t%s\t%s\t%s\n' "$name" "$RUN" "$status" \
    "$(elapsed "$t0" "$t1")" "$hwm" "$(busy_cores "$m0" "$m1")" "$cpu" \
    "${note:-first answer GET $probe -> $code}" >>"$TMP/results.tsv"
  log "  prism  run $RUN: $(elapsed "$t0" "$t1") s ($status, GET $probe -> $code), VmHWM $((hwm / 1024)) MiB"
}

# ---------------------------------------------------------------- runs
cp "$GOSTLY_BIN" "$TMP/gostly"   # a concurrent rebuild cannot swap it mid-run
GOSTLY_SHA="$(sha256sum "$GOSTLY_BIN" | cut -c1-12)"
GOSTLY_BIN="$TMP/gostly"
LOAD_START="$(cut -d' ' -f1-3 /proc/loadavg)"
log "machine: $NCPU cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'); load average $LOAD_START"
log "node $NODE_VERSION, prism $PRISM_VERSION, gostly $GOSTLY_SHA; $RUNS run(s) per spec, timeout ${TIMEOUT}s"
: >"$TMP/results.tsv"
PROBES=()
for spec in $SPECS; do
  probe="$(probe_path "$CORPUS_DIR/$spec")"
  [[ -n "$probe" ]] || die "$spec: no GET without required parameters to probe"
  PROBES+=("$spec: GET $probe")
  log "$spec ($(du -k "$CORPUS_DIR/$spec" | cut -f1) KiB), probe GET $probe"
  for ((RUN = 1; RUN <= RUNS; RUN++)); do
    run_gostly "$CORPUS_DIR/$spec" "$probe" "$TMP/$spec.gostly.$RUN"
    run_prism "$CORPUS_DIR/$spec" "$probe" "$TMP/$spec.prism.$RUN"
  done
done
LOAD_END="$(cut -d' ' -f1-3 /proc/loadavg)"

# ---------------------------------------------------------------- report
REPORT="$(python3 - "$TMP/results.tsv" "$TARGET" "$TIMEOUT" "$SPECS" <<'EOF'
import statistics, sys
path, target, timeout, specs = sys.argv[1], float(sys.argv[2]), sys.argv[3], sys.argv[4].split()
rows = [l.rstrip("\n").split("\t") for l in open(path) if l.strip()]
INF = float("inf")

def median(xs):
    return statistics.median(xs) if xs else None

def secs(v):
    return "—" if v is None else (f"> {timeout}" if v == INF else f"{v:.2f}")

def mib(v):
    return "—" if v is None else f"{int(v) // 1024}"

table = ["| spec | gostly total (s) | gostly seed only (s) | prism to first answer (s) | ratio prism / gostly total | ratio prism / gostly seed only | peak RSS gostly `up` (MiB) | peak RSS `gostly seed` (MiB) | peak RSS prism (MiB) | target | result |",
         "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
details, verdicts = [], []
for spec in specs:
    g = [r for r in rows if r[0] == "gostly" and r[1] == spec]
    p = [r for r in rows if r[0] == "prism" and r[1] == spec]
    gok = [r for r in g if r[3] == "ok"]
    # A Prism timeout counts as +inf (its true time is above the limit); a crash has no time.
    ptimes = [float(r[4]) if r[3] == "ok" else INF for r in p if r[3] in ("ok", "timeout")]
    gt = median([float(r[4]) for r in gok])
    gs = median([float(r[5]) for r in gok])
    pt = median(ptimes)
    ghwm = median([int(r[6]) for r in gok])
    grss = median([int(r[7]) for r in gok if r[7] != "-"])
    phwm = median([int(r[6]) for r in p])
    def ratio(base):
        if pt is None or not base:
            return None, "—"
        if pt == INF:
            return float(timeout) / base, f"> {float(timeout) / base:.0f}"
        return pt / base, f"{pt / base:.1f}"
    rt, rts = ratio(gt)
    _, rss_ = ratio(gs)
    if len(gok) < len(g) or not g:
        verdict = f"**gostly failed {len(g) - len(gok)} of {len(g)} runs**"
    elif rt is None:
        verdict = "**prism failed**"
    else:
        verdict = "met" if rt >= target else "**MISSED**"
        if pt == INF:
            verdict += " (prism timed out: lower bound)"
    verdicts.append(verdict)
    table.append(f"| `{spec}` | {secs(gt)} | {secs(gs)} | {secs(pt)} | {rts} | {rss_} | {mib(ghwm)} | {mib(grss)} | {mib(phwm)} | ≥ {target:g} | {verdict} |")
    for r in g + p:
        tool, _, run, status, total, seed, hwm, rss, busy, cpu, note = r
        what = f"total {total} s, seed {seed} s" if tool == "gostly" else f"{total} s"
        mem = f"VmHWM {int(hwm) // 1024} MiB" + (f", seed client maxrss {int(rss) // 1024} MiB" if rss != "-" else "") if hwm != "-" else ""
        details.append(f"{spec} {tool} run {run}: {status}; {what}; {mem}; CPU {cpu} s of these processes, machine busy {busy} cores on average{'; ' + note if note else ''}")
print("\n".join(table))
print("@@DETAILS@@")
print("\n".join(details))
EOF
)"
TABLE="${REPORT%%$'\n'@@DETAILS@@*}"
DETAILS="${REPORT#*@@DETAILS@@$'\n'}"

echo
echo "$TABLE"
echo
echo "(medians of $RUNS run(s); gostly total = launch of a fresh \`gostly up\` until \`gostly seed\` printed its report;"
echo " seed only = the \`gostly seed\` call; prism = launch of \`prism mock\` until its first HTTP answer, polled every 20 ms;"
echo " peak RSS = VmHWM read just before stopping the server, /usr/bin/time maxrss for the seed client)"
echo
echo "Checks:"
for c in "${GOSTLY_CHECKS[@]+"${GOSTLY_CHECKS[@]}"}"; do echo "  $c"; done
echo "Runs:"
while IFS= read -r line; do echo "  $line"; done <<<"$DETAILS"

if [[ "$RECORD" == 1 ]]; then
  results_prepare "$RESULTS_MD"
  {
    echo
    echo "## $(date -u "+%F %H:%M UTC") — OpenAPI seeding vs Prism (\`bench/seed/run.sh\`)"
    echo
    echo "- Machine: ${NCPU} cores (\`nproc\`), ${MODEL}; $(uname -sr). Load average at start ${LOAD_START}, at end ${LOAD_END} (shared machine: other work ran alongside, see the per-run 'machine busy' figures)."
    echo "- Software: gostly at git ${GOSTLY_REV} (Release binary sha256 ${GOSTLY_SHA}…), SQLite store; \`@stoplight/prism-cli\` ${PRISM_VERSION} on Node ${NODE_VERSION} (pinned in \`bench/seed/package-lock.json\`)."
    echo "- Method: per spec, ${RUNS} alternating runs of each tool, medians. Gostly: launch \`gostly up\` (proxy + control plane, empty temp data dir, ports 0 read from port files polled every 20 ms), then \`gostly seed SPEC --service default\` (import, synthesis, scrub, seal into SQLite, push to the proxy's library); *total* runs from the launch until the seed report is printed, *seed only* is the CLI call. Prism: \`prism mock SPEC -p PORT -h 127.0.0.1\` until the first HTTP answer (curl every 20 ms on the probe path, any status). Peak RSS: VmHWM of the server process tree just before stopping it; \`/usr/bin/time\` maxrss for \`gostly seed\`. No pinning; loopback only; every wait bounded by ${TIMEOUT} s (a Prism timeout makes its median a lower bound)."
    probes="$(printf '%s; ' "${PROBES[@]}")"
    echo "- Probe operations (checked after seeding, not timed): ${probes%; }."
    echo
    echo "$TABLE"
    echo
    for c in "${GOSTLY_CHECKS[@]+"${GOSTLY_CHECKS[@]}"}"; do echo "- Check: $c"; done
    while IFS= read -r line; do echo "- Run: $line"; done <<<"$DETAILS"
  } >> "$RESULTS_MD"
  log "appended results to $RESULTS_MD"
fi
