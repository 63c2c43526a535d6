#pragma once
// Screenings, the movie's replica of confirmed reservations (its audience, fed by reservation
// events) and reviews. Reviews are allowed from the audience of a screening that has started, one
// per customer and movie.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "services/movie/screening.hpp"
#include "store/database.hpp"

namespace cinema::movie {

struct AudienceMember {
  std::int64_t rsv_id = 0;
  std::int64_t movie_id = 0;
  std::int64_t screening_id = 0;
  std::string customer_id;
  std::int64_t seats = 0;
};

struct Review {
  std::int64_t id = 0;
  std::int64_t movie_id = 0;
  std::string customer_id;
  std::int64_t rating = 0;
  std::string text;
};

struct SeatCounts {
  std::int64_t total = 0;
  std::int64_t reserved = 0;
};

class AudienceRepository {
 public:
  explicit AudienceRepository(store::Database& db) : db_(db) {}

  Screening insert_screening(const Screening& screening);
  [[nodiscard]] std::vector<Screening> screenings_of(std::int64_t movie_id) const;
  [[nodiscard]] SeatCounts seat_counts(std::int64_t movie_id) const;
  [[nodiscard]] MovieStats stats_of(std::int64_t movie_id) const;

  // False when the reservation was already recorded (a replayed event).
  bool admit(const AudienceMember& member);
  // Returns the member if it was present and reserved.
  std::optional<AudienceMember> cancel(std::int64_t rsv_id);
  [[nodiscard]] bool watched(std::int64_t movie_id, const std::string& customer_id, const std::string& now_iso) const;

  // store::ConstraintViolation when the customer reviewed the movie already.
  Review insert_review(const Review& review);
  [[nodiscard]] bool reviewed(std::int64_t movie_id, const std::string& customer_id) const;
  [[nodiscard]] std::vector<Review> reviews_of(std::int64_t movie_id) const;

 private:
  store::Database& db_;
};

}  // namespace cinema::movie
