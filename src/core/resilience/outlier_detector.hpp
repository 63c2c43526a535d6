#pragma once
// Outlier ejection over the instances of one service, with the semantics of Istio's
// DestinationRule `outlierDetection` (Envoy's outlier detector), which the seed sets on payment:
//   - `consecutive_errors` failures in a row (no answer, a refused connection, a counted 5xx) eject
//     the instance; any answer that shows it working resets the count;
//   - an instance whose own readiness says DOWN is out at once (the instance decided, nothing to
//     guess from errors), and stays out until a probe finds it UP again: back at once then;
//   - an ejection lasts base_ejection x the number of times it was ejected (capped at
//     max_ejection, Envoy's max_ejection_time), and that number falls by one for every `interval`
//     the instance then stays in, so an instance that recovers for good is forgiven;
//   - at most max_ejection_percent of the instances are out at once (at least one, as in Envoy), and
//     never all of them: the last one keeps its traffic, since some answer beats none.
// Time is passed in, so the state machine is tested without clocks. Thread-safe.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <vector>

namespace cinema::resilience {

struct OutlierOptions {
  int consecutive_errors = 1;  // 0: errors never eject (readiness still does)
  std::chrono::milliseconds interval{1'000};
  std::chrono::milliseconds base_ejection{180'000};
  std::chrono::milliseconds max_ejection{300'000};
  int max_ejection_percent = 100;  // 0: nothing is ever ejected
};

class OutlierDetector {
 public:
  using Clock = std::chrono::steady_clock;

  OutlierDetector(std::size_t instances, OutlierOptions options);

  // An answer that shows the instance working: its run of errors ends.
  void record_success(std::size_t instance, Clock::time_point now);
  // A failed attempt; true when it ejected the instance.
  bool record_failure(std::size_t instance, Clock::time_point now);
  // The instance's readiness is DOWN (or it is gone); true when it ejected the instance.
  bool record_not_ready(std::size_t instance, Clock::time_point now);
  // A probe found the instance's readiness UP: a readiness ejection ends.
  void record_ready(std::size_t instance);
  // Whether the instance's readiness should be asked now: not while an ejection for errors runs
  // (it is not to be sent anything until its time is up), always while out for readiness.
  [[nodiscard]] bool probe_due(std::size_t instance, Clock::time_point now) const;

  [[nodiscard]] bool ejected(std::size_t instance, Clock::time_point now) const;
  [[nodiscard]] std::size_t ejected_count(Clock::time_point now) const;
  [[nodiscard]] std::size_t size() const { return instances_.size(); }
  // How many instances may be out at once.
  [[nodiscard]] std::size_t max_ejected() const;

  // The instance for the next attempt of a call: from `start` on in turn, the first one neither
  // ejected nor in `tried`; when every untried one is ejected, the first untried one all the same
  // (a chance beats a certain failure); nothing when all were tried.
  [[nodiscard]] std::optional<std::size_t> choose(std::size_t start, const std::vector<bool>& tried,
                                                  Clock::time_point now) const;

 private:
  struct Instance {
    int consecutive_errors = 0;
    int ejections = 0;  // the multiplier of the base ejection time, before forgiveness
    Clock::time_point ejected_until{};  // an ejection for errors
    bool not_ready = false;             // out until a probe finds it UP
  };
  [[nodiscard]] bool ejected_locked(const Instance& instance, Clock::time_point now) const;
  [[nodiscard]] int multiplier_locked(const Instance& instance, Clock::time_point now) const;
  // Whether one more instance may be out now (max_ejection_percent, never all).
  [[nodiscard]] bool room_to_eject_locked(Clock::time_point now) const;
  bool eject_locked(Instance& instance, Clock::time_point now);

  const OutlierOptions options_;
  mutable std::mutex mutex_;
  std::vector<Instance> instances_;
};

}  // namespace cinema::resilience
