#!/usr/bin/env bash
# Sends the bad inputs of issue 11 (and those of the black-box tests) to a release build of
# `mashang serve` and prints a table: input, the answer wanted, the answer got, the time, the
# server's RSS before each request and its peak RSS while answering it, and at the end its peak RSS (VmHWM).
#
#   bash benches/bad_input.sh                    # port 8202, database mashang_bad_input
#   BAD_INPUT_PORT=9000 BAD_INPUT_DB=x BAD_INPUT_PREFIX=x: bash benches/bad_input.sh
#   MASHANG_BIN=/path/to/mashang bash benches/bad_input.sh   # skip the build
#
# A row passes when the status matches and (unless the photo is decoded, whose cost is the
# point of the row) the answer came within 100 ms. The script exits non-zero if a row fails.
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/services
port="${BAD_INPUT_PORT:-8202}"
db="${BAD_INPUT_DB:-mashang_bad_input}"
export MASHANG__DATABASE__URL="postgres://root@127.0.0.1:5432/$db"
prefix="${BAD_INPUT_PREFIX:-bad_input_$port:}"
export MASHANG__REDIS__KEY_PREFIX="$prefix"
export MASHANG__SERVER__PORT="$port"
export MASHANG__SERVER__PUBLIC_URL="http://127.0.0.1:$port"
export MASHANG__LOG__FILTER=warn
# A panic symbolised for a backtrace maps the debug info: +400 MB RSS (seen here).
export RUST_BACKTRACE=0
export MASHANG__JOBS__ENABLED=false
export MASHANG__STORAGE__DIR="/tmp/mashang-bad-input-$port/storage"
# Every request comes from one address: the anonymous report limit would answer 429 first.
export MASHANG__REPORTS__ANONYMOUS_PER_IP_PER_HOUR=1000000
export MASHANG__REPORTS__ANONYMOUS_PER_CODE_PER_HOUR=1000000
base="http://127.0.0.1:$port"
work="/tmp/mashang-bad-input-$port"
rm -rf "$work"; mkdir -p "$work"

# The project's one build (.ci/build), unless MASHANG_BIN names a binary already built.
if [ -z "${MASHANG_BIN:-}" ]; then source .ci/build; fi
bin="$MASHANG_BIN"
psql -h 127.0.0.1 -U root -d postgres -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)"
# (in Redis itself: a previous run's keys may be megabytes long, too long for a command line)
redis-cli -h 127.0.0.1 EVAL "for _, k in ipairs(redis.call('KEYS', ARGV[1])) do redis.call('DEL', k) end" 0 "$prefix*" >/dev/null
"$bin" migrate >/dev/null
"$bin" demo >/dev/null

# ---- the inputs (files) ----
python3 - "$work" <<'PY'
import io, os, struct, sys, zipfile, zlib
w = sys.argv[1]
def chunk(kind, data):
    c = kind + data
    return struct.pack(">I", len(data)) + c + struct.pack(">I", zlib.crc32(c))
def png(width, height, colour, row_of):
    z = zlib.compressobj(9)
    body = b"".join(z.compress(b"\0" + row_of(y)) for y in range(height)) + z.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 8, colour, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", body) + chunk(b"IEND", b"")
def save(name, data):
    open(os.path.join(w, name), "wb").write(data)
blank_la = bytes(2 * 8000)
save("bomb-la-8000.png", png(8000, 8000, 4, lambda y: blank_la))
small = png(4, 4, 2, lambda y: bytes(12))
save("declares-60000.png", small[:16] + struct.pack(">II", 60000, 60000) + small[24:29]
     + struct.pack(">I", zlib.crc32(small[12:16] + struct.pack(">II", 60000, 60000) + small[24:29])) + small[33:])
save("truncated.png", png(200, 200, 2, lambda y: bytes((x * 7 + y) % 256 for x in range(600)))[:900])
save("not-a-photo.pdf", b"%PDF-1.7 not a photo")
save("ff-11mb.jpg", b"\xff" * (11 * 1024 * 1024))
grad = lambda width: (lambda y: bytes((x // 16 + y // 16) % 256 for x in range(3 * width)))
save("photo-4000x3000.png", png(4000, 3000, 2, grad(4000)))
save("photo-6000x4500.png", png(6000, 4500, 2, grad(6000)))
save("la-6000x4500.png", png(6000, 4500, 4, lambda y: bytes(12000)))
save("tiny.png", small)
def xlsx(sheet_xml, compress=zipfile.ZIP_DEFLATED):
    parts = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": sheet_xml,
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compress) as z:
        for name, body in parts.items():
            z.writestr(name, body)
    return out.getvalue()
def sheet(dim, cells):
    rows = "".join(f'<row r="{"".join(c for c in r if c.isdigit())}"><c r="{r}" t="inlineStr"><is><t>{t}</t></is></c></row>' for r, t in cells)
    return f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="{dim}"/><sheetData>{rows}</sheetData></worksheet>'
save("a1-xfd1048576.xlsx", xlsx(sheet("A1:XFD1048576", [("A1", "网格编码"), ("XFD1048576", "x")])))
save("a1-all100000.xlsx", xlsx(sheet("A1:ALL100000", [("A1", "网格编码"), ("ALL100000", "x")])))
save("lying-dimension.xlsx", xlsx(sheet("A1:A1", [("A1", "网格编码"), ("XFD1048576", "x")])))
bomb = '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>' + " " * (300 * 1024 * 1024) + "</sheetData></worksheet>"
save("zip-bomb-300mb.xlsx", xlsx(bomb))
save("legacy.xls", bytes([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) + bytes(504))
save("wide-row.csv", ("网格编码,楼栋,房号\nG1,1,101" + ",x" * (4 * 1024 * 1024) + "\n").encode())
PY

"$bin" serve >"$work/serve.log" 2>&1 & app=$!
trap 'kill $app 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -sf "$base/readyz" >/dev/null && break; sleep 0.2; done

rss() { awk '/^VmRSS/ {printf "%.0f", $2/1024}' "/proc/$app/status"; }
failures=0
printf '%-58s %-8s %-6s %8s %7s %7s  %s\n' "input" "want" "got" "ms" "RSS MB" "peak" "verdict"
# row NAME WANT(regex) [decoded] -- curl arguments...
row() {
    local name="$1" want="$2" decoded=""
    shift 2
    if [ "$1" = decoded ]; then decoded=1; shift; fi
    shift # --
    local before after out code ms verdict
    before=$(rss)
    echo 5 >"/proc/$app/clear_refs" # VmHWM from here: this request's peak
    out=$(curl -s -o "$work/body" -w '%{http_code} %{time_total}' "$@" || true)
    after=$(awk '/^VmHWM/ {printf "%.0f", $2/1024}' "/proc/$app/status")
    code=${out% *}
    ms=$(awk -v t="${out#* }" 'BEGIN { printf "%.0f", t * 1000 }')
    if [[ "$code" =~ ^($want)$ ]]; then
        if [ -n "$decoded" ]; then verdict="ok (decoded)";
        elif [ "$ms" -le 100 ]; then verdict="ok";
        else verdict="SLOW"; failures=$((failures + 1)); fi
    else
        verdict="FAIL"; failures=$((failures + 1))
    fi
    printf '%-58s %-8s %-6s %8s %7s %7s  %s\n' "$name" "$want" "$code" "$ms" "$before" "$after" "$verdict"
}

# A resident's report form: its CSRF cookie and token.
jar="$work/jar"
form=$(curl -s -c "$jar" -b "$jar" "$base/report")
# The upload form's token rides in its action URL (/report?csrf=…), checked before the body.
csrf=$(grep -o 'action="/report?csrf=[^"]*"' <<<"$form" | head -1 | sed 's/.*csrf=//; s/"$//')
post="$base/report?csrf=$csrf"
key() { head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
report() { # report NAME WANT [decoded] -- extra curl -F arguments
    local name="$1" want="$2"; shift 2
    local d=(); if [ "$1" = decoded ]; then d=(decoded); shift; fi
    shift
    row "$name" "$want" "${d[@]}" -- -b "$jar" -F "csrf=$csrf" -F "idempotency_key=$(key)" \
        -F "address=新民路" -F "description=路面塌陷" "$@" "$post"
}
echo "-- photos (issue 11 item 4)"
report "photo: 8000x8000 grey+alpha PNG, 124 KB" '422' -- -F "photos=@$work/bomb-la-8000.png"
t0=$(date +%s%N); before=$(rss)
for i in 1 2 3; do
    curl -s -o /dev/null -w '%{http_code}\n' -b "$jar" -F "csrf=$csrf" -F "idempotency_key=$(key)" -F "address=x" \
        -F "description=x" -F "photos=@$work/bomb-la-8000.png" "$post" >"$work/par$i" &
done
wait $(jobs -p | grep -v "^$app$") 2>/dev/null || true
ms=$(( ($(date +%s%N) - t0) / 1000000 )); codes=$(cat "$work"/par? | sort -u | tr '\n' ' ')
v=ok; [ "$codes" = "422 " ] && [ "$ms" -le 300 ] || { v=FAIL; failures=$((failures + 1)); }
printf '%-58s %-8s %-6s %8s %7s %7s  %s\n' "photo: the same, 3 at once (all three)" 422 "${codes% }" "$ms" "$before" "$(rss)" "$v"
report "photo: PNG header declaring 60000x60000" '422' -- -F "photos=@$work/declares-60000.png"
report "photo: 6000x4500 grey+alpha PNG (over the budget)" '422' -- -F "photos=@$work/la-6000x4500.png"
report "photo: a PDF named .jpg" '422' -- -F "photos=@$work/not-a-photo.pdf;filename=x.jpg"
report "photo: truncated PNG" '422' -- -F "photos=@$work/truncated.png"
report "photo: 11 MB (limit 10 MB)" '413' -- -F "photos=@$work/ff-11mb.jpg"
report "photo: 5 photos (limit 4)" '422' -- -F "photos=@$work/tiny.png" -F "photos=@$work/tiny.png" \
    -F "photos=@$work/tiny.png" -F "photos=@$work/tiny.png" -F "photos=@$work/tiny.png"
report "photo: 4000x3000 RGB PNG, accepted" '303' decoded -- -F "photos=@$work/photo-4000x3000.png"
report "photo: 6000x4500 RGB PNG, accepted (near the budget)" '303' decoded -- -F "photos=@$work/photo-6000x4500.png"

echo "-- imports (issue 11 item 5), signed in as admin"
staff="$work/staff"
login=$(curl -s -c "$staff" -b "$staff" "$base/console/login")
lcsrf=$(grep -o 'name="csrf" value="[^"]*"' <<<"$login" | head -1 | sed 's/.*value="//; s/"$//')
curl -s -o /dev/null -c "$staff" -b "$staff" --data-urlencode "username=admin" --data-urlencode "password=mashang-admin" \
    --data-urlencode "csrf=$lcsrf" --data-urlencode "next=/console" "$base/console/login"
page=$(curl -s -c "$staff" -b "$staff" "$base/console/import")
icsrf=$(grep -o 'name="csrf" value="[^"]*"' <<<"$page" | head -1 | sed 's/.*value="//; s/"$//')
import() { row "$1" "$2" -- -b "$staff" -F "csrf=$icsrf" -F "kind=" -F "file=@$work/$3" "$base/console/import"; }
import "xlsx: cells at A1 and XFD1048576 (1.8 KB)" '422' a1-xfd1048576.xlsx
import "xlsx: cells at A1 and ALL100000" '422' a1-all100000.xlsx
import "xlsx: dimension A1:A1 but a cell at XFD1048576" '422' lying-dimension.xlsx
import "xlsx: sheet unzipping to 300 MB (zip bomb)" '422' zip-bomb-300mb.xlsx
import "xls: legacy workbook" '422' legacy.xls
import "csv: one row of 4 million fields (8 MB)" '422' wide-row.csv

echo "-- other items of issue 11"
row "GET /lang/en?back=/%09/evil.example (home or refused)" '303|422' -- -o /dev/null -D "$work/h1" "$base/lang/en?back=/%09/evil.example"
if grep -qi $'^location: /\t' "$work/h1" || grep -qi '^location: //' "$work/h1"; then
    printf '%-58s %-8s %-6s %8s %7s %7s  %s\n' "  ... Location header" "local" "$(grep -i '^location' "$work/h1" | tr -d '\r\t' | cut -c1-20)" "" "" "" "FAIL (off-site)"; failures=$((failures + 1))
fi
row "GET /lang/en?back= with CR/LF" '3[0-9][0-9]|400|422' -- "$base/lang/en?back=/%0d%0aSet-Cookie:%20x=1"
code5m=$(head -c 5242880 /dev/zero | tr '\0' 'A')
printf '%s' "$code5m" >"$work/code5m"
report "POST /report with a 5 MB code field" '4[0-9][0-9]' -- -F "code=<$work/code5m"
printf 'username=%s&password=x' "$code5m" >"$work/login5m"
row "POST /console/login with a 5 MB username" '4[0-9][0-9]' -- -b "$staff" --data-binary "@$work/login5m" "$base/console/login"
row "POST /api/v1/reports description with a NUL byte" '4[0-9][0-9]' -- -H 'content-type: application/json' \
    -d '{"description":"a\u0000b","address":"x"}' "$base/api/v1/reports"
gid=$(psql -h 127.0.0.1 -U root -d "$db" -tAc "SELECT id FROM grids WHERE code = 'GY-01'")
row "console grid page ?page=9223372036854775807" '4[0-9][0-9]' -- -b "$staff" "$base/console/grids/$gid?page=9223372036854775807"
row "console figures ?to=+262142-12-31" '4[0-9][0-9]' -- -b "$staff" "$base/console/figures?to=%2B262142-12-31"
row "console figures ?from=-262143-01-01" '4[0-9][0-9]' -- -b "$staff" "$base/console/figures?from=-262143-01-01"
head -c 41943040 /dev/zero >"$work/zero40m"
row "40 MB report upload with a wrong CSRF token" '403' -- -b "$jar" -F "idempotency_key=$(key)" -F "photos=@$work/zero40m" "$base/report?csrf=forged"
row "GET / has CSP and nosniff headers" '200' -- -o /dev/null -D "$work/h2" "$base/"
for h in content-security-policy x-content-type-options referrer-policy; do
    grep -qi "^$h:" "$work/h2" || { printf '%-58s %-8s %-6s %8s %7s %7s  %s\n' "  ... header $h" "present" "absent" "" "" "" "FAIL"; failures=$((failures + 1)); }
done
t0=$(date +%s%N)
timeout 60 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port; printf 'POST /api/v1/reports HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n' >&3; cat <&3 >/dev/null" || true
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
v=ok; [ "$ms" -lt 60000 ] || { v="FAIL (held 60 s)"; failures=$((failures + 1)); }
printf '%-58s %-8s %-6s %8s %7s %7s  %s\n' "a request whose body never arrives (dropped after)" "drop" "-" "$ms" "" "$(rss)" "$v"

echo "-- inputs of the black-box tests"
row "description of 1001 characters" '422' -- -b "$jar" -F "csrf=$csrf" -F "idempotency_key=$(key)" \
    -F "description=$(printf '很%.0s' $(seq 1 1001))" "$post"
report "unknown category" '422' -- -F "category=event.nope"
row "API report with lon 200" '422' -- -H 'content-type: application/json' -H 'Accept-Language: en' \
    -d '{"description":"x","lon":200.0,"lat":1.0}' "$base/api/v1/reports"
row "report form with a forged CSRF token" '403' -- -b "$jar" -F "idempotency_key=$(key)" -F "description=x" "$base/report?csrf=forged"

peak=$(awk '/^VmHWM/ {printf "%.0f", $2/1024}' "/proc/$app/status")
echo "server peak RSS (VmHWM) since the last row: ${peak} MB; rows failing: $failures"
kill $app; wait $app 2>/dev/null || true
trap - EXIT
[ "$failures" -eq 0 ]
