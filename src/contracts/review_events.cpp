#include "contracts/review_events.hpp"

namespace cinema::contracts {

events::Event review_event(const ReviewState& review, const EventOrigin& origin) {
  Fields fields{{"movieId", review.movie_id}, {"reviewId", review.review_id}, {"customerId", review.customer_id},
                {"rating", review.rating},    {"text", review.text},          {"reviewCnt", review.review_count}};
  return make_event("ReviewCreated", review.movie_id, std::move(fields), review.version, origin);
}

ReviewState review_state_of(const events::Event& event) { return review_state_of(payload_of(event)); }

ReviewState review_state_of(const Fields& payload) {
  return ReviewState{integer_field(payload, "reviewId", 0),  integer_field(payload, "movieId"),
                     payload.value("customerId", ""),        integer_field(payload, "rating", 0),
                     payload.value("text", ""),              integer_field(payload, "reviewCnt", 0),
                     integer_field(payload, "version", 0)};
}

}  // namespace cinema::contracts
