#include "core/resilience/rate_limiter.hpp"

#include <gtest/gtest.h>

namespace cinema::resilience {
namespace {
using namespace std::chrono_literals;
const RateLimiter::Clock::time_point t0{};

TEST(RateLimiter, ABurstPassesThenTheNextWaitsForItsToken) {
  RateLimiter limiter({.per_second = 2, .burst = 3});
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(limiter.acquire("kim", t0)) << i;
  auto wait = limiter.acquire("kim", t0);
  ASSERT_TRUE(wait);
  EXPECT_EQ(*wait, 500ms) << "one token every half second";
  EXPECT_TRUE(limiter.acquire("kim", t0 + 499ms));
  EXPECT_FALSE(limiter.acquire("kim", t0 + 500ms));
}

TEST(RateLimiter, KeysHaveTheirOwnBuckets) {
  RateLimiter limiter({.per_second = 1, .burst = 1});
  EXPECT_FALSE(limiter.acquire("kim", t0));
  EXPECT_TRUE(limiter.acquire("kim", t0));
  EXPECT_FALSE(limiter.acquire("lee", t0));
}

TEST(RateLimiter, AClientAtTheRateIsNeverRefused) {
  RateLimiter limiter({.per_second = 10, .burst = 1});
  for (int i = 0; i < 1000; ++i) EXPECT_FALSE(limiter.acquire("steady", t0 + i * 100ms)) << i;
}

TEST(RateLimiter, ZeroRateMeansNoLimit) {
  RateLimiter limiter({.per_second = 0, .burst = 1});
  EXPECT_FALSE(limiter.enabled());
  for (int i = 0; i < 100; ++i) EXPECT_FALSE(limiter.acquire("kim", t0));
}

TEST(RateLimiter, KeysStayBoundedAndQuietClientsAreForgottenFirst) {
  RateLimiter limiter({.per_second = 1, .burst = 2}, 4);
  EXPECT_FALSE(limiter.acquire("busy", t0));
  EXPECT_FALSE(limiter.acquire("busy", t0));
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(limiter.acquire("quiet-" + std::to_string(i), t0));
  // A second later the quiet ones are full again and go; "busy" (still in debt) stays.
  EXPECT_FALSE(limiter.acquire("new", t0 + 1s));
  EXPECT_LE(limiter.keys(), 4u);
  EXPECT_FALSE(limiter.acquire("busy", t0 + 1s)) << "busy earned one token back in that second";
  EXPECT_TRUE(limiter.acquire("busy", t0 + 1s));
}

}  // namespace
}  // namespace cinema::resilience
