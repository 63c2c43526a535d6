-- Shared by every bench script: at the end, one machine-readable line for bench/run.
-- Latencies are in microseconds; non2xx counts answers with status >= 400 (wrk's "status" errors).
-- BENCH_TOKEN, when set, goes with every request as its bearer token (bench/run's enforce-mode runs).
local bench_token = os.getenv("BENCH_TOKEN")
if bench_token and bench_token ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. bench_token
end

function bench_report(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_RESULT {"requests":%d,"duration_us":%d,"rps":%.1f,"p50_us":%d,"p99_us":%d,"max_us":%d,' ..
    '"non2xx":%d,"socket_errors":%d,"bytes":%d}\n',
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99), latency.max,
    e.status, e.connect + e.read + e.write + e.timeout, summary.bytes))
end
