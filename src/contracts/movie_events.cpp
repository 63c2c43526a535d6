#include "contracts/movie_events.hpp"

namespace cinema::contracts {

events::Event movie_event(std::string_view type, const MovieState& movie, const EventOrigin& origin) {
  Fields fields{{"movieId", movie.movie_id},  {"status", movie.status},
                {"desc", movie.desc},         {"reviewCnt", movie.review_count},
                {"lastAction", movie.last_action}, {"title", movie.title}};
  return make_event(type, movie.movie_id, std::move(fields), movie.version, origin);
}

MovieState movie_state_of(const events::Event& event) { return movie_state_of(payload_of(event)); }

MovieState movie_state_of(const Fields& payload) {
  return MovieState{integer_field(payload, "movieId"),
                    payload.value("title", ""),
                    payload.value("desc", ""),
                    payload.value("status", ""),
                    integer_field(payload, "reviewCnt", 0),
                    payload.value("lastAction", ""),
                    integer_field(payload, "version", 0)};
}

}  // namespace cinema::contracts
