#include "core/trace.hpp"

#include <algorithm>
#include <random>

namespace cinema {
namespace {
bool is_lower_hex(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}
bool all_zero(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c == '0'; });
}
std::string random_hex(std::size_t digits) {
  // One generator per thread: ids must be unique, not secret.
  thread_local std::mt19937_64 generator{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(digits, '0');
  std::uint64_t bits = 0;
  for (std::size_t i = 0; i < digits; ++i) {
    if (i % 16 == 0) bits = generator();
    out[i] = kHex[bits & 0xF];
    bits >>= 4;
  }
  if (all_zero(out)) out.back() = '1';
  return out;
}
}  // namespace

std::optional<TraceParent> parse_traceparent(std::string_view header) {
  // version(2)-trace(32)-span(16)-flags(2); version ff is invalid by the spec.
  if (header.size() < 55 || header[2] != '-' || header[35] != '-' || header[52] != '-') return std::nullopt;
  auto version = header.substr(0, 2);
  auto trace = header.substr(3, 32);
  auto span = header.substr(36, 16);
  auto flags = header.substr(53, 2);
  if (!is_lower_hex(version) || version == "ff" || !is_lower_hex(trace) || !is_lower_hex(span) ||
      !is_lower_hex(flags) || all_zero(trace) || all_zero(span))
    return std::nullopt;
  if (version == "00" && header.size() != 55) return std::nullopt;
  return TraceParent{std::string(trace), std::string(span)};
}

std::string format_traceparent(const TraceParent& context) {
  return "00-" + context.trace_id + "-" + context.span_id + "-01";
}

std::string new_trace_id() { return random_hex(32); }
std::string new_span_id() { return random_hex(16); }

}  // namespace cinema
