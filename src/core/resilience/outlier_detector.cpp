#include "core/resilience/outlier_detector.hpp"

#include <algorithm>

namespace cinema::resilience {

OutlierDetector::OutlierDetector(std::size_t instances, OutlierOptions options)
    : options_(options), instances_(instances) {}

void OutlierDetector::record_success(std::size_t instance, Clock::time_point) {
  std::lock_guard lock(mutex_);
  instances_.at(instance).consecutive_errors = 0;
}

bool OutlierDetector::record_failure(std::size_t instance, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  auto& state = instances_.at(instance);
  // Calls that were in flight when it was ejected tell nothing new.
  if (ejected_locked(state, now)) return false;
  ++state.consecutive_errors;
  if (options_.consecutive_errors <= 0 || state.consecutive_errors < options_.consecutive_errors) return false;
  return eject_locked(state, now);
}

// Readiness is the instance's own word, not a guess from errors: it is out until a probe finds it
// UP, and back then at once — as Kubernetes takes a pod out of its endpoints and back. An instance
// still starting, or draining in a rolling restart while its successor takes its port, is thus
// never out for a whole ejection time. Not a fixed time: an instance still DOWN must not take calls
// in the gap between the end of that time and the probe that would find it DOWN again.
bool OutlierDetector::record_not_ready(std::size_t instance, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  auto& state = instances_.at(instance);
  if (ejected_locked(state, now)) return false;
  if (!room_to_eject_locked(now)) return false;
  state.not_ready = true;
  return true;
}

void OutlierDetector::record_ready(std::size_t instance) {
  std::lock_guard lock(mutex_);
  instances_.at(instance).not_ready = false;
}

bool OutlierDetector::probe_due(std::size_t instance, Clock::time_point now) const {
  std::lock_guard lock(mutex_);
  return now >= instances_.at(instance).ejected_until;
}

bool OutlierDetector::ejected(std::size_t instance, Clock::time_point now) const {
  std::lock_guard lock(mutex_);
  return ejected_locked(instances_.at(instance), now);
}

std::size_t OutlierDetector::ejected_count(Clock::time_point now) const {
  std::lock_guard lock(mutex_);
  return static_cast<std::size_t>(
      std::count_if(instances_.begin(), instances_.end(), [&](const Instance& i) { return ejected_locked(i, now); }));
}

std::size_t OutlierDetector::max_ejected() const {
  auto n = instances_.size();
  if (n < 2 || options_.max_ejection_percent <= 0) return 0;
  auto share = n * static_cast<std::size_t>(std::min(options_.max_ejection_percent, 100)) / 100;
  return std::clamp<std::size_t>(share, 1, n - 1);
}

std::optional<std::size_t> OutlierDetector::choose(std::size_t start, const std::vector<bool>& tried,
                                                   Clock::time_point now) const {
  std::lock_guard lock(mutex_);
  auto n = instances_.size();
  std::optional<std::size_t> fallback;
  for (std::size_t step = 0; step < n; ++step) {
    auto i = (start + step) % n;
    if (i < tried.size() && tried[i]) continue;
    if (!ejected_locked(instances_[i], now)) return i;
    if (!fallback) fallback = i;
  }
  return fallback;
}

bool OutlierDetector::ejected_locked(const Instance& instance, Clock::time_point now) const {
  return instance.not_ready || now < instance.ejected_until;
}

// Envoy forgives one ejection per interval spent back in the pool.
int OutlierDetector::multiplier_locked(const Instance& instance, Clock::time_point now) const {
  if (instance.ejections == 0 || now < instance.ejected_until) return instance.ejections;
  auto interval = std::max(options_.interval, std::chrono::milliseconds(1));
  auto forgiven = (now - instance.ejected_until) / interval;
  return static_cast<int>(std::max<std::int64_t>(0, instance.ejections - forgiven));
}

bool OutlierDetector::room_to_eject_locked(Clock::time_point now) const {
  auto out = std::count_if(instances_.begin(), instances_.end(), [&](const Instance& i) { return ejected_locked(i, now); });
  return static_cast<std::size_t>(out) < max_ejected();
}

bool OutlierDetector::eject_locked(Instance& instance, Clock::time_point now) {
  if (!room_to_eject_locked(now)) return false;
  instance.ejections = multiplier_locked(instance, now) + 1;
  auto cap = std::max(options_.max_ejection, options_.base_ejection);
  auto duration = std::min<std::chrono::milliseconds>(options_.base_ejection * instance.ejections, cap);
  instance.ejected_until = now + duration;
  instance.consecutive_errors = 0;
  return true;
}

}  // namespace cinema::resilience
