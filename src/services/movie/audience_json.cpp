#include "services/movie/audience_json.hpp"

#include "contracts/customer_id.hpp"
#include "core/http/errors.hpp"
#include "core/json.hpp"

namespace cinema::movie {
namespace {
using cinema::json::Json;

Json screening_object(const Screening& s) {
  return Json{{"screeningId", s.id}, {"movieId", s.movie_id}, {"startsAt", s.starts_at}, {"hall", s.hall},
              {"rows", s.rows},      {"cols", s.cols},        {"price", s.price}};
}

Json review_object(const Review& r) {
  return Json{{"reviewId", r.id}, {"movieId", r.movie_id}, {"customerId", r.customer_id}, {"rating", r.rating},
              {"text", r.text}};
}

}  // namespace

Screening parse_screening(std::string_view body, std::int64_t movie_id) {
  auto object = json::parse_object(body);
  json::reject_unknown_fields(object, {"startsAt", "hall", "rows", "cols", "price", "movieId", "screeningId"});
  Screening screening{0,
                      movie_id,
                      json::require_string(object, "startsAt"),
                      json::optional_string(object, "hall").value_or("1"),
                      json::optional_integer(object, "rows").value_or(0),
                      json::optional_integer(object, "cols").value_or(0),
                      json::optional_integer(object, "price").value_or(0)};
  if (auto problem = screening_problem(screening)) throw http::BadRequest(problem->field, problem->message);
  return screening;
}

Review parse_review(std::string_view body, std::int64_t movie_id) {
  auto object = json::parse_object(body);
  json::reject_unknown_fields(object, {"customerId", "rating", "text", "movieId"});
  // Left out: the signed-in customer's own (the handler fills it in).
  auto customer = json::optional_string(object, "customerId");
  Review review{0, movie_id, customer ? contracts::checked_customer_id(std::move(*customer)) : std::string{}, 0,
                json::optional_string(object, "text").value_or("")};
  auto rating = json::optional_integer(object, "rating");
  if (!rating || *rating < 1 || *rating > 5) throw http::BadRequest("rating", "must be an integer from 1 to 5");
  review.rating = *rating;
  if (review.text.size() > 2000) throw http::BadRequest("text", "must be at most 2000 bytes");
  return review;
}

std::string screening_to_json(const Screening& screening) { return json::dump(screening_object(screening)); }
std::string screenings_to_json(const std::vector<Screening>& screenings) {
  return json::dump_list(screenings, screening_object);
}
std::string review_to_json(const Review& review) { return json::dump(review_object(review)); }
std::string reviews_to_json(const std::vector<Review>& reviews) { return json::dump_list(reviews, review_object); }

}  // namespace cinema::movie
