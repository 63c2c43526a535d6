#include "services/movie/audience_repository.hpp"

namespace cinema::movie {
namespace {
constexpr std::string_view kInsertScreening =
    "INSERT INTO screenings (movie_id, starts_at, hall, seat_rows, seat_cols, price) VALUES ($1, $2, $3, $4, $5, $6) "
    "RETURNING screening_id";
constexpr std::string_view kScreeningsOf =
    "SELECT screening_id, movie_id, starts_at, hall, seat_rows, seat_cols, price FROM screenings "
    "WHERE movie_id = $1 ORDER BY starts_at, screening_id";
constexpr std::string_view kSeatsTotal =
    "SELECT COALESCE(SUM(seat_rows * seat_cols), 0) FROM screenings WHERE movie_id = $1";
constexpr std::string_view kSeatsReserved = "SELECT reserved FROM movie_seats WHERE movie_id = $1";
constexpr std::string_view kAddReserved =
    "INSERT INTO movie_seats (movie_id, reserved) VALUES ($1, $2) "
    "ON CONFLICT (movie_id) DO UPDATE SET reserved = movie_seats.reserved + excluded.reserved";
constexpr std::string_view kAverageRating = "SELECT AVG(rating) FROM reviews WHERE movie_id = $1";
constexpr std::string_view kAdmit =
    "INSERT INTO audience (rsv_id, movie_id, screening_id, customer_id, seats, status) "
    "VALUES ($1, $2, $3, $4, $5, 'reserved') ON CONFLICT (rsv_id) DO NOTHING";
constexpr std::string_view kFindMember =
    "SELECT rsv_id, movie_id, screening_id, customer_id, seats FROM audience WHERE rsv_id = $1 AND status = 'reserved'";
constexpr std::string_view kCancelMember = "UPDATE audience SET status = 'cancelled' WHERE rsv_id = $1";
constexpr std::string_view kWatched =
    "SELECT 1 FROM audience a JOIN screenings s ON s.screening_id = a.screening_id "
    "WHERE a.movie_id = $1 AND a.customer_id = $2 AND a.status = 'reserved' AND s.starts_at <= $3 LIMIT 1";
constexpr std::string_view kInsertReview =
    "INSERT INTO reviews (movie_id, customer_id, rating, text) VALUES ($1, $2, $3, $4) RETURNING review_id";
constexpr std::string_view kReviewed = "SELECT 1 FROM reviews WHERE movie_id = $1 AND customer_id = $2";
constexpr std::string_view kReviewsOf =
    "SELECT review_id, movie_id, customer_id, rating, text FROM reviews WHERE movie_id = $1 ORDER BY review_id";
}  // namespace

Screening AudienceRepository::insert_screening(const Screening& s) {
  auto rows = db_.query(kInsertScreening, {s.movie_id, s.starts_at, s.hall, s.rows, s.cols, s.price});
  Screening stored = s;
  stored.id = rows.at(0).integer(0);
  return stored;
}

std::vector<Screening> AudienceRepository::screenings_of(std::int64_t movie_id) const {
  std::vector<Screening> screenings;
  for (const auto& r : db_.query(kScreeningsOf, {movie_id}))
    screenings.push_back(Screening{r.integer(0), r.integer(1), r.text(2), r.text(3), r.integer(4), r.integer(5),
                                   r.integer(6)});
  return screenings;
}

SeatCounts AudienceRepository::seat_counts(std::int64_t movie_id) const {
  auto reserved = db_.query(kSeatsReserved, {movie_id});
  return SeatCounts{db_.query(kSeatsTotal, {movie_id}).at(0).integer(0),
                    reserved.empty() ? 0 : reserved.front().integer(0)};
}

MovieStats AudienceRepository::stats_of(std::int64_t movie_id) const {
  auto seats = seat_counts(movie_id);
  auto average = db_.query(kAverageRating, {movie_id}).at(0);
  return MovieStats{seats.total - seats.reserved,
                    average.is_null(0) ? std::nullopt : std::optional<double>(average.real(0))};
}

bool AudienceRepository::admit(const AudienceMember& m) {
  if (db_.execute(kAdmit, {m.rsv_id, m.movie_id, m.screening_id, m.customer_id, m.seats}) != 1) return false;
  db_.execute(kAddReserved, {m.movie_id, m.seats});
  return true;
}

std::optional<AudienceMember> AudienceRepository::cancel(std::int64_t rsv_id) {
  auto rows = db_.query(kFindMember, {rsv_id});
  if (rows.empty()) return std::nullopt;
  db_.execute(kCancelMember, {rsv_id});
  const auto& r = rows.front();
  db_.execute(kAddReserved, {r.integer(1), -r.integer(4)});
  return AudienceMember{r.integer(0), r.integer(1), r.integer(2), r.text(3), r.integer(4)};
}

bool AudienceRepository::watched(std::int64_t movie_id, const std::string& customer_id,
                                 const std::string& now_iso) const {
  return !db_.query(kWatched, {movie_id, customer_id, now_iso}).empty();
}

Review AudienceRepository::insert_review(const Review& review) {
  auto rows = db_.query(kInsertReview, {review.movie_id, review.customer_id, review.rating, review.text});
  Review stored = review;
  stored.id = rows.at(0).integer(0);
  return stored;
}

bool AudienceRepository::reviewed(std::int64_t movie_id, const std::string& customer_id) const {
  return !db_.query(kReviewed, {movie_id, customer_id}).empty();
}

std::vector<Review> AudienceRepository::reviews_of(std::int64_t movie_id) const {
  std::vector<Review> reviews;
  for (const auto& r : db_.query(kReviewsOf, {movie_id}))
    reviews.push_back(Review{r.integer(0), r.integer(1), r.text(2), r.integer(3), r.text(4)});
  return reviews;
}

}  // namespace cinema::movie
