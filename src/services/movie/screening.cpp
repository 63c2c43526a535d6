#include "services/movie/screening.hpp"

#include "contracts/payment_api.hpp"
#include "core/time.hpp"

namespace cinema::movie {

std::optional<FieldProblem> screening_problem(const Screening& s) {
  if (!parse_iso_utc(s.starts_at)) return FieldProblem{"startsAt", "must be a UTC time like 2026-12-01T19:00:00Z"};
  if (s.hall.empty() || s.hall.size() > 50) return FieldProblem{"hall", "must be 1 to 50 characters"};
  if (s.rows < 1 || s.rows > kMaxRows) return FieldProblem{"rows", "must be from 1 to " + std::to_string(kMaxRows)};
  if (s.cols < 1 || s.cols > kMaxCols) return FieldProblem{"cols", "must be from 1 to " + std::to_string(kMaxCols)};
  if (s.price < 0 || s.price > contracts::kMaxPrice)
    return FieldProblem{"price", "must be from 0 to " + std::to_string(contracts::kMaxPrice)};
  return std::nullopt;
}

std::optional<Screening> default_screening(std::int64_t movie_id, std::chrono::system_clock::time_point registered,
                                           const DefaultScreening& settings) {
  if (settings.rows == 0) return std::nullopt;
  auto starts = std::chrono::ceil<std::chrono::hours>(registered + settings.delay);
  return Screening{0, movie_id, iso_utc(starts), "1", settings.rows, settings.cols, settings.price};
}

std::string status_for_seats(std::int64_t seats_total, std::int64_t seats_reserved) {
  if (seats_total > 0 && seats_reserved >= seats_total) return "soldOut";
  return seats_reserved > 0 ? "reserved" : "available";
}

Movie after_reservation_change(Movie movie, std::string_view last_action, std::int64_t seats_total,
                               std::int64_t seats_reserved) {
  movie.status = status_for_seats(seats_total, seats_reserved);
  movie.last_action = std::string(last_action);
  ++movie.version;
  return movie;
}

Movie after_review(Movie movie) {
  ++movie.review_count;
  movie.last_action = "review";
  ++movie.version;
  return movie;
}

}  // namespace cinema::movie
