#pragma once
// ScreeningScheduled, published by movie when a manager schedules a showtime; reservation keeps a
// replica of screenings from it so it takes reservations while movie is down.
// {"eventType":"ScreeningScheduled","timestamp":..,"screeningId":3,"movieId":1,
//  "startsAt":"2026-12-01T19:00:00Z","hall":"1","rows":4,"cols":5,"price":12000, + eventId, ...}
#include <cstdint>
#include <string>

#include "contracts/event_payload.hpp"

namespace cinema::contracts {

struct ScreeningState {
  std::int64_t screening_id = 0;
  std::int64_t movie_id = 0;
  std::string starts_at;  // ISO 8601 UTC, "2026-12-01T19:00:00Z"
  std::string hall;
  std::int64_t rows = 0;  // seats are "A1".."<row letter><cols>"
  std::int64_t cols = 0;
  std::int64_t price = 0;  // per seat, smallest currency unit
  std::int64_t version = 0;
};

events::Event screening_event(std::string_view type, const ScreeningState& screening, const EventOrigin& origin);
ScreeningState screening_state_of(const events::Event& event);
ScreeningState screening_state_of(const Fields& payload);  // a payload parsed already

}  // namespace cinema::contracts
