#pragma once
// The reservation aggregate, seats and saga transitions, as plain values (no JSON, SQL or clock).
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "contracts/reservation_events.hpp"

namespace cinema::reservation {

namespace status = contracts::reservation_status;

// The local replica of a screening (from ScreeningScheduled).
struct Screening {
  std::int64_t id = 0;
  std::int64_t movie_id = 0;
  std::string starts_at;  // ISO 8601 UTC "YYYY-MM-DDTHH:MM:SSZ": compares correctly as text
  std::int64_t rows = 0;
  std::int64_t cols = 0;
  std::int64_t price = 0;
  bool movie_deleted = false;  // as the movie service's events last told
};

// Most seats one reservation may take (a group booking, not a whole hall).
inline constexpr std::size_t kMaxSeatsPerReservation = 20;

struct Reservation {
  std::int64_t id = 0;
  std::int64_t movie_id = 0;
  std::int64_t screening_id = 0;
  std::string customer_id;
  std::string status{status::requested};
  std::optional<std::int64_t> pay_id;
  std::int64_t amount = 0;
  std::vector<std::string> seats;
  std::string reason;  // why it was rejected or cancelled by the system, if it was
  // The card is never stored: payment decides on it during the first call, and recovery only asks
  // payment for that decision (or voids the charge), so it needs no card.
  std::string card_number;
  std::int64_t version = 1;
};

// "A1" is row 0, column 0; rows go A..Z then AA.. is not supported (at most 26 rows).
std::string seat_label(std::int64_t row, std::int64_t col);
// A seat has one name: row letter and column number without leading zeros ("A1"). Spellings of the
// same seat ("a1", "A01", "A001") are normalized to it, so the store's key (screening, seat) is one
// key per physical seat. Anything else ("A", "1A", "A1x", " A1", "A-1") has no canonical name.
std::optional<std::string> canonical_seat(std::string_view label);
// Empty when `label` (canonical) names a seat of `screening`, otherwise why not.
std::string seat_problem(std::string_view label, const Screening& screening);
// price x seats, or nothing when it leaves the bounds of money (contracts::kMaxAmount).
std::optional<std::int64_t> checked_amount(std::int64_t price, std::size_t seats);
// The first `count` free seats in row-major order (fewer if the screening is nearly full).
std::vector<std::string> first_free_seats(const Screening& screening, const std::set<std::string>& taken,
                                          std::size_t count);

// What a customer asked for, resolved against a screening (seats canonical, amount checked already).
Reservation request_reservation(const Screening& screening, std::string customer_id, std::vector<std::string> seats,
                                std::int64_t amount, std::string card_number);

// Saga steps. Each returns the next state; `request_cancel` explains a refusal instead.
Reservation confirm(Reservation reservation, std::int64_t pay_id);
Reservation reject(Reservation reservation, std::string reason);
struct CancelDecision {
  std::optional<Reservation> next;  // absent: refused
  std::string refusal_code;         // "conflict" (wrong state) | "cancel_closed" (past the cut-off)
  std::string refusal;
};
// A customer's cancel is refused once `now_iso` reached `cutoff_iso` (the screening's start minus
// the configured cut-off); the system's own cancels (a deleted movie) pass an empty cut-off.
CancelDecision request_cancel(Reservation reservation, std::string_view now_iso = {}, std::string_view cutoff_iso = {});
Reservation complete_cancel(Reservation reservation);

// Seats a reservation keeps held: while it is being paid, reserved, or being cancelled.
bool holds_seats(std::string_view status);

}  // namespace cinema::reservation
