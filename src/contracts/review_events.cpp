#include "contracts/review_events.hpp"

namespace cinema::contracts {

events::Event review_event(const ReviewState& review, const EventOrigin& origin) {
  Fields fields{{"movieId", review.movie_id}, {"reviewId", review.review_id}, {"customerId", review.customer_id},
                {"rating", review.rating},    {"text", review.text},          {"reviewCnt", review.review_count}};
  return make_event("ReviewCreated", review.movie_id, std::move(fields), review.version, origin);
}

ReviewState review_state_of(const events::Event& event) { return review_state_of(payload_of(event)); }

ReviewState review_state_of(const Fields& payload) {
  return ReviewState{payload.value("reviewId", std::int64_t{0}),   payload.at("movieId").get<std::int64_t>(),
                     payload.value("customerId", ""),              payload.value("rating", std::int64_t{0}),
                     payload.value("text", ""),                    payload.value("reviewCnt", std::int64_t{0}),
                     payload.value("version", std::int64_t{0})};
}

}  // namespace cinema::contracts
