#!/usr/bin/env bash
# Gostly macro benchmarks: wrk on loopback, gostly vs nginx, in the same run.
#
#   bench/wrk/run.sh [--record]
#
# Environment:
#   GOSTLY_BIN   proxy binary (default: build/gostly, relative to the repo root)
#   DURATION     seconds per measured wrk run (default 10)
#   ROUNDS       rounds of every measurement, interleaved (default 3); each row shows
#                the round with the median ratio, and every round's ratio
#   WARMUP       seconds of warm-up before each measured run (default 2)
#   CONNECTIONS  wrk connections (default 64)
#   NGINX_BIN    nginx binary (default: nginx from PATH, else /usr/sbin/nginx)
#   WRK_BIN      wrk binary (default: wrk from PATH)
#   QUIET_WAIT   seconds to wait at start for both cores to be idle (< 10 % busy
#                over 1 s) before measuring (default 60; 0 = don't wait)
#   KEEP_TMP=1   keep the temp dir (configs, logs, wrk outputs) for inspection
#
# Server side (nginx, gostly, the nginx upstream) is pinned to core 0 with
# taskset; wrk is pinned to core 1. See bench/README.md for the method.
set -euo pipefail

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

GOSTLY_BIN="${GOSTLY_BIN:-$REPO_ROOT/build/gostly}"
case "$GOSTLY_BIN" in /*) ;; *) GOSTLY_BIN="$REPO_ROOT/$GOSTLY_BIN" ;; esac
DURATION="${DURATION:-10}"; DURATION="${DURATION%s}"
ROUNDS="${ROUNDS:-3}"
WARMUP="${WARMUP:-2}"; WARMUP="${WARMUP%s}"
CONNECTIONS="${CONNECTIONS:-64}"
QUIET_WAIT="${QUIET_WAIT:-60}"
NGINX_BIN="${NGINX_BIN:-$(command -v nginx || echo /usr/sbin/nginx)}"
WRK_BIN="${WRK_BIN:-$(command -v wrk || true)}"
SERVER_CPU=0
CLIENT_CPU=1
RESULTS_MD="$REPO_ROOT/bench/RESULTS.md"

# shellcheck source=bench/lib/processes.sh
source "$REPO_ROOT/bench/lib/processes.sh"

[[ "$DURATION" =~ ^[0-9]+$ && "$DURATION" -gt 0 ]] || die "DURATION must be a positive integer (seconds)"
[[ "$WARMUP" =~ ^[0-9]+$ ]] || die "WARMUP must be an integer (seconds)"
[[ "$ROUNDS" =~ ^[0-9]+$ && "$ROUNDS" -gt 0 ]] || die "ROUNDS must be a positive integer"
[[ "$QUIET_WAIT" =~ ^[0-9]+$ ]] || die "QUIET_WAIT must be an integer (seconds)"
[[ -x "$GOSTLY_BIN" ]] || die "gostly binary not found at $GOSTLY_BIN (build: cmake --build build --target gostly)"
[[ -x "$NGINX_BIN" ]] || die "nginx not found (apt-get install nginx-light)"
[[ -n "$WRK_BIN" && -x "$WRK_BIN" ]] || die "wrk not found (apt-get install wrk)"
for tool in taskset curl python3; do
  command -v "$tool" >/dev/null || die "$tool not found"
done
NCPU="$(nproc)"
[[ "$NCPU" -ge 2 ]] || die "needs at least 2 CPU cores (server on core 0, wrk on core 1); found $NCPU"

# ---------------------------------------------------------------- processes
bench_start wrk

# stop_gostly NAME PID: stops a gostly instance and notes an unclean exit
# (the contract says exit 0 on SIGTERM).
SHUTDOWN_NOTES=()
stop_gostly() {
  local name="$1" pid="$2" logf="$TMP/gostly-$1.log" last
  stop_tracked "$pid"
  if [[ "$STOP_STATUS" != 0 ]]; then
    last="$(tail -n 1 "$logf" 2>/dev/null || true)"
    [[ -n "$last" ]] || last="(no stderr output)"
    SHUTDOWN_NOTES+=("gostly ($name) exited with status $STOP_STATUS on SIGTERM after its run (expected 0); last stderr line: $last")
    log "WARNING: gostly ($name) exited with status $STOP_STATUS on SIGTERM: $last"
  fi
}

# wait_http URL PID: bounded poll until URL answers with any HTTP status.
wait_http() {
  local url="$1" pid="$2" i code
  for i in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || return 1
    code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$url" 2>/dev/null || true)"
    if [[ -n "$code" && "$code" != 000 ]]; then
      return 0
    fi
    sleep 0.1
  done
  return 1
}

# Quote a string for an nginx single-quoted literal.
nginx_quote() {
  local s="$1"
  [[ "$s" != *'$'* ]] || die "body contains '\$' (nginx would expand it as a variable)"
  s="${s//\\/\\\\}"
  s="${s//\'/\\\'}"
  printf "'%s'" "$s"
}

# start_nginx NAME PORT SERVER_BLOCK [HTTP_EXTRA] -> sets NGINX_PID
start_nginx() {
  local name="$1" port="$2" server_block="$3" http_extra="${4:-}"
  local prefix="$TMP/nginx-$name" user_line=""
  mkdir -p "$prefix/tmp"
  # As root the workers would otherwise drop to 'nobody'; keep them as the current user.
  if [[ "$(id -u)" == 0 ]]; then user_line="user root root;"; fi
  cat > "$prefix/nginx.conf" <<EOF
$user_line
worker_processes 1;
pid $prefix/nginx.pid;
error_log $prefix/error.log warn;
events {
    worker_connections 4096;
}
http {
    access_log off;
    default_type application/json;
    keepalive_requests 1000000;
    keepalive_timeout 65s;
    client_body_temp_path $prefix/tmp/body;
    proxy_temp_path $prefix/tmp/proxy;
    fastcgi_temp_path $prefix/tmp/fastcgi;
    uwsgi_temp_path $prefix/tmp/uwsgi;
    scgi_temp_path $prefix/tmp/scgi;
$http_extra
    server {
        listen 127.0.0.1:$port;
$server_block
    }
}
EOF
  taskset -c "$SERVER_CPU" "$NGINX_BIN" -p "$prefix" -e "$prefix/error.log" \
    -c "$prefix/nginx.conf" -g 'daemon off;' >"$prefix/stdout.log" 2>&1 &
  NGINX_PID=$!
  PIDS+=("$NGINX_PID")
  if ! wait_http "http://127.0.0.1:$port/" "$NGINX_PID"; then
    cat "$prefix/error.log" "$prefix/stdout.log" >&2 2>/dev/null || true
    die "nginx '$name' did not come up on port $port"
  fi
}

# start_gostly NAME DATA_DIR ARGS... -> sets GOSTLY_PID, GOSTLY_PORT
start_gostly() {
  local name="$1" data="$2"; shift 2
  local portfile="$TMP/gostly-$name.port" logf="$TMP/gostly-$name.log" i
  rm -f "$portfile"
  LOG_LEVEL=warn taskset -c "$SERVER_CPU" "$GOSTLY_BIN" proxy \
    --bind 127.0.0.1 --port 0 --port-file "$portfile" --threads 1 \
    --data-dir "$data" "$@" >"$logf" 2>&1 &
  GOSTLY_PID=$!
  PIDS+=("$GOSTLY_PID")
  for i in $(seq 1 100); do
    [[ -s "$portfile" ]] && break
    kill -0 "$GOSTLY_PID" 2>/dev/null || break
    sleep 0.1
  done
  [[ -s "$portfile" ]] || { cat "$logf" >&2; die "gostly '$name' did not write its port file"; }
  GOSTLY_PORT="$(tr -d '[:space:]' < "$portfile")"
  wait_http "http://127.0.0.1:$GOSTLY_PORT/health" "$GOSTLY_PID" \
    || { cat "$logf" >&2; die "gostly '$name' did not answer /health"; }
}

# ---------------------------------------------------------------- measuring
# Per-core busy fraction from /proc/stat between two snapshots.
cpu_snapshot() { grep -E "^cpu($SERVER_CPU|$CLIENT_CPU) " /proc/stat; }
cpu_busy() { # cpu_busy BEFORE AFTER CPU -> percent busy (integer)
  local before="$1" after="$2" cpu="$3"
  awk -v cpu="cpu$cpu" '
    $1 == cpu { n++; idle = $5 + $6; tot = 0; for (i = 2; i <= NF; i++) tot += $i
                if (n == 1) { i0 = idle; t0 = tot } else { i1 = idle; t1 = tot } }
    END { dt = t1 - t0; if (dt <= 0) { print "?"; exit } printf "%d", 100 * (1 - (i1 - i0) / dt) + 0.5 }
  ' <(printf '%s\n%s\n' "$before" "$after")
}

# CPU ticks (utime + stime) used so far by every process this script started
# and their children (nginx workers): the server side, all pinned to core 0.
CLK_TCK="$(getconf CLK_TCK)"
server_ticks() {
  local total=0 pid k t
  for pid in "${PIDS[@]}"; do
    for k in "$pid" $(ps -o pid= --ppid "$pid" 2>/dev/null || true); do
      t="$(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$k/stat" 2>/dev/null || true)"
      [[ -n "$t" ]] && total=$((total + t))
    done
  done
  echo "$total"
}
now_s() { date +%s.%N; }

# Converts a wrk latency ("123.45us", "1.20ms", "2.00s") to milliseconds.
to_ms() {
  awk -v v="$1" 'BEGIN {
    if (v ~ /us$/) { sub(/us$/, "", v); printf "%.3f", v / 1000 }
    else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.3f", v }
    else if (v ~ /m$/) { sub(/m$/, "", v); printf "%.3f", v * 60000 }
    else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.3f", v * 1000 }
    else printf "?" }'
}

# wrk_count FILE -> "completed non2xx socket_errors"
wrk_counts() {
  awk '
    /requests in/ { done = $1 }
    /Non-2xx or 3xx responses:/ { non2 = $NF }
    /Socket errors:/ { gsub(/,/, ""); se = $4 + $6 + $8 + $10 }
    END { printf "%d %d %d\n", done, non2, se }' "$1"
}

declare -A RPS P50 P99 CORE0 CORE1 SRVCPU WRKCPU NON2XX SOCKERR COMPLETED

# measure KEY URL: warm-up, then the measured wrk run; fills the arrays above.
measure() {
  local key="$1" url="$2" out="$TMP/wrk-$1.txt" warm="$TMP/wrk-$1.warmup.txt" before after
  if [[ "$WARMUP" -gt 0 ]]; then
    taskset -c "$CLIENT_CPU" "$WRK_BIN" -t1 -c"$CONNECTIONS" -d"${WARMUP}s" "$url" >"$warm" 2>&1 \
      || { cat "$warm" >&2; die "wrk warm-up failed for $key"; }
  fi
  log "measuring $key: $url (${DURATION}s, $CONNECTIONS connections)"
  local tf="$TMP/time-$key.txt" t0 t1 s0 s1
  before="$(cpu_snapshot)"; s0="$(server_ticks)"; t0="$(now_s)"
  TIMEFORMAT='%R %U %S'
  { time taskset -c "$CLIENT_CPU" "$WRK_BIN" -t1 -c"$CONNECTIONS" -d"${DURATION}s" --latency "$url" >"$out" 2>&1; } 2>"$tf" \
    || { cat "$out" >&2; die "wrk failed for $key"; }
  t1="$(now_s)"; s1="$(server_ticks)"; after="$(cpu_snapshot)"
  SRVCPU[$key]="$(awk -v a="$s0" -v b="$s1" -v t0="$t0" -v t1="$t1" -v hz="$CLK_TCK" \
    'BEGIN { printf "%d", 100 * (b - a) / hz / (t1 - t0) + 0.5 }')"
  WRKCPU[$key]="$(awk 'NF == 3 { printf "%d", 100 * ($2 + $3) / $1 + 0.5 }' "$tf")"
  RPS[$key]="$(awk '/^Requests\/sec:/ { print $2 }' "$out")"
  P50[$key]="$(to_ms "$(awk '$1 == "50%" { print $2 }' "$out")")"
  P99[$key]="$(to_ms "$(awk '$1 == "99%" { print $2 }' "$out")")"
  CORE0[$key]="$(cpu_busy "$before" "$after" "$SERVER_CPU")"
  CORE1[$key]="$(cpu_busy "$before" "$after" "$CLIENT_CPU")"
  local n_done n_non2 n_sock
  read -r n_done n_non2 n_sock < <(wrk_counts "$out")
  COMPLETED[$key]="$n_done"; NON2XX[$key]="$n_non2"; SOCKERR[$key]="$n_sock"
  [[ -n "${RPS[$key]}" ]] || { cat "$out" >&2; die "could not parse wrk output for $key"; }
  log "  $key: ${RPS[$key]} req/s, p50 ${P50[$key]} ms, p99 ${P99[$key]} ms, server CPU ${SRVCPU[$key]}%, wrk CPU ${WRKCPU[$key]}%, core0 ${CORE0[$key]}%, core1 ${CORE1[$key]}% busy"
}

# check_response URL EXPECTED_STATUS HEADER_REGEX WHAT
check_response() {
  local url="$1" want="$2" header_re="$3" what="$4" hdrs code
  hdrs="$(curl -s -D - -o /dev/null --max-time 5 "$url")" || die "$what: request failed"
  code="$(printf '%s' "$hdrs" | awk 'NR == 1 { print $2 }')"
  [[ "$code" == "$want" ]] || die "$what: expected status $want, got '$code'"
  if [[ -n "$header_re" ]]; then
    printf '%s' "$hdrs" | tr -d '\r' | grep -qiE "$header_re" || die "$what: no header matching /$header_re/"
  fi
}

# A private copy of the binary: a concurrent rebuild cannot swap it mid-run.
cp "$GOSTLY_BIN" "$TMP/gostly"
GOSTLY_SHA="$(sha256sum "$GOSTLY_BIN" | cut -c1-12)"
GOSTLY_BIN="$TMP/gostly"

# Bounded wait for a quiet machine (other processes on cores 0/1 skew every number).
if [[ "$QUIET_WAIT" -gt 0 ]]; then
  quiet=0
  for i in $(seq 1 "$QUIET_WAIT"); do
    a="$(cpu_snapshot)"; sleep 1; b="$(cpu_snapshot)"
    if [[ "$(cpu_busy "$a" "$b" "$SERVER_CPU")" -lt 10 && "$(cpu_busy "$a" "$b" "$CLIENT_CPU")" -lt 10 ]]; then
      quiet=1; break
    fi
    [[ "$i" == 1 ]] && log "waiting up to ${QUIET_WAIT}s for cores $SERVER_CPU and $CLIENT_CPU to be idle..."
  done
  [[ "$quiet" == 1 ]] || log "WARNING: cores still busy after ${QUIET_WAIT}s; measuring anyway (see the 'other' figures)"
fi

# ---------------------------------------------------------------- fixtures
# A fixed ~300-byte JSON body (no '$', no quotes that nginx cannot take).
BODY='{"id":4711,"object":"order","status":"shipped","currency":"EUR","total_cents":129900,"customer":{"id":"cus_8f3a2b","name":"Ada Lovelace","email":"ada@example.com","tier":"gold"},"items":[{"sku":"GST-001","qty":2,"price_cents":49950},{"sku":"GST-017","qty":1,"price_cents":30000}],"created_at":"2026-11-22T12:00:00Z"}'

MOCK_DATA="$TMP/data-mock"
mkdir -p "$MOCK_DATA/mocks"
BODY="$BODY" python3 - > "$MOCK_DATA/mocks/default.jsonl" <<'EOF'
import json, os
print(json.dumps({
    "method": "GET", "uri": "/bench", "status": 200,
    "response_headers": {"Content-Type": "application/json"},
    "response_body": os.environ["BODY"], "response_body_encoding": "text",
    "recording_session_id": "bench",
}, separators=(",", ":")))
EOF

log "machine: $NCPU cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
log "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
LOAD_START="$(cut -d' ' -f1-3 /proc/loadavg)"

# ---------------------------------------------------------------- 1 + 2: MOCK
start_gostly mock "$MOCK_DATA" --initial-mode mock
MOCK_PID="$GOSTLY_PID"; MOCK_PORT="$GOSTLY_PORT"
check_response "http://127.0.0.1:$MOCK_PORT/bench" 200 '^X-Ghost-Mock: true' "gostly exact hit"
MISS_URI="/bench-miss"
MISS_BODY="$(curl -s --max-time 5 "http://127.0.0.1:$MOCK_PORT$MISS_URI")"
check_response "http://127.0.0.1:$MOCK_PORT$MISS_URI" 404 '^X-Ghost-Miss: true' "gostly miss"

# The nginx baseline serves the same bytes: the canned body, and gostly's own miss body.
NGX_STATIC_PORT="$(free_port)"
start_nginx static "$NGX_STATIC_PORT" "
        location = /bench { return 200 $(nginx_quote "$BODY"); }
        location / { return 404 $(nginx_quote "$MISS_BODY"); }"
NGX_STATIC_PID="$NGINX_PID"
[[ "$(curl -s "http://127.0.0.1:$NGX_STATIC_PORT/bench")" == "$BODY" ]] || die "nginx static body differs"
[[ "$(curl -s "http://127.0.0.1:$MOCK_PORT/bench")" == "$BODY" ]] || die "gostly mock body differs"
check_response "http://127.0.0.1:$NGX_STATIC_PORT$MISS_URI" 404 "" "nginx 404"


# ---------------------------------------------------------------- 3: PASSTHROUGH
# The upstream for both proxies is the static nginx above (core 0).
UPSTREAM="http://127.0.0.1:$NGX_STATIC_PORT"
NGX_PROXY_PORT="$(free_port)"
start_nginx proxy "$NGX_PROXY_PORT" "
        location / {
            proxy_pass http://bench_upstream;
            proxy_http_version 1.1;
            proxy_set_header Connection \"\";
        }" "
    upstream bench_upstream {
        server 127.0.0.1:$NGX_STATIC_PORT;
        keepalive 64;
        keepalive_requests 1000000;
    }"
NGX_PROXY_PID="$NGINX_PID"
[[ "$(curl -s "http://127.0.0.1:$NGX_PROXY_PORT/bench")" == "$BODY" ]] || die "nginx proxy_pass body differs"

start_gostly pass "$TMP/data-pass" --initial-mode passthrough --backend-url "$UPSTREAM"
PASS_PID="$GOSTLY_PID"; PASS_PORT="$GOSTLY_PORT"
[[ "$(curl -s "http://127.0.0.1:$PASS_PORT/bench")" == "$BODY" ]] || die "gostly passthrough body differs"


# ---------------------------------------------------------------- 4: LEARN
LEARN_DATA="$TMP/data-learn"   # fresh
start_gostly learn "$LEARN_DATA" --initial-mode learn --backend-url "$UPSTREAM"
LEARN_PID="$GOSTLY_PID"; LEARN_PORT="$GOSTLY_PORT"
TRAFFIC="$LEARN_DATA/traffic/default.jsonl"
# No probe request here: every line in the traffic file comes from wrk.

# ---------------------------------------------------------------- measurements
# All servers stay up; the rounds interleave every baseline with its gostly run, so a
# slow drift of the machine (other tenants, thermal) hits both sides of each ratio alike.
for round in $(seq 1 "$ROUNDS"); do
  log "round $round of $ROUNDS"
  measure "nginx_hit_$round" "http://127.0.0.1:$NGX_STATIC_PORT/bench"
  measure "gostly_hit_$round" "http://127.0.0.1:$MOCK_PORT/bench"
  measure "nginx_miss_$round" "http://127.0.0.1:$NGX_STATIC_PORT$MISS_URI"
  measure "gostly_miss_$round" "http://127.0.0.1:$MOCK_PORT$MISS_URI"
  measure "nginx_proxy_$round" "http://127.0.0.1:$NGX_PROXY_PORT/bench"
  measure "gostly_pass_$round" "http://127.0.0.1:$PASS_PORT/bench"
  measure "gostly_learn_$round" "http://127.0.0.1:$LEARN_PORT/bench"
done
stop_gostly mock "$MOCK_PID"
stop_tracked "$NGX_PROXY_PID"
stop_gostly pass "$PASS_PID"

count_lines() { if [[ -f "$TRAFFIC" ]]; then wc -l < "$TRAFFIC" | tr -d ' '; else echo 0; fi; }
# Let the recorder drain: bounded wait until the line count is stable for 1 s.
prev=-1; stable=0
for i in $(seq 1 150); do
  cur="$(count_lines)"
  if [[ "$cur" == "$prev" ]]; then stable=$((stable + 1)); else stable=0; fi
  [[ "$stable" -ge 10 ]] && break
  prev="$cur"; sleep 0.1
done
RECORDED="$(count_lines)"
WARM_DONE=0; MEASURED_DONE=0; LEARN_NON2XX=0; LEARN_SOCKERR=0
for round in $(seq 1 "$ROUNDS"); do
  read -r n _ _ < <(if [[ -f "$TMP/wrk-gostly_learn_$round.warmup.txt" ]]; then wrk_counts "$TMP/wrk-gostly_learn_$round.warmup.txt"; else echo "0 0 0"; fi)
  WARM_DONE=$((WARM_DONE + n))
  MEASURED_DONE=$((MEASURED_DONE + COMPLETED[gostly_learn_$round]))
  LEARN_NON2XX=$((LEARN_NON2XX + NON2XX[gostly_learn_$round]))
  LEARN_SOCKERR=$((LEARN_SOCKERR + SOCKERR[gostly_learn_$round]))
done
LEARN_SENT=$((WARM_DONE + MEASURED_DONE))
LOST=$((LEARN_SENT > RECORDED ? LEARN_SENT - RECORDED : 0))
LEARN_NOTE="recorded $RECORDED of $LEARN_SENT requests (lost: $LOST)"
LEARN_DETAIL="wrk completed $WARM_DONE (warm-ups) + $MEASURED_DONE (measured), over $ROUNDS rounds; non-2xx $LEARN_NON2XX, socket errors $LEARN_SOCKERR; lines in traffic/default.jsonl: $RECORDED"
stop_gostly learn "$LEARN_PID"
stop_tracked "$NGX_STATIC_PID"

# ---------------------------------------------------------------- report
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "?" }'; }
verdict() { awk -v r="$1" -v t="$2" 'BEGIN { if (r + 0 >= t + 0) print "met"; else print "**MISSED**" }'; }
fmt_rps() { awk -v v="$1" 'BEGIN { printf "%.0f", v }'; }

# median_round BASE GOSTLY -> the round whose ratio GOSTLY_r / BASE_r is the median (the
# lower middle one for an even count)
median_round() {
  local r
  for r in $(seq 1 "$ROUNDS"); do
    ratio "${RPS[${2}_$r]}" "${RPS[${1}_$r]}"; echo " $r"
  done | sort -n | awk -v n="$ROUNDS" 'NR == int((n + 1) / 2) { print $2 }'
}
# round_ratios BASE GOSTLY -> "0.91, 0.97, 0.95" in round order
round_ratios() {
  local r out=""
  for r in $(seq 1 "$ROUNDS"); do
    out+="${out:+, }$(ratio "${RPS[${2}_$r]}" "${RPS[${1}_$r]}")"
  done
  echo "$out"
}

row() { # row BENCH SERVER KEY RATIO ROUNDS TARGET VERDICT [EXPECT_404]
  local k="$3" extra="" non2="${NON2XX[$3]}"
  # The miss rows answer 404 by design; flag only what is unexpected.
  if [[ "${8:-}" == 404 ]]; then
    [[ "$non2" == "${COMPLETED[$k]}" ]] && non2=0 || non2="$((COMPLETED[$k] - non2)) not 404"
  fi
  if [[ "$non2" != 0 || "${SOCKERR[$k]}" != 0 ]]; then
    extra=" (non-2xx: ${non2}, socket errors: ${SOCKERR[$k]})"
  fi
  local o0=$((CORE0[$k] - SRVCPU[$k])) o1=$((CORE1[$k] - WRKCPU[$k]))
  if [[ "$o0" -gt "$NOISE_PCT" || "$o1" -gt "$NOISE_PCT" ]]; then
    extra+=" (noisy: other processes used ~${o0}% of core $SERVER_CPU, ~${o1}% of core $CLIENT_CPU)"
  fi
  printf '| %s | %s | %s | %s | %s | %s%% / %s%% | %s%% / %s%% | %s | %s | %s | %s |\n' \
    "$1" "$2" "$(fmt_rps "${RPS[$k]}")" "${P50[$k]}" "${P99[$k]}" \
    "${SRVCPU[$k]}" "${WRKCPU[$k]}" "${CORE0[$k]}" "${CORE1[$k]}" \
    "$4" "$5" "$6" "$7$extra"
}

NOISE_PCT=10
NOISY=0
for k in "${!RPS[@]}"; do
  if [[ $((CORE0[$k] - SRVCPU[$k])) -gt "$NOISE_PCT" || $((CORE1[$k] - WRKCPU[$k])) -gt "$NOISE_PCT" ]]; then
    NOISY=1
  fi
done
NOISE_NOTE="other processes on the machine used more than ${NOISE_PCT}% of a benchmark core during at least one run (rows marked noisy); those numbers are not trustworthy"
M_HIT="$(median_round nginx_hit gostly_hit)"
M_MISS="$(median_round nginx_miss gostly_miss)"
M_PASS="$(median_round nginx_proxy gostly_pass)"
M_LEARN="$(median_round gostly_pass gostly_learn)"
R_HIT="$(ratio "${RPS[gostly_hit_$M_HIT]}" "${RPS[nginx_hit_$M_HIT]}")"
R_MISS="$(ratio "${RPS[gostly_miss_$M_MISS]}" "${RPS[nginx_miss_$M_MISS]}")"
R_PASS="$(ratio "${RPS[gostly_pass_$M_PASS]}" "${RPS[nginx_proxy_$M_PASS]}")"
R_LEARN="$(ratio "${RPS[gostly_learn_$M_LEARN]}" "${RPS[gostly_pass_$M_LEARN]}")"

TABLE="$(
  echo "| benchmark | server | req/s | p50 (ms) | p99 (ms) | CPU: servers / wrk | core 0 / 1 busy | ratio (median) | every round | target | result |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---|---:|---|"
  row "1. MOCK exact hit" "nginx \`return 200\`" "nginx_hit_$M_HIT" "baseline" "" "" ""
  row "1. MOCK exact hit" "gostly MOCK" "gostly_hit_$M_HIT" "$R_HIT" "$(round_ratios nginx_hit gostly_hit)" "≥ 0.9" "$(verdict "$R_HIT" 0.9)"
  row "2. MOCK miss (404)" "nginx \`return 404\`" "nginx_miss_$M_MISS" "baseline" "" "" "" 404
  row "2. MOCK miss (404)" "gostly MOCK" "gostly_miss_$M_MISS" "$R_MISS" "$(round_ratios nginx_miss gostly_miss)" "≥ 0.8" "$(verdict "$R_MISS" 0.8)" 404
  row "3. PASSTHROUGH" "nginx \`proxy_pass\`" "nginx_proxy_$M_PASS" "baseline" "" "" ""
  row "3. PASSTHROUGH" "gostly PASSTHROUGH" "gostly_pass_$M_PASS" "$R_PASS" "$(round_ratios nginx_proxy gostly_pass)" "≥ 1.0" "$(verdict "$R_PASS" 1.0)"
  row "4. LEARN vs PASSTHROUGH" "gostly LEARN" "gostly_learn_$M_LEARN" "$R_LEARN" "$(round_ratios gostly_pass gostly_learn)" "≥ 0.8" "$(verdict "$R_LEARN" 0.8)"
)"

echo
echo "$TABLE"
echo
echo "LEARN: $LEARN_NOTE"
echo "       $LEARN_DETAIL"
echo "(ratio = gostly req/s / baseline req/s; rows 1-3 against nginx, row 4 against gostly PASSTHROUGH;"
echo " each row is the round whose ratio is the median of $ROUNDS interleaved rounds)"
echo "(CPU: servers = CPU time of every server-side process this script started, per wall second, all on core $SERVER_CPU;"
echo " wrk = wrk's CPU on core $CLIENT_CPU; core busy = /proc/stat for the whole core, other processes included)"
for note in "${SHUTDOWN_NOTES[@]+"${SHUTDOWN_NOTES[@]}"}"; do echo "NOTE: $note"; done
if [[ "$NOISY" == 1 ]]; then echo "WARNING: $NOISE_NOTE"; fi

if [[ "$RECORD" == 1 ]]; then
  results_prepare "$RESULTS_MD"
  {
    echo
    echo "## $(date -u "+%F %H:%M UTC") — wrk macro benchmarks"
    echo
    echo "- Machine: ${NCPU} cores (\`nproc\`), ${MODEL}; $(uname -sr)"
    echo "- Software: $("$NGINX_BIN" -v 2>&1 | sed 's/^nginx version: //'), $("$WRK_BIN" -v 2>&1 | head -1 | awk '{print "wrk " $2}'), gostly at git ${GOSTLY_REV} (binary sha256 ${GOSTLY_SHA}…)"
    echo "- Method: servers (nginx 1 worker, gostly \`--threads 1\`, the nginx upstream) pinned to core ${SERVER_CPU}; \`wrk -t1 -c${CONNECTIONS} -d${DURATION}s --latency\` pinned to core ${CLIENT_CPU}; ${WARMUP} s warm-up before each run; ${ROUNDS} interleaved rounds of all runs, each row from the round with the median ratio; loopback only; all rows from one invocation; access logs off; ~${#BODY}-byte JSON body."
    echo "- Load average at start: ${LOAD_START}"
    echo
    echo "$TABLE"
    echo
    echo "- LEARN: ${LEARN_NOTE}. ${LEARN_DETAIL}."
    echo "- Columns: ratio = gostly req/s ÷ baseline req/s (rows 1–3: nginx; row 4: gostly PASSTHROUGH), the median of the rounds; every round = each round's ratio, in order. CPU: servers = CPU time of all server-side processes the script started (core ${SERVER_CPU}) per wall second; wrk = wrk's own CPU (core ${CLIENT_CPU}); core busy = whole-core /proc/stat, other processes on the machine included."
    for note in "${SHUTDOWN_NOTES[@]+"${SHUTDOWN_NOTES[@]}"}"; do echo "- Shutdown: $note"; done
    if [[ "$NOISY" == 1 ]]; then echo "- **Warning:** $NOISE_NOTE."; fi
  } >> "$RESULTS_MD"
  log "appended results to $RESULTS_MD"
fi
