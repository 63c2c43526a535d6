#pragma once
// Screenings (showtimes with a seat map and a price) and how seat counts shape a movie's status.
// Plain values: no JSON, SQL or clock.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "services/movie/movie.hpp"

namespace cinema::movie {

inline constexpr std::int64_t kMaxRows = 26;  // seat rows are lettered A..Z
inline constexpr std::int64_t kMaxCols = 100;

struct Screening {
  std::int64_t id = 0;
  std::int64_t movie_id = 0;
  std::string starts_at;  // ISO 8601 UTC
  std::string hall;
  std::int64_t rows = 0;
  std::int64_t cols = 0;
  std::int64_t price = 0;
};

struct FieldProblem {
  std::string field;
  std::string message;
};
std::optional<FieldProblem> screening_problem(const Screening& screening);

// The screening the seed's flow needs: a movie registered without showtimes can still be reserved
// ("movieId only" takes a seat of the movie's next screening). Starts `delay` after registration,
// on the hour.
struct DefaultScreening {
  std::int64_t rows = 10;  // 0: no default screening
  std::int64_t cols = 10;
  std::int64_t price = 10000;
  std::chrono::hours delay{24};
};
std::optional<Screening> default_screening(std::int64_t movie_id, std::chrono::system_clock::time_point registered,
                                           const DefaultScreening& settings);

// Seed statuses from seat counts over all of a movie's screenings.
std::string status_for_seats(std::int64_t seats_total, std::int64_t seats_reserved);
// A reservation was confirmed or cancelled: status follows the seats, lastAction says which.
Movie after_reservation_change(Movie movie, std::string_view last_action, std::int64_t seats_total,
                               std::int64_t seats_reserved);
Movie after_review(Movie movie);

}  // namespace cinema::movie
