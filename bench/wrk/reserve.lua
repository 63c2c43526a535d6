-- POST /reservations, each request one seat never asked for before in this run, by a customer of
-- its own (so the per-person cap never applies).
--   wrk -t T ... -s reserve.lua URL -- <screeningIds comma-separated> <rows> <cols> <threads> <prefix>
-- Request k of thread t gets global number n = t + threads * k, mapped to screening n / C and seat
-- n % C of it, with C = rows * cols - 1 seats per screening (the last seat, rows x cols, is left
-- for bench/tools/seed.py's readiness probe). Past rows x cols x screenings, seats repeat (409s).
-- BENCH_TOKENS_FILE, when set, names a file of customer tokens, line n + 1 for customer <prefix>n
-- (bench/tools/tokens.py): each request then signs in as its own customer with a token of its own.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "report.lua")
done = bench_report

local created = 0
function setup(thread)
  thread:set("thread_index", created)
  created = created + 1
end

local ids, rows, cols, threads, prefix, per_screening, k, tokens = {}, 26, 100, 1, "b", 0, 0, nil
function init(args)
  for id in string.gmatch(args[1], "%d+") do ids[#ids + 1] = id end
  rows = tonumber(args[2])
  cols = tonumber(args[3])
  threads = tonumber(args[4])
  prefix = args[5] or "b"
  per_screening = rows * cols - 1
  local path = os.getenv("BENCH_TOKENS_FILE")
  if path and path ~= "" then
    tokens = {}
    for line in io.lines(path) do tokens[#tokens + 1] = line end
  end
end

local headers = { ["Content-Type"] = "application/json" }
function request()
  local n = thread_index + threads * k
  k = k + 1
  local customer = n
  if tokens then
    customer = n % #tokens  -- past the last token, customers come round again
    headers["Authorization"] = "Bearer " .. tokens[customer + 1]
  end
  local index = n % (per_screening * #ids)
  local screening = ids[math.floor(index / per_screening) + 1]
  local seat = index % per_screening
  local name = string.char(65 + math.floor(seat / cols)) .. (seat % cols + 1)
  local body = '{"screeningId":' .. screening .. ',"seats":["' .. name .. '"],"customerId":"' .. prefix .. customer ..
               '","cardNumber":"4111111111111111"}'
  return wrk.format("POST", "/reservations", headers, body)
end
