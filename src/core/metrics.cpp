#include "core/metrics.hpp"

#include <fstream>
#include <stdexcept>

#include <unistd.h>

#include <fmt/format.h>

namespace cinema {
namespace {
std::string escape_label(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

std::string render_labels(const Labels& labels) {
  std::string out;
  for (const auto& [key, value] : labels) {
    out += out.empty() ? "{" : ",";
    out += key + "=\"" + escape_label(value) + "\"";
  }
  return out.empty() ? out : out + "}";
}

// Adds one label to an already rendered label set: {a="1"} + le="2" -> {a="1",le="2"}.
std::string with_label(const std::string& rendered, const std::string& extra) {
  if (rendered.empty()) return "{" + extra + "}";
  return rendered.substr(0, rendered.size() - 1) + "," + extra + "}";
}

std::string number(double value) { return fmt::format("{}", value); }
}  // namespace

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), buckets_(new std::atomic<std::uint64_t>[bounds_.size() + 1]) {
  for (std::size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0);
}

void Histogram::observe(double value) {
  std::size_t bucket = 0;
  while (bucket < bounds_.size() && value > bounds_[bucket]) ++bucket;
  buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  double sum = sum_.load(std::memory_order_relaxed);
  while (!sum_.compare_exchange_weak(sum, sum + value, std::memory_order_relaxed)) {
  }
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot snap;
  std::uint64_t running = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    snap.cumulative.push_back(running);
  }
  snap.count = running;
  snap.sum = sum_.load(std::memory_order_relaxed);
  return snap;
}

MetricsRegistry::Family& MetricsRegistry::family(const std::string& name, Kind kind, const std::string& help) {
  auto [it, inserted] = families_.try_emplace(name, Family{kind, help, {}, {}, {}});
  if (!inserted && it->second.kind != kind) throw std::logic_error("metric " + name + " registered with two kinds");
  return it->second;
}

Counter& MetricsRegistry::counter(const std::string& name, const std::string& help, const Labels& labels) {
  std::lock_guard lock(mutex_);
  auto& slot = family(name, Kind::counter, help).counters[render_labels(labels)];
  if (!slot) slot = std::make_unique<Counter>();
  return *slot;
}

Histogram& MetricsRegistry::histogram(const std::string& name, const std::string& help, const Labels& labels,
                                      std::vector<double> bounds) {
  std::lock_guard lock(mutex_);
  auto& slot = family(name, Kind::histogram, help).histograms[render_labels(labels)];
  if (!slot) slot = std::make_unique<Histogram>(std::move(bounds));
  return *slot;
}

void MetricsRegistry::gauge(const std::string& name, const std::string& help, const Labels& labels,
                            std::function<double()> read) {
  std::lock_guard lock(mutex_);
  family(name, Kind::gauge, help).gauges[render_labels(labels)] = std::move(read);
}

std::string MetricsRegistry::render() const {
  std::lock_guard lock(mutex_);
  std::string out;
  for (const auto& [name, family] : families_) {
    static constexpr const char* kTypes[] = {"counter", "gauge", "histogram"};
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, family.help, name, kTypes[static_cast<int>(family.kind)]);
    for (const auto& [labels, counter] : family.counters) out += fmt::format("{}{} {}\n", name, labels, counter->value());
    for (const auto& [labels, read] : family.gauges) out += fmt::format("{}{} {}\n", name, labels, number(read()));
    for (const auto& [labels, histogram] : family.histograms) {
      auto snap = histogram->snapshot();
      const auto& bounds = histogram->bounds();
      for (std::size_t i = 0; i < bounds.size(); ++i)
        out += fmt::format("{}_bucket{} {}\n", name, with_label(labels, "le=\"" + number(bounds[i]) + "\""),
                           snap.cumulative[i]);
      out += fmt::format("{}_bucket{} {}\n", name, with_label(labels, "le=\"+Inf\""), snap.count);
      out += fmt::format("{}_sum{} {}\n{}_count{} {}\n", name, labels, number(snap.sum), name, labels, snap.count);
    }
  }
  return out;
}

std::vector<double> MetricsRegistry::default_latency_bounds() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

double process_resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  double total_pages = 0, resident_pages = 0;
  statm >> total_pages >> resident_pages;
  return resident_pages * static_cast<double>(::sysconf(_SC_PAGESIZE));
}

}  // namespace cinema
