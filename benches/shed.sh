#!/usr/bin/env bash
# A scan spike with and without the in-flight limit (issue 16, F6), same machine, one run.
#
#   bash benches/shed.sh                       # 10 s per measurement
#   DURATION=20s SPIKE_CONNS=2048 LIMIT=64 bash benches/shed.sh
#
# 1. the peak: wrk with CONNS (64) connections on the scan page, rotating over every code of
#    the demo district, against an instance without a limit;
# 2. the spike: SPIKE_CONNS (1024) connections, first against an instance without a limit,
#    then against one with `server.max_in_flight = LIMIT`.
# For each run: requests served (2xx) per second, requests shed (503), wrk's p99 over every
# answer, the server's own p99 of the served scans (from its /metrics histogram, so shed
# answers do not flatter it; reported as the histogram bucket it falls in), and the server's
# peak resident memory (VmHWM). wrk shares the two cores with the server: compare the runs
# with each other, not with another machine. Reuses the one release build (.ci/build).
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/services
DURATION="${DURATION:-10s}"
CONNS="${CONNS:-64}"
SPIKE_CONNS="${SPIKE_CONNS:-1024}"
LIMIT="${LIMIT:-64}"
PORT=18090
export MASHANG__DATABASE__URL="postgres://root@127.0.0.1:5432/mashang_bench_shed"
export MASHANG__SERVER__PORT=$PORT
export MASHANG__SERVER__PUBLIC_URL="http://127.0.0.1:$PORT"
export MASHANG__SERVER__WORKERS=2
export MASHANG__LOG__FILTER=error
export MASHANG__JOBS__ENABLED=false

command -v wrk >/dev/null || apt_install wrk
command -v jq >/dev/null || apt_install jq
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

source .ci/build
bin="$MASHANG_BIN"
psql -h 127.0.0.1 -U root -d postgres -qc "CREATE DATABASE mashang_bench_shed" 2>/dev/null || true
"$bin" migrate >/dev/null
"$bin" demo >/dev/null

urls=$(mktemp)
psql -h 127.0.0.1 -U root -d mashang_bench_shed -tAc \
  "SELECT '/C/' || token FROM codes WHERE status = 'active' ORDER BY random()" > "$urls"
app=
trap 'kill $app 2>/dev/null || true; rm -f "$urls"' EXIT

secs=${DURATION%s}
start_app() {
  MASHANG__SERVER__MAX_IN_FLIGHT=$1 "$bin" serve & app=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && return; sleep 0.1; done
  echo "the server did not start" >&2; exit 1
}
stop_app() { kill "$app"; wait "$app" 2>/dev/null || true; app=; }
wrk_run() {
  WRK_PATHS_FILE="$urls" wrk -t 2 -c "$1" -d "${2}s" --latency --timeout 10s -s benches/wrk.lua \
    "http://127.0.0.1:$PORT/" | sed -n 's/^WRK_JSON //p'
}
# The served scans' p99 from the server's histogram: the first bucket holding 99 % of them.
served_p99() {
  curl -s "http://127.0.0.1:$PORT/metrics" | awk '
    /^http_request_duration_seconds_bucket/ && /route="\/C\/\{tail\}"/ && /status="200"/ {
      match($0, /le="[^"]+"/); le = substr($0, RSTART + 4, RLENGTH - 5); n[le] = $NF; order[++k] = le
    }
    END {
      total = n["+Inf"]; if (total == 0) { print "n/a"; exit }
      for (i = 1; i <= k; i++) if (n[order[i]] >= 0.99 * total) { printf "≤ %.0f ms", order[i] * 1000; exit }
    }'
}
peak_rss_mb() { awk '/VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$app/status"; }

# measure LABEL LIMIT CONNS: a fresh instance (fresh histogram and memory peak), 3 s warm-up.
measure() {
  local label=$1 limit=$2 conns=$3
  start_app "$limit"
  wrk_run 64 3 >/dev/null
  local j; j=$(wrk_run "$conns" "$secs")
  local served shed
  served=$(echo "$j" | jq -r '(.requests - .non2xx) / ('"$secs"') | floor')
  shed=$(echo "$j" | jq -r '.non2xx')
  printf '%-34s served %6s req/s  shed %7s  wrk p99 %8s ms  server p99 (served) %-9s  peak RSS %s MB\n' \
    "$label" "$served" "$shed" "$(echo "$j" | jq -r .p99_ms)" "$(served_p99)" "$(peak_rss_mb)"
  stop_app
}

echo "codes in rotation: $(wc -l < "$urls"); $DURATION per run"
measure "peak, $CONNS conns, no limit" 0 "$CONNS"
measure "spike, $SPIKE_CONNS conns, no limit" 0 "$SPIKE_CONNS"
measure "spike, $SPIKE_CONNS conns, max_in_flight=$LIMIT" "$LIMIT" "$SPIKE_CONNS"
