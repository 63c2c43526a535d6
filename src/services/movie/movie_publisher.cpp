#include "services/movie/movie_publisher.hpp"

#include "contracts/movie_events.hpp"
#include "contracts/review_events.hpp"
#include "contracts/screening_events.hpp"

namespace cinema::movie {

void MoviePublisher::movie(std::string_view type, const Movie& m, const contracts::EventOrigin& origin) {
  contracts::MovieState state{m.id, m.title, m.desc, m.status, m.review_count, m.last_action, m.version};
  events_.emit(contracts::movie_event(type, state, origin));
}

void MoviePublisher::screening(const Screening& s, const contracts::EventOrigin& origin) {
  contracts::ScreeningState state{s.id, s.movie_id, s.starts_at, s.hall, s.rows, s.cols, s.price, 1};
  events_.emit(contracts::screening_event("ScreeningScheduled", state, origin));
}

void MoviePublisher::review(const Review& r, const Movie& m, const contracts::EventOrigin& origin) {
  contracts::ReviewState state{r.id, r.movie_id, r.customer_id, r.rating, r.text, m.review_count, m.version};
  events_.emit(contracts::review_event(state, origin));
}

}  // namespace cinema::movie
