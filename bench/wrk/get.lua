-- GET of the URL given to wrk, with the result line of report.lua.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "report.lua")
done = bench_report
