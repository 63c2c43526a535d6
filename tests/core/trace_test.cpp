// Unit tier: W3C traceparent parsing, formatting and id generation.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>

#include "core/trace.hpp"

namespace cinema {
namespace {

constexpr const char* kValid = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

bool is_lower_hex(const std::string& text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

TEST(TraceParent, ValidHeaderParses) {
  auto parsed = parse_traceparent(kValid);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(parsed->span_id, "00f067aa0ba902b7");
  EXPECT_TRUE(parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00").has_value())
      << "unsampled flags are still a valid context";
}

TEST(TraceParent, WrongLengthsAreRejected) {
  EXPECT_FALSE(parse_traceparent(""));
  EXPECT_FALSE(parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01")) << "31-digit trace id";
  EXPECT_FALSE(parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e47366-00f067aa0ba902b7-01")) << "33-digit trace id";
  EXPECT_FALSE(parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b-01")) << "15-digit span id";
  EXPECT_FALSE(parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1")) << "1-digit flags";
  EXPECT_FALSE(parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x"))
      << "version 00 has exactly 55 characters";
  EXPECT_FALSE(parse_traceparent("0-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
}

TEST(TraceParent, HigherVersionMayCarryMoreFields) {
  auto parsed = parse_traceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future");
  ASSERT_TRUE(parsed.has_value()) << "later versions keep the first four fields (W3C forward compatibility)";
  EXPECT_EQ(parsed->trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
}

TEST(TraceParent, UpperCaseHexIsRejected) {
  EXPECT_FALSE(parse_traceparent("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"));
  EXPECT_FALSE(parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00F067AA0BA902B7-01"));
  EXPECT_FALSE(parse_traceparent("0A-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
}

TEST(TraceParent, NonHexAndMisplacedSeparatorsAreRejected) {
  EXPECT_FALSE(parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01"));
  EXPECT_FALSE(parse_traceparent("00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
  EXPECT_FALSE(parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7-01"));
}

TEST(TraceParent, AllZeroIdsAreRejected) {
  EXPECT_FALSE(parse_traceparent("00-00000000000000000000000000000000-00f067aa0ba902b7-01"));
  EXPECT_FALSE(parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"));
}

TEST(TraceParent, VersionFfIsRejected) {
  EXPECT_FALSE(parse_traceparent("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
}

TEST(TraceIds, NewIdsHaveTheRightLengthAreLowerHexAndDiffer) {
  std::set<std::string> traces;
  std::set<std::string> spans;
  for (int i = 0; i < 100; ++i) {
    auto trace = new_trace_id();
    auto span = new_span_id();
    ASSERT_EQ(trace.size(), 32u);
    ASSERT_EQ(span.size(), 16u);
    EXPECT_TRUE(is_lower_hex(trace)) << trace;
    EXPECT_TRUE(is_lower_hex(span)) << span;
    traces.insert(trace);
    spans.insert(span);
  }
  EXPECT_EQ(traces.size(), 100u);
  EXPECT_EQ(spans.size(), 100u);
}

TEST(TraceParent, FormatThenParseRoundTrips) {
  TraceParent context{new_trace_id(), new_span_id()};
  auto text = format_traceparent(context);
  EXPECT_EQ(text.size(), 55u);
  EXPECT_EQ(text.substr(0, 3), "00-");
  auto parsed = parse_traceparent(text);
  ASSERT_TRUE(parsed.has_value()) << text;
  EXPECT_EQ(parsed->trace_id, context.trace_id);
  EXPECT_EQ(parsed->span_id, context.span_id);

  auto again = parse_traceparent(kValid);
  ASSERT_TRUE(again);
  EXPECT_EQ(format_traceparent(*again), kValid);
}

}  // namespace
}  // namespace cinema
