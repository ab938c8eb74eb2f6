#!/usr/bin/env bash
# Load test: submitting a snap-report without a photo, end to end (HTTP → validation →
# routing by point through the R-tree → one transaction with the report, its two events and
# the mails to the outbox), against pgbench running a transaction that inserts the same rows
# (report + 2 events + 2 outbox rows), same machine, same run.
#
#   bash benches/report_load.sh              # 10 s per measurement
#   DURATION=30 CONNS=32 bash benches/report_load.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/services
DURATION="${DURATION:-10}"
CONNS="${CONNS:-16}"
DB=mashang_bench_reports
export MASHANG__DATABASE__URL="postgres://root@127.0.0.1:5432/$DB"
export MASHANG__SERVER__PORT=18090
export MASHANG__SERVER__PUBLIC_URL="http://127.0.0.1:18090"
export MASHANG__LOG__FILTER=warn
# All load comes from one address: lift the anonymous limits for this run only.
export MASHANG__REPORTS__ANONYMOUS_PER_IP_PER_HOUR=1000000000
export MASHANG__JOBS__ENABLED=false

command -v wrk >/dev/null || apt_install wrk
command -v jq >/dev/null || apt_install jq
command -v pgbench >/dev/null || apt_install postgresql-contrib
source .ci/build
bin="$MASHANG_BIN"
psql -h 127.0.0.1 -U root -d postgres -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
"$bin" migrate >/dev/null
"$bin" demo >/dev/null

# A point inside 邮电小区 (GY-01-01): routed by the R-tree, not by a code.
read -r lon lat < <(psql -h 127.0.0.1 -U root -d $DB -tAF' ' -c \
  "SELECT (boundary->'coordinates'->0->0->>0)::float8 + 0.0005, (boundary->'coordinates'->0->0->>1)::float8 + 0.0005 FROM grids WHERE code = 'GY-01-01'")
grid=$(psql -h 127.0.0.1 -U root -d $DB -tAc "SELECT id FROM grids WHERE code = 'GY-01-01'")

"$bin" serve & app=$!
trap 'kill $app 2>/dev/null || true; rm -f /tmp/mashang-report.pgbench' EXIT
for _ in $(seq 1 50); do curl -sf http://127.0.0.1:18090/readyz >/dev/null && break; sleep 0.2; done

# confirm_new: every request is a new report (no "same problem?" short-cut); no idempotency
# key, so the server makes a fresh one per request.
body="{\"description\":\"路灯不亮，晚上很黑\",\"category\":\"component.street_light\",\"lon\":$lon,\"lat\":$lat,\"confirm_new\":true}"
post() {
  wrk -t 2 -c "$CONNS" -d "$1" --latency -s benches/wrk.lua -H 'content-type: application/json' \
    http://127.0.0.1:18090/api/v1/reports | sed -n 's/^WRK_JSON //p'
}
export WRK_METHOD=POST WRK_BODY="$body"
post 3s >/dev/null
app_json=$(post "${DURATION}s")
kill $app; wait $app 2>/dev/null || true

cat > /tmp/mashang-report.pgbench <<SQL
BEGIN;
INSERT INTO reports (public_id, idempotency_key, request_hash, grid_id, category, department, ledger_kind, description, location_source, lon, lat, accept_by, finish_by)
  VALUES (upper(substr(md5(random()::text || clock_timestamp()::text), 1, 26)), md5(random()::text || clock_timestamp()::text), md5(random()::text), $grid,
          'component.street_light', 'power_utility', 'time_limited', '路灯不亮，晚上很黑', 'gps', $lon, $lat, now() + interval '4 hours', now() + interval '72 hours')
  RETURNING id AS rid \gset
INSERT INTO case_events (report_id, actor, action, to_state, data, public) VALUES (:rid, 'reporter', 'submit', 'submitted', '{"category":"component.street_light"}', true);
INSERT INTO case_events (report_id, actor, action, data, public) VALUES (:rid, 'system', 'route', '{"by":"point"}', true);
INSERT INTO mail_outbox (dedupe_key, to_address, template, locale, params) VALUES ('new_case:' || :rid || ':a', 'a@x.cn', 'new_case', 'zh-CN', '{}');
INSERT INTO mail_outbox (dedupe_key, to_address, template, locale, params) VALUES ('new_case:' || :rid || ':b', 'b@x.cn', 'new_case', 'zh-CN', '{}');
COMMIT;
SQL
pg_out=$(pgbench -h 127.0.0.1 -U root -n -c "$CONNS" -j 2 -T "$DURATION" -f /tmp/mashang-report.pgbench $DB 2>&1)
pg_tps=$(echo "$pg_out" | sed -n 's/^tps = \([0-9.]*\).*/\1/p' | head -n 1)
pg_lat=$(echo "$pg_out" | sed -n 's/^latency average = \([0-9.]*\) ms/\1/p')

app_rps=$(echo "$app_json" | jq -r '.rps | floor')
created=$(echo "$app_json" | jq -r '.requests - .bad')
p50=$(echo "$app_json" | jq -r '.p50_ms')
p99=$(echo "$app_json" | jq -r '.p99_ms')
echo
echo "report submission (HTTP, end to end): ${app_rps} req/s, ${created} × 2xx, p50 ${p50} ms, p99 ${p99} ms (${CONNS} connections)"
echo "pgbench, the same inserts           : ${pg_tps} tx/s, mean latency ${pg_lat} ms (${CONNS} clients)"
echo "ratio                               : $(awk "BEGIN { printf \"%.1f%%\", 100 * $app_rps / $pg_tps }")"
