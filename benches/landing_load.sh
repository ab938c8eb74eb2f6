#!/usr/bin/env bash
# Load test: the scan landing page against a minimal actix-web handler, same machine, same run.
#
#   bash benches/landing_load.sh            # 10 s per measurement
#   DURATION=30s bash benches/landing_load.sh
#
# 1. peak request rate of each server (wrk, 64 connections, closed loop);
# 2. the landing page at half its own peak rate (paced connections): p50/p99 latency.
# The landing requests rotate over every household and shop code of the demo district, so
# the per-instance cache sees realistic keys. Both servers run 2 workers (one per core), and
# wrk shares the same 2 cores: the ratio is the figure to compare, not the absolute rates.
# Reuses the one release build (.ci/build); wrk comes from Debian's packages.
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/services
DURATION="${DURATION:-10s}"
CONNS="${CONNS:-64}"
export MASHANG__DATABASE__URL="postgres://root@127.0.0.1:5432/mashang_bench"
export MASHANG__SERVER__PORT=18080
export MASHANG__SERVER__PUBLIC_URL="http://127.0.0.1:18080"
export MASHANG__LOG__FILTER=warn

command -v wrk >/dev/null || apt_install wrk
command -v jq >/dev/null || apt_install jq

source .ci/build
minimal=$(cargo test --release --locked --bench minimal_server --no-run --message-format=json 2>/dev/null |
  jq -r 'select(.executable != null and .target.name == "minimal_server") | .executable' | tail -n 1)
bin="$MASHANG_BIN"
"$bin" migrate >/dev/null
"$bin" demo >/dev/null

urls=$(mktemp)
psql -h 127.0.0.1 -U root -d mashang_bench -tAc \
  "SELECT 'http://127.0.0.1:18080/C/' || token FROM codes WHERE status = 'active' ORDER BY random()" > "$urls"
echo "codes in rotation: $(wc -l < "$urls")"

"$bin" serve & app=$!
WORKERS=2 "$minimal" 18081 & base=$!
trap 'kill $app $base 2>/dev/null || true; rm -f "$urls"' EXIT
for _ in $(seq 1 50); do curl -sf http://127.0.0.1:18080/readyz >/dev/null && curl -sf http://127.0.0.1:18081/ >/dev/null && break; sleep 0.2; done

secs=${DURATION%s}
# run URL [extra env...]: one wrk run, printing its JSON summary line.
run() {
  local url=$1; shift
  env "$@" wrk -t 2 -c "$CONNS" -d "${secs}s" --latency -s benches/wrk.lua "$url" | sed -n 's/^WRK_JSON //p'
}
rps() { jq -r '.rps | floor'; }
pct() { jq -r ".$1"; }

# Warm both (and the landing cache) for 3 s.
secs_saved=$secs; secs=3
run http://127.0.0.1:18081/ >/dev/null
run http://127.0.0.1:18080/ WRK_PATHS_FILE="$urls" >/dev/null
secs=$secs_saved

base_json=$(run http://127.0.0.1:18081/)
land_json=$(run http://127.0.0.1:18080/ WRK_PATHS_FILE="$urls")
base_rps=$(echo "$base_json" | rps)
land_rps=$(echo "$land_json" | rps)
half=$((land_rps / 2))
# Each of the CONNS connections pauses so that together they offer about half the peak.
delay_ms=$(awk "BEGIN { printf \"%d\", 1000 * $CONNS / ($half > 0 ? $half : 1) }")
half_json=$(run http://127.0.0.1:18080/ WRK_PATHS_FILE="$urls" WRK_DELAY_MS="$delay_ms")
bad=$(echo "$land_json" | jq -r '.bad')

echo
echo "minimal actix-web handler : ${base_rps} req/s (p99 $(echo "$base_json" | pct p99_ms) ms)"
echo "scan landing page         : ${land_rps} req/s (p99 $(echo "$land_json" | pct p99_ms) ms), ${bad} not 2xx/3xx or failed"
echo "ratio                     : $(awk "BEGIN { printf \"%.1f%%\", 100 * $land_rps / $base_rps }") (target ≥ 35%)"
echo "landing paced at ~${half} req/s (half its peak; measured $(echo "$half_json" | rps) req/s): p50 $(echo "$half_json" | pct p50_ms) ms, p99 $(echo "$half_json" | pct p99_ms) ms (target p99 < 20 ms)"
