#include "core/resilience/admission.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace cinema::resilience {
namespace {
AdmissionOptions checked(AdmissionOptions options) {
  if (options.min_limit < 1 || options.min_limit > options.max_limit)
    throw std::invalid_argument("admission: min_limit must be at least 1 and at most max_limit");
  if (options.window_samples < 1) throw std::invalid_argument("admission: window_samples must be at least 1");
  options.initial_limit = std::clamp(options.initial_limit, options.min_limit, options.max_limit);
  return options;
}
}  // namespace

AdmissionLimiter::AdmissionLimiter(AdmissionOptions options)
    : options_(checked(options)), limit_(options_.initial_limit) {}

bool AdmissionLimiter::try_acquire() {
  std::lock_guard lock(mutex_);
  if (in_flight_ >= static_cast<int>(limit_)) {
    ++rejected_;
    return false;
  }
  peak_in_flight_ = std::max(peak_in_flight_, ++in_flight_);
  return true;
}

void AdmissionLimiter::release(Clock::time_point now, Clock::duration latency, Outcome outcome) {
  std::lock_guard lock(mutex_);
  --in_flight_;
  if (!window_open_) {
    window_open_ = true;
    window_start_ = now;
  }
  if (outcome == Outcome::sample) {
    latency_sum_ += latency;
    ++samples_;
  } else if (outcome == Outcome::dropped) {
    dropped_ = true;
  }
  if (now - window_start_ >= options_.window && (samples_ >= options_.window_samples || dropped_))
    close_window_locked(now);
}

void AdmissionLimiter::close_window_locked(Clock::time_point now) {
  double next = limit_;
  if (samples_ > 0) {
    auto mean = latency_sum_ / samples_;
    remember_mean_locked(now, mean);
    next = next_limit_locked(mean, means_.front().mean);
  }
  // A timeout downstream says more than any latency: back off by a tenth.
  if (dropped_) next = std::min(next, limit_ * 0.9);
  limit_ = std::clamp(next, static_cast<double>(options_.min_limit), static_cast<double>(options_.max_limit));
  window_start_ = now;
  latency_sum_ = {};
  samples_ = 0;
  peak_in_flight_ = in_flight_;
  dropped_ = false;
}

void AdmissionLimiter::remember_mean_locked(Clock::time_point now, Clock::duration mean) {
  while (!means_.empty() && means_.back().mean >= mean) means_.pop_back();
  means_.push_back({now, mean});
  while (now - means_.front().at > options_.no_load_horizon) means_.pop_front();
}

// Vegas with Netflix's thresholds: a step of log10(limit) (at least 1); grow by 6 steps when at most
// one step of requests waited, by one when fewer than 3 did, shrink by one when more than 6 did.
double AdmissionLimiter::next_limit_locked(Clock::duration mean, Clock::duration no_load) const {
  if (peak_in_flight_ * 2 < limit_) return limit_;  // the limit was not what held the load back
  double waiting = limit_ * (1.0 - std::chrono::duration<double>(no_load) / std::chrono::duration<double>(mean));
  double step = std::max(1.0, std::floor(std::log10(limit_)));
  if (waiting <= step) return limit_ + 6 * step;
  if (waiting < 3 * step) return limit_ + step;
  if (waiting > 6 * step) return limit_ - step;
  return limit_;
}

int AdmissionLimiter::limit() const {
  std::lock_guard lock(mutex_);
  return static_cast<int>(limit_);
}

int AdmissionLimiter::in_flight() const {
  std::lock_guard lock(mutex_);
  return in_flight_;
}

std::uint64_t AdmissionLimiter::rejected() const {
  std::lock_guard lock(mutex_);
  return rejected_;
}

AdmissionLimiter::Clock::duration AdmissionLimiter::no_load_latency() const {
  std::lock_guard lock(mutex_);
  return means_.empty() ? Clock::duration{} : means_.front().mean;
}

}  // namespace cinema::resilience
