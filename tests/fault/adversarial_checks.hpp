#pragma once
// What the adversarial test checks once the system settled: every answer a client got against the
// final state of reservations and payments, and the invariants that hold whatever was asked.
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "adversarial_faults.hpp"
#include "adversarial_model.hpp"

namespace cinema::testing::adversarial {

struct FinalState {
  std::map<std::int64_t, nlohmann::json> reservations;           // by rsvId
  std::map<std::int64_t, std::vector<nlohmann::json>> payments;  // by rsvId
  std::set<std::int64_t> movies_gone;                            // GET /movies/{id} is 404
  std::map<std::int64_t, nlohmann::json> reviews;                // GET /movies/{id}/reviews, by movie
  std::string error;                                             // why it could not be read whole

  [[nodiscard]] const nlohmann::json* reservation(std::int64_t rsv) const;
  [[nodiscard]] std::string status(std::int64_t rsv) const;  // "" when absent
  [[nodiscard]] bool paid(std::int64_t rsv) const;           // a payment of it is `paid`
  [[nodiscard]] bool refunded(std::int64_t rsv) const;       // none `paid`, one `cancelled`
  [[nodiscard]] std::vector<std::int64_t> unsettled() const;  // in reqReserve or reqCancel
  [[nodiscard]] std::string summary(std::int64_t rsv) const;  // the reservation and its payments
};

// Reads everything through the gateway, page by page.
FinalState read_final_state(const std::string& gateway, const World& world);

struct Problem {
  std::string check;                   // short name, e.g. "idempotency-replay"
  std::string detail;
  std::vector<std::size_t> exchanges;  // the request/answer pairs involved
};

struct Evidence {
  const World& world;
  const std::vector<Exchange>& exchanges;  // journal order: exchanges[i].id == i
  const FinalState& state;
  const std::vector<Fault>& faults;
  double hang_seconds;  // PAYMENT_PROCESSOR_HANG_MS given to payment
};

// Reservation answers against the final state, Idempotency-Key scopes, reservations nobody was told of.
std::vector<Problem> check_reservation_answers(const Evidence& evidence);
// Seats, payments, deleted movies, cancels, reviews, forged payment calls, 500s, unsettled state.
std::vector<Problem> check_invariants(const Evidence& evidence);
// Tries to reserve, as a guest, every seat of `screening` no live reservation holds: a seat_taken
// answer is a hold left behind by a refused, rejected or cancelled request. Run it last: it sells.
std::vector<Problem> probe_free_seats(const std::string& gateway, const Screening& screening, const FinalState& state);
// Files under `data_dir` whose bytes hold a whole test card number.
std::vector<Problem> card_numbers_at_rest(const std::filesystem::path& data_dir);

}  // namespace cinema::testing::adversarial
