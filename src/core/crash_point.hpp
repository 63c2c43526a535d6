#pragma once
// Deliberate crashes for the crash tests (tests/fault): with CINEMA_CRASH_AT="<service>:<point>,..."
// in the environment, a process kills itself with SIGKILL the first time it passes a listed point,
// exactly as `kill -9` would at that instant, and leaves a marker file in CINEMA_CRASH_DIR so that
// the restarted process passes on. The points are armed only while that directory exists, so a test
// can set the system up first and arm them afterwards. Outside those tests the variable is unset and
// a point costs one branch. Points: "published" (a state change and its events committed, the relay not yet woken),
// "mid-batch" (a consumer applied a batch of two or more events and did not commit its position).
#include <string_view>

namespace cinema {

void crash_point(std::string_view service, std::string_view point);

}  // namespace cinema
