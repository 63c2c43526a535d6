#pragma once
// The adversarial clients: each thread draws operations from its own generator (derived from the
// run's seed) and sends them through the gateway (or, for forged payments, straight to payment's
// port), recording every request and answer in the journal. They check nothing themselves.
#include <atomic>
#include <chrono>
#include <random>
#include <string>
#include <vector>

#include "adversarial_model.hpp"

namespace cinema::testing::adversarial {

// What every thread of one run shares.
struct Session {
  std::string gateway, payment;  // host:port
  const World& world;
  Journal& journal;
  std::chrono::steady_clock::time_point began;
  std::atomic<std::int64_t> highest_rsv{0};  // the highest rsvId any answer named

  [[nodiscard]] double seconds() const;
  // Sends, records in the journal and returns the exchange with its answer (status 0: none).
  Exchange send(Exchange exchange, std::chrono::milliseconds timeout);
};

// One reservation request: seats as the client spells them, customer and card empty for a guest
// and no card.
struct Ask {
  std::int64_t screening = 0;
  nlohmann::json seats;
  std::string customer, card;
};
// POST /reservations of `ask`, ready for Session::send.
Exchange reservation_exchange(const World& world, int client, const Ask& ask, const std::string& key,
                              const std::string& note);

class Client {
 public:
  Client(int index, std::uint64_t seed, Session& run);
  void run_until(std::chrono::steady_clock::time_point end);

 private:
  void step();
  void reserve_plain();
  void reserve_keyed(const std::string& key, const char* note);
  void replay_same_body();
  void other_body_same_key();
  void race_same_key();
  void hanging_card();
  void replay_old_key();
  void cancel(std::int64_t rsv, const char* note);
  void race_cancel();
  void review();
  void forged_payment(bool through_gateway);

  Exchange reserve(const Ask& ask, const std::string& key, const std::string& note);
  void remember(const Exchange& answered);
  Ask random_ask(bool named);
  nlohmann::json random_seats(const Screening& screening);
  std::string spell(int row, int col);
  std::string card();
  const std::string& customer();
  std::string fresh_key();
  int uniform(int low, int high);  // inclusive
  bool chance(double p);
  void pause(int low_ms, int high_ms);

  int index_;
  Session& run_;
  std::mt19937_64 random_;
  std::vector<std::string> customers_;
  std::vector<std::int64_t> mine_;  // reservations this client was told about (201, 503 pending)
  std::vector<std::pair<Ask, std::string>> keyed_;  // keyed requests sent, with their key
  int keys_ = 0;
};

}  // namespace cinema::testing::adversarial
