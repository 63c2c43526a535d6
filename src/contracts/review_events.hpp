#pragma once
// ReviewCreated, published by movie when a customer who watched a screening leaves a review:
// {"eventType":"ReviewCreated","timestamp":..,"movieId":1,"reviewId":4,"customerId":"kim","rating":5,
//  "text":"..","reviewCnt":3, + eventId, correlationId, version}
#include <cstdint>
#include <string>

#include "contracts/event_payload.hpp"

namespace cinema::contracts {

struct ReviewState {
  std::int64_t review_id = 0;
  std::int64_t movie_id = 0;
  std::string customer_id;
  std::int64_t rating = 0;  // 1..5
  std::string text;
  std::int64_t review_count = 0;  // the movie's count including this review
  std::int64_t version = 0;       // the movie's version after the review
};

events::Event review_event(const ReviewState& review, const EventOrigin& origin);
ReviewState review_state_of(const events::Event& event);
ReviewState review_state_of(const Fields& payload);  // a payload parsed already

}  // namespace cinema::contracts
