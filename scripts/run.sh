#!/usr/bin/env bash
# `make run`: start `gostly up`. Without BACKEND_URL it serves the demo library in MOCK;
# with BACKEND_URL it records the user's upstream in LEARN.
set -euo pipefail
bin="$1"
data="$2"
port="${PROXY_PORT:-8080}"
cport="${CONTROL_PORT:-8000}"
root="$(cd "$(dirname "$0")/.." && pwd)"

mkdir -p "$data/mocks"
if [[ -z "${BACKEND_URL:-}" ]]; then
  # Seed the demo library once; an existing library is never overwritten.
  if ! compgen -G "$data/mocks/*.jsonl" >/dev/null; then
    cp "$root"/demo/mocks/*.jsonl "$data/mocks/"
    echo "Seeded the demo library into $data/mocks/"
  fi
  mode="${INITIAL_MODE:-mock}"
  cat <<MSG

Gostly is starting in MOCK mode on http://127.0.0.1:$port (library: $data/mocks).
Try, in another terminal:
  curl -i http://127.0.0.1:$port/api/users/42            # exact replay (X-Ghost-Mock: true)
  curl -i http://127.0.0.1:$port/api/users/7             # smart swap: unrecorded id (X-Ghost-SwapMatch)
  curl -i 'http://127.0.0.1:$port/api/users?role=admin&page=1'   # query order does not matter
  curl -i -X POST http://127.0.0.1:$port/api/orders -H 'Content-Type: application/json' \\
       -d '{ "sku": "tea-01",  "quantity": 2 }'           # JSON body matched canonically
  curl -i http://127.0.0.1:$port/api/nothing              # miss: 404 naming the route
  curl -s http://127.0.0.1:$port/ghost/mocks | head -c 600; echo
  curl -s http://127.0.0.1:$port/metrics | grep ghost_requests_total
The control plane (REST API, store in $data/gostly.db) is on http://127.0.0.1:$cport:
  curl -s http://127.0.0.1:$cport/healthz; echo
  build/gostly status
  curl -s -X POST http://127.0.0.1:$cport/v1/mocks -d '{"method":"GET","uri":"/api/plans/basic","status":200,"response_body":{"plan":"basic"}}'
  curl -i http://127.0.0.1:$port/api/plans/basic         # served at once
To record your own API instead: BACKEND_URL=https://api.example.com make run
Stop with Ctrl-C.

MSG
else
  mode="${INITIAL_MODE:-learn}"
  cat <<MSG

Gostly is starting in LEARN mode on http://127.0.0.1:$port, recording $BACKEND_URL.
Send your traffic through it, e.g.:
  curl -i http://127.0.0.1:$port/
Then scrub the recordings into the store and switch to replay:
  build/gostly transition
  curl -s 'http://127.0.0.1:$cport/v1/mocks?limit=5'; echo
Recordings: $data/traffic/ and the local library $data/mocks/ (credentials redacted);
the scrubbed, sealed store: $data/gostly.db (control plane on http://127.0.0.1:$cport).
Stop with Ctrl-C.

MSG
fi
exec "$bin" up --data-dir "$data" --port "$port" --control-port "$cport" --initial-mode "$mode"
