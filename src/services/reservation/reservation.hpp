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
};

struct Reservation {
  std::int64_t id = 0;
  std::int64_t movie_id = 0;
  std::int64_t screening_id = 0;
  std::string customer_id;
  std::string status{status::requested};
  std::optional<std::int64_t> pay_id;
  std::int64_t amount = 0;
  std::vector<std::string> seats;
  std::string reason;  // why it was rejected, if it was
  // The card to charge, kept so recovery can repeat the (idempotent) payment call after a crash. The
  // simulated processor takes test card numbers; a real one would take a processor's token here.
  std::string card_token;
  std::int64_t version = 1;
};

// "A1" is row 0, column 0; rows go A..Z then AA.. is not supported (at most 26 rows).
std::string seat_label(std::int64_t row, std::int64_t col);
// Empty when `label` names a seat of `screening`, otherwise why not.
std::string seat_problem(std::string_view label, const Screening& screening);
// The first `count` free seats in row-major order (fewer if the screening is nearly full).
std::vector<std::string> first_free_seats(const Screening& screening, const std::set<std::string>& taken,
                                          std::size_t count);

// What a customer asked for, resolved against a screening.
Reservation request_reservation(const Screening& screening, std::string customer_id, std::vector<std::string> seats,
                                std::string card_token);

// Saga steps. Each returns the next state; `request_cancel` explains a refusal instead.
Reservation confirm(Reservation reservation, std::int64_t pay_id);
Reservation reject(Reservation reservation, std::string reason);
struct CancelDecision {
  std::optional<Reservation> next;  // absent: refused
  std::string refusal;
};
CancelDecision request_cancel(Reservation reservation);
Reservation complete_cancel(Reservation reservation);

// Seats a reservation keeps held: while it is being paid, reserved, or being cancelled.
bool holds_seats(std::string_view status);

}  // namespace cinema::reservation
