// Unit tier: outlier ejection's state machine (Istio/Envoy semantics) with time passed in.
#include <gtest/gtest.h>

#include "core/resilience/outlier_detector.hpp"

namespace cinema::resilience {
namespace {
using namespace std::chrono_literals;
using Clock = OutlierDetector::Clock;

OutlierOptions options(int consecutive_errors, int max_ejection_percent = 100) {
  return OutlierOptions{.consecutive_errors = consecutive_errors, .interval = 1s, .base_ejection = 10s,
                        .max_ejection = 25s, .max_ejection_percent = max_ejection_percent};
}

TEST(OutlierDetector, ConsecutiveErrorsEjectAndAnAnswerInBetweenStartsTheCountAgain) {
  OutlierDetector detector(3, options(3));
  auto t = Clock::now();
  EXPECT_FALSE(detector.record_failure(0, t));
  EXPECT_FALSE(detector.record_failure(0, t));
  detector.record_success(0, t);
  EXPECT_FALSE(detector.record_failure(0, t));
  EXPECT_FALSE(detector.record_failure(0, t));
  EXPECT_FALSE(detector.ejected(0, t)) << "two in a row since the last answer";
  EXPECT_TRUE(detector.record_failure(0, t));
  EXPECT_TRUE(detector.ejected(0, t));
  EXPECT_FALSE(detector.ejected(1, t));
}

TEST(OutlierDetector, SeedSettingEjectsOnTheFirstError) {
  OutlierDetector detector(3, options(1));
  auto t = Clock::now();
  EXPECT_TRUE(detector.record_failure(2, t));
  EXPECT_TRUE(detector.ejected(2, t + 9s));
  EXPECT_FALSE(detector.ejected(2, t + 10s)) << "back after the base ejection time";
}

TEST(OutlierDetector, EachEjectionLastsLongerUpToTheCap) {
  OutlierDetector detector(3, options(1));
  auto t = Clock::now();
  ASSERT_TRUE(detector.record_failure(0, t));          // 1st: 10 s
  t += 10s;
  ASSERT_TRUE(detector.record_failure(0, t));          // 2nd, at once: 20 s
  EXPECT_TRUE(detector.ejected(0, t + 19s));
  EXPECT_FALSE(detector.ejected(0, t + 20s));
  t += 20s;
  ASSERT_TRUE(detector.record_failure(0, t));          // 3rd: 30 s, capped at 25 s
  EXPECT_TRUE(detector.ejected(0, t + 24s));
  EXPECT_FALSE(detector.ejected(0, t + 25s));
}

TEST(OutlierDetector, TimeBackInThePoolForgivesOneEjectionPerInterval) {
  OutlierDetector detector(3, options(1));
  auto t = Clock::now();
  ASSERT_TRUE(detector.record_failure(0, t));
  t += 10s;
  ASSERT_TRUE(detector.record_failure(0, t));  // multiplier 2, out until t + 20 s
  t += 20s + 2s;                               // two intervals back in the pool: both forgiven
  ASSERT_TRUE(detector.record_failure(0, t));
  EXPECT_TRUE(detector.ejected(0, t + 9s));
  EXPECT_FALSE(detector.ejected(0, t + 10s)) << "a first ejection again: the base time";
}

TEST(OutlierDetector, NeverEjectsEveryInstance) {
  OutlierDetector detector(3, options(1));
  auto t = Clock::now();
  EXPECT_EQ(detector.max_ejected(), 2u);
  EXPECT_TRUE(detector.record_failure(0, t));
  EXPECT_TRUE(detector.record_failure(1, t));
  EXPECT_FALSE(detector.record_failure(2, t)) << "the last instance keeps its traffic";
  EXPECT_FALSE(detector.record_not_ready(2, t));
  EXPECT_EQ(detector.ejected_count(t), 2u);
  EXPECT_TRUE(detector.record_failure(2, t + 10s)) << "once another came back, it may go";
}

TEST(OutlierDetector, MaxEjectionPercentBoundsHowManyAreOut) {
  auto t = Clock::now();
  OutlierDetector ten_percent(3, options(1, 10));
  EXPECT_EQ(ten_percent.max_ejected(), 1u) << "at least one, as in Envoy";
  EXPECT_TRUE(ten_percent.record_failure(0, t));
  EXPECT_FALSE(ten_percent.record_failure(1, t));

  EXPECT_EQ(OutlierDetector(4, options(1, 50)).max_ejected(), 2u);
  EXPECT_EQ(OutlierDetector(3, options(1, 0)).max_ejected(), 0u) << "0 turns ejection off";
  OutlierDetector single(1, options(1));
  EXPECT_EQ(single.max_ejected(), 0u);
  EXPECT_FALSE(single.record_failure(0, t)) << "a lone instance is never ejected";
}

TEST(OutlierDetector, ReadinessDownTakesOutAtOnceUntilAProbeFindsItUp) {
  OutlierDetector detector(3, options(5));
  auto t = Clock::now();
  EXPECT_TRUE(detector.record_not_ready(1, t));
  EXPECT_TRUE(detector.ejected(1, t + 1h)) << "no time brings it back while nobody saw it UP";
  EXPECT_TRUE(detector.probe_due(1, t + 1ms)) << "its readiness is asked all along";
  EXPECT_FALSE(detector.record_not_ready(1, t + 1s)) << "still DOWN: already out";
  EXPECT_FALSE(detector.record_failure(1, t + 1s)) << "a call in flight or a late probe tells nothing new";
  detector.record_ready(1);
  EXPECT_FALSE(detector.ejected(1, t + 1s)) << "back at once when UP";
  EXPECT_TRUE(detector.record_not_ready(1, t + 2s));
  detector.record_ready(1);
  EXPECT_FALSE(detector.ejected(1, t + 2s)) << "readiness never grows into a long ejection";
}

TEST(OutlierDetector, AnInstanceOutForErrorsIsNotProbedUntilItsTimeIsUp) {
  OutlierDetector detector(3, options(1));
  auto t = Clock::now();
  ASSERT_TRUE(detector.record_failure(0, t));
  EXPECT_FALSE(detector.probe_due(0, t + 9s));
  detector.record_ready(0);
  EXPECT_TRUE(detector.ejected(0, t + 9s)) << "a ready probe does not cut an ejection for errors short";
  EXPECT_TRUE(detector.probe_due(0, t + 10s));
}

TEST(OutlierDetector, AnInstanceOutForReadinessCountsAgainstTheLimit) {
  OutlierDetector detector(3, options(1));
  auto t = Clock::now();
  ASSERT_TRUE(detector.record_not_ready(0, t));
  ASSERT_TRUE(detector.record_failure(1, t));
  EXPECT_FALSE(detector.record_failure(2, t + 5s)) << "the last instance keeps its traffic";
  detector.record_ready(0);
  EXPECT_TRUE(detector.record_failure(2, t + 5s));
}

TEST(OutlierDetector, ZeroConsecutiveErrorsLeavesOnlyReadinessToEject) {
  OutlierDetector detector(3, options(0));
  auto t = Clock::now();
  for (int i = 0; i < 10; ++i) EXPECT_FALSE(detector.record_failure(0, t));
  EXPECT_TRUE(detector.record_not_ready(0, t));
}

TEST(OutlierDetector, FailuresWhileEjectedNeitherExtendNorCount) {
  OutlierDetector detector(3, options(2));
  auto t = Clock::now();
  detector.record_failure(0, t);
  ASSERT_TRUE(detector.record_failure(0, t));
  EXPECT_FALSE(detector.record_failure(0, t + 1s)) << "calls in flight when it was ejected";
  EXPECT_FALSE(detector.record_not_ready(0, t + 1s));
  EXPECT_FALSE(detector.ejected(0, t + 10s));
  EXPECT_FALSE(detector.record_failure(0, t + 10s)) << "the run of errors starts again after an ejection";
}

TEST(OutlierDetector, ChoosesInTurnSkippingEjectedAndTriedInstances) {
  OutlierDetector detector(3, options(1));
  auto t = Clock::now();
  std::vector<bool> none(3, false);
  EXPECT_EQ(detector.choose(1, none, t), 1u);
  ASSERT_TRUE(detector.record_failure(1, t));
  EXPECT_EQ(detector.choose(1, none, t), 2u) << "the ejected one is passed over";
  EXPECT_EQ(detector.choose(4, none, t), 2u) << "start wraps around";
  EXPECT_EQ(detector.choose(2, {false, false, true}, t), 0u);
  EXPECT_EQ(detector.choose(0, {true, false, true}, t), 1u) << "only an ejected one is left: a chance all the same";
  EXPECT_FALSE(detector.choose(0, {true, true, true}, t).has_value());
}

}  // namespace
}  // namespace cinema::resilience
