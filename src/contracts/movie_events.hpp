#pragma once
// Events the movie service publishes (MovieRegistered, MovieModified, MovieDeleted; later
// MovieReserved, MovieCancelled, ReviewCreated), as the seed writes them:
// {"eventType":"MovieRegistered","timestamp":"20220407055544","movieId":1,"status":"available",
//  "desc":"Beautiful Movie~","reviewCnt":0,"lastAction":"register", + title, eventId, correlationId, version}
#include <cstdint>
#include <string>

#include "contracts/event_payload.hpp"

namespace cinema::contracts {

struct MovieState {
  std::int64_t movie_id = 0;
  std::string title;
  std::string desc;
  std::string status;
  std::int64_t review_count = 0;
  std::string last_action;
  std::int64_t version = 0;
};

events::Event movie_event(std::string_view type, const MovieState& movie, const EventOrigin& origin);
MovieState movie_state_of(const events::Event& event);
MovieState movie_state_of(const Fields& payload);  // a payload parsed already

}  // namespace cinema::contracts
