#pragma once
// The view page's picture of movies and their screenings, and how each consumed event changes it.
// Plain values and pure functions: no JSON, SQL or clock. Every projection takes the current row
// (absent when the view has not seen it yet: events of different producers arrive in any order) and
// the event's contract value, and returns the new row; nothing but event fields goes into a row, so a
// replay from offset 0 rebuilds the same view.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "contracts/movie_events.hpp"
#include "contracts/review_events.hpp"
#include "contracts/screening_events.hpp"

namespace cinema::viewpage {

struct MovieView {
  std::int64_t movie_id = 0;
  std::string title;
  std::string desc;
  std::string status;
  std::int64_t review_count = 0;
  std::string last_action;
  std::int64_t version = 0;       // of the last movie event applied
  std::int64_t rating_sum = 0;    // of the reviews' ratings, for the running average
  std::int64_t rating_count = 0;  // reviews with a rating of 1..5
  // The queries show a movie once a movie event was seen (a review alone only makes a placeholder)
  // and until it is deleted; deleted is final: the movie never comes back.
  bool registered = false;
  bool deleted = false;
};

struct ScreeningView {
  std::int64_t screening_id = 0;
  std::int64_t movie_id = 0;
  std::string starts_at;
  std::string hall;
  std::int64_t rows = 0;
  std::int64_t cols = 0;
  std::int64_t price = 0;
  // Seats of confirmed, not cancelled reservations. Kept apart from the seat map so a confirmation
  // that arrives before ScreeningScheduled still counts.
  std::int64_t seats_taken = 0;
  bool scheduled = false;  // ScreeningScheduled was seen
};

// MovieRegistered, MovieModified, MovieReserved, MovieCancelled, MovieDeleted.
[[nodiscard]] bool is_movie_event(std::string_view event_type);
MovieView apply_movie(std::optional<MovieView> current, std::string_view event_type,
                      const contracts::MovieState& movie);
MovieView apply_review(std::optional<MovieView> current, const contracts::ReviewState& review);
// Null when the movie has no rated review yet; otherwise rounded to two decimals.
[[nodiscard]] std::optional<double> average_rating(const MovieView& movie);

ScreeningView apply_screening(std::optional<ScreeningView> current, const contracts::ScreeningState& screening);
// `seats` taken (> 0) or freed (< 0) by a reservation of the screening.
ScreeningView take_seats(std::optional<ScreeningView> current, std::int64_t screening_id, std::int64_t movie_id,
                         std::int64_t seats);
[[nodiscard]] std::int64_t seats_total(const ScreeningView& screening);
[[nodiscard]] std::int64_t seats_left(const ScreeningView& screening);

}  // namespace cinema::viewpage
