#pragma once
// The invariant every fault test ends with: once the system settled, each source agrees with the
// others exactly, so no event was lost and none applied twice.
//   reservation: every reservation final (reserved, rejected or cancelled)
//   payment:     exactly one paid payment per reserved reservation, none for another
//   message:     exactly one "ReservationConfirmed" message per reserved reservation
//   viewpage:    per movie the reserved count and sold seats; per customer the reservations
//   movie:       seats left per movie equal the view's
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "cinema_process.hpp"

namespace cinema::testing {

struct SoldReservations {
  std::int64_t reserved = 0;  // reservations with status "reserved"
  std::int64_t seats = 0;     // their seats
};

// `count` movies with one screening each, `rows` x `cols` seats at 1000, starting in a day, each
// known to reservation before this returns (a failure is a test failure: check HasFatalFailure()).
struct SeededMovies {
  std::vector<std::int64_t> movies, screenings;
};
SeededMovies seed_movies(const std::string& gateway, int count, int rows, int cols, const std::string& desc);

// Waits up to `settle` for the sources to agree, then reports every disagreement as a test failure.
// Returns what the reservation source holds for `movies`.
SoldReservations expect_sources_agree(const CinemaProcess& cinema, const std::vector<std::int64_t>& movies,
                                      const std::vector<std::string>& customers,
                                      std::chrono::seconds settle = std::chrono::seconds(60));

}  // namespace cinema::testing
