#pragma once
// W3C trace context (`traceparent: 00-<32 hex trace id>-<16 hex span id>-<2 hex flags>`): the one
// correlation id that follows a request through the gateway, HTTP calls, events and log lines.
#include <optional>
#include <string>
#include <string_view>

namespace cinema {

struct TraceParent {
  std::string trace_id;  // 32 lower-case hex digits, not all zero
  std::string span_id;   // 16 lower-case hex digits, not all zero
};

std::optional<TraceParent> parse_traceparent(std::string_view header);
std::string format_traceparent(const TraceParent& context);
std::string new_trace_id();
std::string new_span_id();

}  // namespace cinema
