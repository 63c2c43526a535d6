#pragma once
// The chaos suite's steady customers: client threads that keep reserving one fresh seat at a time
// through the gateway (each request with an Idempotency-Key, some with a declined card) and cancel
// some of what they reserved, recording every answer with its time. They check nothing themselves:
// a scenario reads the answers and asks whether each one was designed and when service was back.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace cinema::testing::chaos {

struct Answer {
  double at = 0;            // seconds since the traffic began, when the answer came
  std::string what;         // "reserve" or "cancel"
  int status = 0;           // 0: no answer at all (connection failed, timed out)
  bool retry_after = false;
  std::string detail;       // the JSON error code, or the client's own error
};

struct TrafficOptions {
  int clients = 4;
  std::chrono::milliseconds pause{25};  // between two requests of one client
  int cancel_every = 4;                 // every n-th reservation made is cancelled again
  int declined_every = 10;              // every n-th reservation request pays with a declined card
};

class Traffic {
 public:
  // Seats are taken in order across `screenings` (each rows x cols, rows <= 26), one per request.
  Traffic(std::string gateway, std::vector<std::int64_t> screenings, int rows, int cols, TrafficOptions options = {});
  ~Traffic();
  Traffic(const Traffic&) = delete;
  Traffic& operator=(const Traffic&) = delete;

  void start();
  void stop();  // waits for every client's request in flight
  [[nodiscard]] double now() const;  // seconds since start()
  [[nodiscard]] std::vector<Answer> answers() const;

 private:
  void run_client(int index);
  void record(Answer answer);
  std::optional<std::string> next_seat(std::int64_t& screening);

  std::string gateway_;
  std::vector<std::int64_t> screenings_;
  int rows_, cols_;
  TrafficOptions options_;
  std::chrono::steady_clock::time_point began_;
  std::atomic<bool> running_{false};
  std::atomic<long> seats_used_{0};
  std::vector<std::thread> clients_;
  mutable std::mutex mutex_;
  std::vector<Answer> answers_;
};

// Each answer in [from, to) seconds that is not designed, described: a reservation answers 201, 402
// (declined card) or 409 (seat taken); a cancel 200; either may be 503 or 429 when it carries
// Retry-After. Anything else (5xx without Retry-After, no answer at all) is a failure.
std::vector<std::string> undesigned(const std::vector<Answer>& answers, double from = 0, double to = 1e9);
// How many reservation answers in [from, to) were turned away (503/429).
int turned_away(const std::vector<Answer>& answers, double from = 0, double to = 1e9);
// When reservations were served again after `from`: the time of the first 201 after the last
// turned-away reservation answer; nothing when none succeeded after it.
std::optional<double> back_at(const std::vector<Answer>& answers, double from);
// The answers, one line each ("12.345 reserve 503 retry-after payment_unavailable"), for failure output.
std::string timeline(const std::vector<Answer>& answers, double from, double to);

}  // namespace cinema::testing::chaos
