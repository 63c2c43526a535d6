-- GET /movieViews/{id} for ids spread over [first, first + count): wrk ... -s view_one.lua URL -- first count
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "report.lua")
done = bench_report

local first, count, i = 1, 1, 0
function init(args)
  first = tonumber(args[1] or "1")
  count = tonumber(args[2] or "1")
  i = math.random(0, count - 1)
end

function request()
  i = (i + 1) % count
  return wrk.format("GET", "/movieViews/" .. (first + i))
end
