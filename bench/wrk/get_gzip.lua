-- GET of the URL given to wrk as a client that accepts gzip (as browsers and HTTP libraries do),
-- with the result line of report.lua.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "report.lua")
done = bench_report
wrk.headers["Accept-Encoding"] = "gzip"
