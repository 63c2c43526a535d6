// Unit tier: the circuit breaker's state machine with time passed in.
#include <gtest/gtest.h>

#include "core/resilience/circuit_breaker.hpp"
#include "core/time.hpp"

namespace cinema::resilience {
namespace {
using State = CircuitBreaker::State;
using namespace std::chrono_literals;

CircuitBreakerOptions breaker_options(int min_calls, std::chrono::milliseconds first_open = 250ms,
                              std::chrono::milliseconds max_open = 5s) {
  return CircuitBreakerOptions{.window = 10s, .min_calls = min_calls, .failure_percent = 50,
                               .first_open = first_open, .max_open = max_open};
}

// Opens the breaker with `min_calls` failures at `t` and returns the time its first probe may go.
CircuitBreaker::Clock::time_point trip(CircuitBreaker& breaker, int min_calls, CircuitBreaker::Clock::time_point t) {
  for (int i = 0; i < min_calls; ++i) breaker.record_failure(t);
  return t;
}

TEST(CircuitBreaker, StaysClosedUntilTheWindowHoldsTheMinimumOfCalls) {
  CircuitBreaker breaker(breaker_options(5));
  auto t = CircuitBreaker::Clock::now();
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(breaker.record_failure(t)) << "one customer's few calls";
  EXPECT_EQ(breaker.state(t), State::closed);
  EXPECT_TRUE(breaker.record_failure(t)) << "the fifth call reaches the minimum";
  EXPECT_EQ(breaker.state(t), State::open);
  EXPECT_FALSE(breaker.allow(t + 100ms));
  EXPECT_EQ(breaker.retry_after(t + 100ms), 150ms);
}

TEST(CircuitBreaker, OpensOnTheShareOfFailuresNotOnAFewAmongSuccesses) {
  CircuitBreaker breaker(breaker_options(4));
  auto t = CircuitBreaker::Clock::now();
  for (int i = 0; i < 6; ++i) breaker.record_success(t);
  for (int i = 0; i < 5; ++i) breaker.record_failure(t);
  EXPECT_EQ(breaker.state(t), State::closed) << "5 of 11 calls failed: under half";
  EXPECT_TRUE(breaker.record_failure(t)) << "6 of 12: half";
}

TEST(CircuitBreaker, FailuresOlderThanTheWindowNoLongerCount) {
  CircuitBreaker breaker(breaker_options(3));
  auto t = CircuitBreaker::Clock::now();
  breaker.record_failure(t);
  breaker.record_failure(t);
  EXPECT_FALSE(breaker.record_failure(t + 11s)) << "the first two left the window";
  EXPECT_EQ(breaker.state(t + 11s), State::closed);
}

TEST(CircuitBreaker, HalfOpenLetsOneProbeThroughSoonAfterOpening) {
  CircuitBreaker breaker(breaker_options(1));
  auto t = trip(breaker, 1, CircuitBreaker::Clock::now());
  EXPECT_FALSE(breaker.allow(t + 249ms));
  EXPECT_EQ(breaker.state(t + 250ms), State::half_open);
  EXPECT_TRUE(breaker.allow(t + 250ms));
  EXPECT_FALSE(breaker.allow(t + 260ms)) << "only one probe at a time";
}

TEST(CircuitBreaker, FailedProbesDoubleTheOpenTimeUpToTheMaximum) {
  CircuitBreaker breaker(breaker_options(1, 250ms, 1s));
  auto t = trip(breaker, 1, CircuitBreaker::Clock::now());
  for (auto open_for : {500ms, 1000ms, 1000ms}) {
    t += breaker.retry_after(t);
    ASSERT_TRUE(breaker.allow(t));
    EXPECT_TRUE(breaker.record_failure(t)) << "a failed probe opens it again";
    EXPECT_EQ(breaker.retry_after(t), open_for);
  }
}

TEST(CircuitBreaker, SuccessfulProbeClosesAndResetsTheOpenTime) {
  CircuitBreaker breaker(breaker_options(2));
  auto t = trip(breaker, 2, CircuitBreaker::Clock::now());
  t += 250ms;
  ASSERT_TRUE(breaker.allow(t));
  breaker.record_failure(t);  // open for 500 ms now
  t += 500ms;
  ASSERT_TRUE(breaker.allow(t));
  breaker.record_success(t);
  EXPECT_EQ(breaker.state(t), State::closed);
  EXPECT_TRUE(breaker.allow(t));
  EXPECT_FALSE(breaker.record_failure(t)) << "the failures that opened it before are spent";
  EXPECT_TRUE(breaker.record_failure(t));
  EXPECT_EQ(breaker.retry_after(t), 250ms) << "back to the first open time";
}

TEST(CircuitBreaker, CallsInFlightWhenItOpenedDoNotCountAsProbes) {
  CircuitBreaker breaker(breaker_options(1));
  auto t = trip(breaker, 1, CircuitBreaker::Clock::now());
  EXPECT_FALSE(breaker.record_failure(t + 100ms)) << "a late failure does not extend the open time";
  breaker.record_success(t + 100ms);
  EXPECT_EQ(breaker.state(t + 100ms), State::open) << "nor does a late success close it";
  EXPECT_EQ(breaker.retry_after(t + 100ms), 150ms);
}

TEST(CircuitBreaker, AProbeThatNeverReportsIsReplacedAfterTheLongestOpenTime) {
  CircuitBreaker breaker(breaker_options(1, 250ms, 1s));
  auto t = trip(breaker, 1, CircuitBreaker::Clock::now());
  ASSERT_TRUE(breaker.allow(t + 250ms));
  EXPECT_FALSE(breaker.allow(t + 1249ms));
  EXPECT_TRUE(breaker.allow(t + 1250ms));
}

TEST(CircuitBreaker, AFirstOpenTimeAboveTheMaximumIsCapped) {
  CircuitBreaker breaker(breaker_options(1, 10s, 1s));
  auto t = trip(breaker, 1, CircuitBreaker::Clock::now());
  EXPECT_EQ(breaker.retry_after(t), 1s);
}

TEST(IsoTime, FormatsAndParsesUtcSeconds) {
  auto when = std::chrono::sys_days{std::chrono::year{2026} / 12 / 1} + 19h + 5min + 7s;
  EXPECT_EQ(iso_utc(when), "2026-12-01T19:05:07Z");
  EXPECT_EQ(parse_iso_utc("2026-12-01T19:05:07Z"), when);
  EXPECT_FALSE(parse_iso_utc("2026-02-30T10:00:00Z")) << "no such day";
  EXPECT_FALSE(parse_iso_utc("2026-12-01 19:05:07"));
  EXPECT_FALSE(parse_iso_utc("2026-12-01T19:05:07+09:00"));
  // Found by fuzz_json_requests: year 1013 overflowed the nanosecond time point (undefined behaviour).
  EXPECT_FALSE(parse_iso_utc("1013-12-24T19:00:00Z"));
  EXPECT_FALSE(parse_iso_utc("9999-12-31T23:59:59Z"));
  EXPECT_TRUE(parse_iso_utc("2200-12-31T23:59:59Z"));
  EXPECT_TRUE(parse_iso_utc("1970-01-01T00:00:00Z"));
}

}  // namespace
}  // namespace cinema::resilience
