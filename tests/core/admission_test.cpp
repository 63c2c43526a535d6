// Unit tier: the adaptive concurrency limit of admission control, with time and latencies passed in.
#include <gtest/gtest.h>

#include "core/resilience/admission.hpp"

namespace cinema::resilience {
namespace {
using namespace std::chrono_literals;
using Outcome = AdmissionLimiter::Outcome;
using Clock = AdmissionLimiter::Clock;

AdmissionOptions admission_options(int initial, int min = 8, int max = 500) {
  return AdmissionOptions{.initial_limit = initial, .min_limit = min, .max_limit = max, .window = 100ms,
                          .window_samples = 10, .no_load_horizon = 30s};
}

// Drives one window from `t`: `busy` requests in flight at once (the load), the first `samples` of
// them with `outcome` after `latency`; all finish at `t` but the last, at the window's end. Returns it.
Clock::time_point window(AdmissionLimiter& limiter, Clock::time_point t, int busy, Clock::duration latency,
                         int samples = 10, Outcome outcome = Outcome::sample) {
  int admitted = 0;
  while (admitted < busy && limiter.try_acquire()) ++admitted;
  auto end = t + 100ms;
  for (int i = 0; i < admitted; ++i)
    limiter.release(i + 1 == admitted ? end : t, latency, i < samples ? outcome : Outcome::ignore);
  return end;
}

// Keeps the limit in use (every slot taken) for `n` windows of `latency`.
Clock::time_point saturate(AdmissionLimiter& limiter, Clock::time_point t, int n, Clock::duration latency) {
  for (int i = 0; i < n; ++i) t = window(limiter, t, limiter.limit(), latency, limiter.limit());
  return t;
}

TEST(Admission, TurnsAwayTheRequestPastTheLimitAndLetsOneInWhenASlotFrees) {
  AdmissionLimiter limiter(admission_options(8));
  for (int i = 0; i < 8; ++i) EXPECT_TRUE(limiter.try_acquire());
  EXPECT_FALSE(limiter.try_acquire());
  EXPECT_FALSE(limiter.try_acquire());
  EXPECT_EQ(limiter.in_flight(), 8);
  EXPECT_EQ(limiter.rejected(), 2u);
  limiter.release(Clock::now(), 2ms, Outcome::sample);
  EXPECT_TRUE(limiter.try_acquire());
  EXPECT_EQ(limiter.in_flight(), 8);
}

TEST(Admission, GrowsWhileTheLatencyStaysAtItsMinimum) {
  AdmissionLimiter limiter(admission_options(20));
  auto t = saturate(limiter, Clock::now(), 1, 2ms);
  EXPECT_EQ(limiter.no_load_latency(), 2ms);
  int before = limiter.limit();
  saturate(limiter, t, 5, 2ms);
  EXPECT_GT(limiter.limit(), before) << "nobody waited: there is room for more";
  EXPECT_EQ(limiter.limit(), before + 5 * 6) << "fast growth: six steps of one per window";
}

TEST(Admission, ShrinksWhenTheLatencyRises) {
  AdmissionLimiter limiter(admission_options(40));
  auto t = saturate(limiter, Clock::now(), 1, 2ms);
  int before = limiter.limit();
  saturate(limiter, t, 3, 4ms);  // twice the no-load latency: half of the requests waited
  EXPECT_EQ(limiter.limit(), before - 3) << "one step (log10 of 40-odd = 1) per window";
}

TEST(Admission, HoldsBetweenTheThresholds) {
  AdmissionLimiter limiter(admission_options(40));
  auto t = saturate(limiter, Clock::now(), 1, 10ms);
  int before = limiter.limit();
  // 46 x (1 - 10/11.1) = 4.6 waiting: more than 3 steps, fewer than 6.
  saturate(limiter, t, 3, 11100us);
  EXPECT_EQ(limiter.limit(), before);
}

TEST(Admission, NeverShrinksBelowTheFloorNorGrowsAboveTheCeiling) {
  AdmissionLimiter low(admission_options(12, 10, 60));
  auto t = saturate(low, Clock::now(), 1, 1ms);
  saturate(low, t, 20, 50ms);
  EXPECT_EQ(low.limit(), 10);

  AdmissionLimiter high(admission_options(12, 10, 60));
  saturate(high, Clock::now(), 30, 1ms);
  EXPECT_EQ(high.limit(), 60);
}

TEST(Admission, ALimitThatHeldNobodyBackDoesNotMove) {
  AdmissionLimiter limiter(admission_options(40));
  auto t = saturate(limiter, Clock::now(), 1, 2ms);
  int before = limiter.limit();
  // Five requests at a time against a limit of 46: fast or slow, the limit was not what mattered.
  for (int i = 0; i < 6; ++i) t = window(limiter, t, 5, 2ms, 5);
  EXPECT_EQ(limiter.limit(), before);
  for (int i = 0; i < 6; ++i) t = window(limiter, t, 5, 20ms, 5);
  EXPECT_EQ(limiter.limit(), before);
}

TEST(Admission, AWindowNeedsItsSamplesBeforeTheLimitMoves) {
  AdmissionLimiter limiter(admission_options(20));
  auto t = saturate(limiter, Clock::now(), 1, 2ms);
  int before = limiter.limit();
  // Long enough but only refusals that ended early (ignored) and 9 samples: no verdict yet.
  t = window(limiter, t, limiter.limit(), 2ms, 9);
  EXPECT_EQ(limiter.limit(), before);
  window(limiter, t, 1, 2ms, 1);  // the tenth sample closes the window
  EXPECT_GT(limiter.limit(), before);
}

TEST(Admission, RequestsThatEndEarlyDoNotPassForTheNoLoadLatency) {
  AdmissionLimiter limiter(admission_options(40));
  auto t = saturate(limiter, Clock::now(), 1, 5ms);
  t = window(limiter, t, 40, 100us, 10, Outcome::ignore);  // refusals in 0.1 ms
  window(limiter, t, 40, 5ms);
  EXPECT_EQ(limiter.no_load_latency(), 5ms);
}

TEST(Admission, ATimeoutDownstreamBacksOffByATenth) {
  AdmissionLimiter limiter(admission_options(100));
  auto t = saturate(limiter, Clock::now(), 1, 2ms);
  int before = limiter.limit();
  ASSERT_TRUE(limiter.try_acquire());
  limiter.release(t + 150ms, 3s, Outcome::dropped);
  EXPECT_EQ(limiter.limit(), static_cast<int>(before * 0.9));
}

TEST(Admission, TheNoLoadLatencyFollowsADependencyThatBecameSlowerForGood) {
  AdmissionLimiter limiter(admission_options(40));
  auto t = saturate(limiter, Clock::now(), 1, 2ms);
  int before = limiter.limit();
  t = saturate(limiter, t, 10, 6ms);  // payment now takes 6 ms whatever the load
  EXPECT_EQ(limiter.no_load_latency(), 2ms);
  EXPECT_EQ(limiter.limit(), before - 10) << "read as queueing at first: shrinking";
  t = saturate(limiter, t + 30s, 1, 6ms);
  EXPECT_EQ(limiter.no_load_latency(), 6ms) << "the 2 ms window left the horizon";
  before = limiter.limit();
  saturate(limiter, t, 2, 6ms);
  EXPECT_GT(limiter.limit(), before);
}

TEST(Admission, RejectsLimitsOutOfOrder) {
  EXPECT_THROW(AdmissionLimiter(admission_options(10, 20, 10)), std::invalid_argument);
  EXPECT_THROW(AdmissionLimiter(admission_options(10, 0, 10)), std::invalid_argument);
  EXPECT_EQ(AdmissionLimiter(admission_options(1000, 8, 50)).limit(), 50) << "the initial limit is clamped";
}

}  // namespace
}  // namespace cinema::resilience
