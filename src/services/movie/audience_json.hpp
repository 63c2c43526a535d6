#pragma once
// Bodies of /movies/{id}/screenings and /movies/{id}/reviews.
//   screening: {"screeningId":3,"movieId":1,"startsAt":"2026-12-01T19:00:00Z","hall":"1","rows":4,"cols":5,"price":12000}
//   review:    {"reviewId":1,"movieId":1,"customerId":"kim","rating":5,"text":"Loved it"}
#include <string>
#include <string_view>
#include <vector>

#include "services/movie/audience_repository.hpp"

namespace cinema::movie {

Screening parse_screening(std::string_view body, std::int64_t movie_id);  // BadRequest naming the field
Review parse_review(std::string_view body, std::int64_t movie_id);
std::string screening_to_json(const Screening& screening);
std::string screenings_to_json(const std::vector<Screening>& screenings);
std::string review_to_json(const Review& review);
std::string reviews_to_json(const std::vector<Review>& reviews);

}  // namespace cinema::movie
