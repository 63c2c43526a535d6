#include "adversarial_faults.hpp"

#include <signal.h>

#include <thread>

namespace cinema::testing::adversarial {
using namespace std::chrono_literals;

FaultController::FaultController(pid_t supervisor, std::uint64_t seed, Session& run, double delete_at)
    : supervisor_(supervisor), random_(seed), run_(run), delete_at_(delete_at) {}

void FaultController::run_until(std::chrono::steady_clock::time_point end) {
  auto next = std::chrono::steady_clock::now() + std::chrono::milliseconds(std::uniform_int_distribution(2000, 5000)(random_));
  while (std::chrono::steady_clock::now() < end) {
    if (!deleted_ && run_.seconds() >= delete_at_) delete_doomed_movie();
    if (std::chrono::steady_clock::now() >= next) {
      inject();
      next = std::chrono::steady_clock::now() + std::chrono::milliseconds(std::uniform_int_distribution(3000, 7000)(random_));
    }
    std::this_thread::sleep_for(100ms);
  }
  if (!deleted_) delete_doomed_movie();
}

void FaultController::inject() {
  if (std::bernoulli_distribution(0.3)(random_)) return pause_payment();
  std::vector<ServiceProcess> candidates;
  for (const auto& child : service_children(supervisor_)) {
    int killed = 0;
    for (const auto& [service, count] : kills_)
      if (service == child.service) killed = count;
    if (killed < 3) candidates.push_back(child);
  }
  if (candidates.empty()) return;
  auto victim = candidates[std::uniform_int_distribution<std::size_t>(0, candidates.size() - 1)(random_)];
  ::kill(victim.pid, SIGKILL);
  auto now = run_.seconds();
  timeline_.push_back({now, now, "SIGKILL " + victim.service + " (pid " + std::to_string(victim.pid) + ")", victim.service});
  for (auto& [service, count] : kills_)
    if (service == victim.service) return void(++count);
  kills_.emplace_back(victim.service, 1);
}

void FaultController::pause_payment() {
  pid_t payment = -1;
  for (const auto& child : service_children(supervisor_))
    if (child.service == "payment") payment = child.pid;
  if (payment < 0) return;
  auto from = run_.seconds();
  ::kill(payment, SIGSTOP);
  // Continued whatever happens: a payment left stopped would hang every later request.
  struct Continue {
    pid_t pid;
    ~Continue() { ::kill(pid, SIGCONT); }
  } guard{payment};
  std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution(1500, 5000)(random_)));
  timeline_.push_back({from, run_.seconds(), "SIGSTOP payment (pid " + std::to_string(payment) + ")", "payment"});
}

// Sells a few seats of the doomed movie right before it goes (the clients may have cancelled all
// theirs), then DELETE until an answer says whether it happened (movie may be down a moment).
void FaultController::delete_doomed_movie() {
  deleted_ = true;
  const auto& world = run_.world;
  for (const auto& screening : world.screenings) {
    if (screening.movie != world.doomed) continue;
    for (int seat = 0, sold = 0; seat < screening.rows * screening.cols && sold < 3; ++seat) {
      auto name = std::string(1, static_cast<char>('A' + seat / screening.cols)) + std::to_string(seat % screening.cols + 1);
      Ask ask{.screening = screening.id, .seats = {name}, .customer = "adv-doomed-" + name, .card = kNormalCard};
      sold += run_.send(reservation_exchange(world, -1, ask, "", "sold just before its movie is deleted"), 20s).status == 201;
    }
  }
  for (auto until = std::chrono::steady_clock::now() + 30s; std::chrono::steady_clock::now() < until;) {
    Exchange e{.op = Op::delete_movie, .upstream = "gateway", .method = "DELETE",
               .target = "/movies/" + std::to_string(run_.world.doomed)};
    e.movie = run_.world.doomed;
    auto answered = run_.send(std::move(e), 20s);
    if (!unknown_outcome(answered) && answered.status != 503) return;
    std::this_thread::sleep_for(500ms);
  }
}

}  // namespace cinema::testing::adversarial
