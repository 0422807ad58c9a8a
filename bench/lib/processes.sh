# Shared by the bench scripts (sourced, not run): logging, a temp dir, and the processes a
# script starts — tracked by PID in PIDS, stopped (SIGTERM, bounded wait, SIGKILL) at exit.
#
#   source "$REPO_ROOT/bench/lib/processes.sh"
#   bench_start NAME     # creates $TMP (gostly-NAME.XXXXXX) and installs the exit trap
#   some_cmd & PIDS+=($!)
#   results_prepare FILE # before appending a --record section: sets MODEL and GOSTLY_REV
#
# KEEP_TMP=1 keeps the temp dir for inspection.

die() { echo "run.sh: $*" >&2; exit 1; }
log() { echo "[bench] $*" >&2; }

PIDS=()

# stop_pid PID: SIGTERM, bounded wait (5 s), then SIGKILL; sets STOP_STATUS to its exit status.
STOP_STATUS=0
stop_pid() {
  local pid="$1" _
  STOP_STATUS=0
  kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || STOP_STATUS=$?; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || STOP_STATUS=$?
}

bench_cleanup() {
  local rc=$? pid
  set +e
  for pid in "${PIDS[@]+"${PIDS[@]}"}"; do
    stop_pid "$pid"
  done
  if [[ "${KEEP_TMP:-0}" == 1 ]]; then
    log "kept temp dir $TMP"
  else
    rm -rf "$TMP"
  fi
  exit "$rc"
}

bench_start() {
  TMP="$(mktemp -d "${TMPDIR:-/tmp}/gostly-$1.XXXXXX")"
  trap bench_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

# Stops one started process (by PID) and forgets it; STOP_STATUS holds its exit status.
stop_tracked() {
  local target="$1" kept=() pid
  stop_pid "$target"
  for pid in "${PIDS[@]+"${PIDS[@]}"}"; do
    [[ "$pid" == "$target" ]] || kept+=("$pid")
  done
  PIDS=("${kept[@]+"${kept[@]}"}")
}

# A loopback port that was free a moment ago.
free_port() {
  python3 - <<'PY'
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
PY
}

# results_prepare RESULTS_MD: sets MODEL (CPU model) and GOSTLY_REV (short HEAD of
# $REPO_ROOT) for a --record section, and starts RESULTS_MD with its title if it is new.
results_prepare() {
  local file="$1"
  MODEL="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  GOSTLY_REV="$(git -C "$REPO_ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  if [[ ! -f "$file" ]]; then
    # shellcheck disable=SC2016  # literal backquotes for markdown
    printf '# Gostly benchmark results\n\nAppended by the `bench/*/run.sh --record` scripts; newest last.\n' > "$file"
  fi
}
