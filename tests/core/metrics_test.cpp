// Unit tier: the Prometheus text exposition of counters, gauges and histograms.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "core/metrics.hpp"

namespace cinema {
namespace {

bool has_line(const std::string& text, const std::string& line) {
  return ("\n" + text).find("\n" + line + "\n") != std::string::npos;
}

#define EXPECT_LINE(text, line) EXPECT_TRUE(has_line(text, line)) << "missing line: " << (line) << "\nin:\n" << (text)

TEST(Metrics, CounterWithLabelsRendersNameLabelsAndValue) {
  MetricsRegistry registry;
  registry.counter("jobs_total", "Jobs done", {{"a", "x"}}).inc();
  registry.counter("jobs_total", "Jobs done", {{"a", "x"}}).inc(2);  // same series, same handle
  registry.counter("jobs_total", "Jobs done", {{"a", "y"}, {"b", "z"}}).inc();
  auto text = registry.render();
  EXPECT_LINE(text, R"(jobs_total{a="x"} 3)");
  EXPECT_LINE(text, R"(jobs_total{a="y",b="z"} 1)");
}

TEST(Metrics, CounterHandleIsStableAndCountsWhatWasAdded) {
  MetricsRegistry registry;
  auto& counter = registry.counter("c_total", "C");
  registry.counter("other_total", "Other", {{"k", "v"}});  // more series must not move the first
  counter.inc(5);
  EXPECT_EQ(&counter, &registry.counter("c_total", "C"));
  EXPECT_EQ(counter.value(), 5u);
  EXPECT_LINE(registry.render(), "c_total 5");
}

TEST(Metrics, LabelValuesWithQuotesBackslashesAndNewlinesAreEscaped) {
  MetricsRegistry registry;
  registry.counter("odd_total", "Odd", {{"path", "say \"hi\" \\ bye\nnext"}}).inc();
  EXPECT_LINE(registry.render(), R"(odd_total{path="say \"hi\" \\ bye\nnext"} 1)");
}

TEST(Metrics, HistogramRendersCumulativeBucketsInfSumAndCount) {
  MetricsRegistry registry;
  auto& histogram = registry.histogram("latency_seconds", "Latency", {{"route", "/x"}}, {0.5, 1, 4});
  for (double value : {0.25, 0.5, 2.0, 8.0}) histogram.observe(value);
  auto text = registry.render();
  EXPECT_LINE(text, R"(latency_seconds_bucket{route="/x",le="0.5"} 2)") << "a value equal to a bound is in it";
  EXPECT_LINE(text, R"(latency_seconds_bucket{route="/x",le="1"} 2)");
  EXPECT_LINE(text, R"(latency_seconds_bucket{route="/x",le="4"} 3)");
  EXPECT_LINE(text, R"(latency_seconds_bucket{route="/x",le="+Inf"} 4)");
  EXPECT_LINE(text, R"(latency_seconds_sum{route="/x"} 10.75)");
  EXPECT_LINE(text, R"(latency_seconds_count{route="/x"} 4)");
}

TEST(Metrics, HistogramWithoutLabelsStillLabelsBuckets) {
  MetricsRegistry registry;
  registry.histogram("size_bytes", "Size", {}, {10}).observe(3);
  auto text = registry.render();
  EXPECT_LINE(text, R"(size_bytes_bucket{le="10"} 1)");
  EXPECT_LINE(text, R"(size_bytes_bucket{le="+Inf"} 1)");
  EXPECT_LINE(text, "size_bytes_sum 3");
  EXPECT_LINE(text, "size_bytes_count 1");
}

TEST(Metrics, HistogramSnapshotIsCumulative) {
  Histogram histogram({1, 2});
  histogram.observe(0.5);
  histogram.observe(1.5);
  histogram.observe(1.5);
  histogram.observe(3);
  auto snap = histogram.snapshot();
  EXPECT_EQ(snap.cumulative, (std::vector<std::uint64_t>{1, 3, 4}));
  EXPECT_EQ(snap.count, 4u);
  EXPECT_DOUBLE_EQ(snap.sum, 6.5);
}

TEST(Metrics, GaugeCallbackIsReadAtRenderTime) {
  MetricsRegistry registry;
  double depth = 42.5;
  registry.gauge("queue_depth", "Queue depth", {{"queue", "a"}}, [&depth] { return depth; });
  EXPECT_LINE(registry.render(), R"(queue_depth{queue="a"} 42.5)");
  depth = 7;
  EXPECT_LINE(registry.render(), R"(queue_depth{queue="a"} 7)");
}

TEST(Metrics, HelpAndTypeLinesPrecedeEachFamily) {
  MetricsRegistry registry;
  registry.counter("a_total", "Counts a").inc();
  registry.gauge("b_value", "Reads b", {}, [] { return 1.0; });
  registry.histogram("c_seconds", "Times c", {}, {1}).observe(0.5);
  auto text = registry.render();
  EXPECT_LINE(text, "# HELP a_total Counts a");
  EXPECT_LINE(text, "# TYPE a_total counter");
  EXPECT_LINE(text, "# HELP b_value Reads b");
  EXPECT_LINE(text, "# TYPE b_value gauge");
  EXPECT_LINE(text, "# HELP c_seconds Times c");
  EXPECT_LINE(text, "# TYPE c_seconds histogram");
  EXPECT_LT(text.find("# TYPE a_total counter"), text.find("a_total 1"));
  EXPECT_LT(text.find("# TYPE c_seconds histogram"), text.find("c_seconds_bucket"));
}

TEST(Metrics, OneNameCannotHaveTwoKinds) {
  MetricsRegistry registry;
  registry.counter("thing", "A thing");
  EXPECT_THROW(registry.histogram("thing", "A thing"), std::logic_error);
  EXPECT_THROW(registry.gauge("thing", "A thing", {}, [] { return 0.0; }), std::logic_error);
}

}  // namespace
}  // namespace cinema
