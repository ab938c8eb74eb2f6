#!/usr/bin/env bash
# Load test: the scan landing page against a minimal actix-web handler, same machine, same run.
#
#   bash benches/landing_load.sh            # 10 s per measurement
#   DURATION=30s bash benches/landing_load.sh
#
# 1. peak request rate of each server (oha, 64 connections, closed loop);
# 2. the landing page at half its own peak rate (open loop, oha -q): p50/p99 latency.
# The landing requests rotate over every household and shop code of the demo district, so
# the per-instance cache sees realistic keys. Both servers run 2 workers (one per core), and
# oha shares the same 2 cores: the ratio is the figure to compare, not the absolute rates.
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/services
DURATION="${DURATION:-10s}"
CONNS="${CONNS:-64}"
export MASHANG__DATABASE__URL="postgres://root@127.0.0.1:5432/mashang_bench"
export MASHANG__SERVER__PORT=18080
export MASHANG__SERVER__PUBLIC_URL="http://127.0.0.1:18080"
export MASHANG__LOG__FILTER=warn

command -v oha >/dev/null || cargo install oha --locked --quiet
command -v jq >/dev/null || apt_install jq

cargo build --release --locked --bin mashang
minimal=$(cargo bench --locked --bench minimal_server --no-run --message-format=json 2>/dev/null |
  jq -r 'select(.executable != null and .target.name == "minimal_server") | .executable' | tail -n 1)
bin="$CARGO_TARGET_DIR/release/mashang"
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

run() { oha --no-tui --output-format json "$@" 2>/dev/null; }
rps() { jq -r '.summary.requestsPerSec | floor'; }
pct() { jq -r ".latencyPercentiles.$1 * 1000 | . * 100 | round / 100"; }

# Warm both (and the landing cache) for 3 s.
run -z 3s -c "$CONNS" http://127.0.0.1:18081/ >/dev/null
run -z 3s -c "$CONNS" --urls-from-file "$urls" >/dev/null

base_json=$(run -z "$DURATION" -c "$CONNS" http://127.0.0.1:18081/)
land_json=$(run -z "$DURATION" -c "$CONNS" --urls-from-file "$urls")
base_rps=$(echo "$base_json" | rps)
land_rps=$(echo "$land_json" | rps)
half=$((land_rps / 2))
half_json=$(run -z "$DURATION" -c "$CONNS" -q "$half" --urls-from-file "$urls")
ok=$(echo "$land_json" | jq -r '.statusCodeDistribution["200"] // 0')

echo
echo "minimal actix-web handler : ${base_rps} req/s (p99 $(echo "$base_json" | pct p99) ms)"
echo "scan landing page         : ${land_rps} req/s (p99 $(echo "$land_json" | pct p99) ms), ${ok} × 200"
echo "ratio                     : $(awk "BEGIN { printf \"%.1f%%\", 100 * $land_rps / $base_rps }") (target ≥ 35%)"
echo "landing at ${half} req/s (half its peak): p50 $(echo "$half_json" | pct p50) ms, p99 $(echo "$half_json" | pct p99) ms (target p99 < 20 ms)"
