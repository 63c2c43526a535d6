#pragma once
// The adversarial test's vocabulary: what one client sent and what came back (an Exchange), the
// journal every thread appends to, the movies and screenings under test, and the seat spellings the
// generator sends and the checks understand.
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cinema::testing::adversarial {

inline constexpr const char* kNormalCard = "4111111111111111";
inline constexpr const char* kDeclinedCard = "4000000000000002";
inline constexpr const char* kHangingCard = "4000000000000119";

enum class Op { setup, reserve, cancel, delete_movie, review, pay_gateway, pay_direct };
const char* op_name(Op op);

// One request and its answer. status 0 is "no answer" (connection refused, reset or timed out).
struct Exchange {
  std::size_t id = 0;  // position in the journal
  int client = -1;     // -1: set-up or the fault controller
  Op op = Op::setup;
  std::string upstream;  // "gateway" or "payment" (the payment service's own port)
  std::string method, target, body;
  std::string idempotency_key, service_token;  // headers sent, when not empty
  double sent_at = 0, answered_at = 0;          // seconds since the run began
  int status = 0;
  std::string answer;
  bool replayed = false;  // the answer carried Idempotent-Replayed: true
  std::string note;       // what the generator meant: "replay", "other body", "race", ...

  // reserve: what was asked (customer empty for a guest); cancel: the reservation; review: the movie.
  std::int64_t screening = 0, rsv = 0, movie = 0;
  std::string customer, card;
  nlohmann::json seats;  // exactly as sent (strings of any spelling, sometimes not strings)

  [[nodiscard]] nlohmann::json answer_json() const;  // the parsed answer, or null
  [[nodiscard]] std::string error_code() const;      // "error" of the answer, or ""
  [[nodiscard]] std::int64_t answered_rsv() const;   // "rsvId" of the answer, or 0
};

// A failed connection, a gateway that lost the service (502, 504) or a crash (500): the request may
// or may not have taken effect.
bool unknown_outcome(const Exchange& exchange);
// One line: "#12 c3 t=4.210s POST /reservations {...} key=k7 -> 201 {...} (note)".
std::string describe(const Exchange& exchange);

// Every exchange of a run, appended by all threads.
class Journal {
 public:
  std::size_t add(Exchange exchange);
  [[nodiscard]] std::vector<Exchange> snapshot() const;

 private:
  mutable std::mutex mutex_;
  std::vector<Exchange> exchanges_;
};

struct Screening {
  std::int64_t id = 0, movie = 0, price = 0;
  int rows = 0, cols = 0;
  std::chrono::system_clock::time_point starts_at;
  double starts_at_run = 1e9;  // seconds since the run began
};

// What the clients play with. `doomed` is deleted near the end; `soon` starts during the run.
struct World {
  std::vector<std::int64_t> movies;
  std::vector<Screening> screenings;
  std::int64_t doomed = 0;
  std::int64_t soon = 0;
  int max_per_person = 0;  // MAX_RESERVATION_PER_PERSON given to the services
  [[nodiscard]] const Screening* screening(std::int64_t id) const;
};

// "A1" for " a01", "A001", "a1"; nullopt when the spelling is not a row letter and a column.
std::optional<std::string> normalized_seat(const std::string& spelling);

// How the seats of a request relate to its screening's seat map.
enum class SeatShape {
  canonical,  // every seat spelled "A1", all on the map, none twice
  variant,    // the same but some spelled otherwise (" A1", "a01"): normalized or refused with 400
  invalid,    // a seat not on the map, not a seat name, or one seat twice under any spelling
};
SeatShape seat_shape(const nlohmann::json& seats, const Screening& screening);
// The normalized seats, sorted (spellings that do not normalize are kept as they are).
std::vector<std::string> normalized_seats(const nlohmann::json& seats);

}  // namespace cinema::testing::adversarial
