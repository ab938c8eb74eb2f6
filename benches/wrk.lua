-- wrk script shared by the load benchmarks (Debian's wrk 4; no extra install at run time).
--
-- Environment:
--   WRK_PATHS_FILE  a file of request paths (or full URLs), one per line, rotated over
--                   (each wrk thread starts at a different offset); unset = the command's URL
--   WRK_DELAY_MS    pause each connection this long between requests (paced load, used for
--                   "latency at half the peak rate"; wrk 4 has no open-loop rate option)
--   WRK_METHOD, WRK_BODY  method and body of every request (default: GET, none)
-- At the end one JSON line is printed, prefixed with "WRK_JSON ", for the scripts to parse.

if os.getenv("WRK_METHOD") then wrk.method = os.getenv("WRK_METHOD") end
if os.getenv("WRK_BODY") then wrk.body = os.getenv("WRK_BODY") end

local paths = {}
local idx = 1
local pause = tonumber(os.getenv("WRK_DELAY_MS") or "0")

local threads = {}
local thread_no = 0

function setup(thread)
  thread_no = thread_no + 1
  thread:set("offset", thread_no)
  table.insert(threads, thread)
end

function init(args)
  local file = os.getenv("WRK_PATHS_FILE")
  if file then
    for line in io.lines(file) do
      local path = line:gsub("^https?://[^/]+", "")
      if #path > 0 then table.insert(paths, path) end
    end
    idx = ((offset or 1) * 7919) % math.max(#paths, 1) + 1
  end
end

function request()
  if #paths == 0 then return wrk.format() end
  local path = paths[idx]
  idx = idx % #paths + 1
  return wrk.format(nil, path)
end

if pause > 0 then
  function delay() return pause end
end

function done(summary, latency, requests)
  local secs = summary.duration / 1e6
  local bad = summary.errors.status + summary.errors.connect + summary.errors.read
            + summary.errors.write + summary.errors.timeout
  io.write(string.format(
    'WRK_JSON {"requests":%d,"rps":%.1f,"bad":%d,"non2xx":%d,"p50_ms":%.2f,"p99_ms":%.2f,"max_ms":%.2f}\n',
    summary.requests, summary.requests / secs, bad, summary.errors.status,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
