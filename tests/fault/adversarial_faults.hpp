#pragma once
// The faults the adversarial test injects into a running `cinema up`, on a schedule drawn from the
// run's seed: SIGKILL of one service process (the supervisor restarts it) and SIGSTOP of payment
// for a few seconds. The same thread deletes the doomed movie when its time comes.
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "adversarial_clients.hpp"
#include "cinema_process.hpp"

namespace cinema::testing::adversarial {

struct Fault {
  double from = 0, to = 0;  // seconds since the run began
  std::string what;         // "SIGKILL reservation (pid 123)"
  std::string service;
};

class FaultController {
 public:
  FaultController(pid_t supervisor, std::uint64_t seed, Session& run, double delete_at);
  // Injects faults until `end` and deletes the doomed movie at `delete_at` (seconds of the run).
  // A stopped payment is always continued before it returns, even if it throws.
  void run_until(std::chrono::steady_clock::time_point end);
  [[nodiscard]] const std::vector<Fault>& timeline() const { return timeline_; }

 private:
  void inject();
  void pause_payment();
  void delete_doomed_movie();

  pid_t supervisor_;
  std::mt19937_64 random_;
  Session& run_;
  double delete_at_;
  bool deleted_ = false;
  std::vector<Fault> timeline_;
  std::vector<std::pair<std::string, int>> kills_;  // per service; at most 3 keep restarts quick
};

}  // namespace cinema::testing::adversarial
