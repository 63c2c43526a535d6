// Unit tier: the circuit breaker's state machine with time passed in.
#include <gtest/gtest.h>

#include "core/resilience/circuit_breaker.hpp"
#include "core/time.hpp"

namespace cinema::resilience {
namespace {
using State = CircuitBreaker::State;
using namespace std::chrono_literals;

TEST(CircuitBreaker, OpensAfterConsecutiveFailuresOnly) {
  CircuitBreaker breaker(3, 5s);
  auto t = CircuitBreaker::Clock::now();
  breaker.record_failure(t);
  breaker.record_failure(t);
  breaker.record_success();  // resets the run
  breaker.record_failure(t);
  breaker.record_failure(t);
  EXPECT_EQ(breaker.state(t), State::closed);
  breaker.record_failure(t);
  EXPECT_EQ(breaker.state(t), State::open);
  EXPECT_FALSE(breaker.allow(t + 1s));
  EXPECT_EQ(breaker.retry_after(t + 1s), 4000ms);
}

TEST(CircuitBreaker, HalfOpenLetsOneTrialThrough) {
  CircuitBreaker breaker(1, 5s);
  auto t = CircuitBreaker::Clock::now();
  breaker.record_failure(t);
  auto later = t + 5s;
  EXPECT_EQ(breaker.state(later), State::half_open);
  EXPECT_TRUE(breaker.allow(later));
  EXPECT_FALSE(breaker.allow(later)) << "only one trial at a time";
}

TEST(CircuitBreaker, SuccessfulTrialClosesFailedTrialReopens) {
  CircuitBreaker breaker(2, 5s);
  auto t = CircuitBreaker::Clock::now();
  breaker.record_failure(t);
  breaker.record_failure(t);
  ASSERT_TRUE(breaker.allow(t + 5s));
  breaker.record_failure(t + 5s);
  EXPECT_EQ(breaker.state(t + 6s), State::open) << "a failed trial re-opens at once";
  ASSERT_TRUE(breaker.allow(t + 10s));
  breaker.record_success();
  EXPECT_EQ(breaker.state(t + 10s), State::closed);
  EXPECT_TRUE(breaker.allow(t + 10s));
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
