#pragma once
// Turns movie's domain values into the shared event contracts and appends them to the outbox of
// the open transaction.
#include "contracts/event_payload.hpp"
#include "events/event_sink.hpp"
#include "services/movie/audience_repository.hpp"
#include "services/movie/movie.hpp"

namespace cinema::movie {

class MoviePublisher {
 public:
  explicit MoviePublisher(events::EventSink& events) : events_(events) {}
  void movie(std::string_view type, const Movie& movie, const contracts::EventOrigin& origin);
  void screening(const Screening& screening, const contracts::EventOrigin& origin);
  void review(const Review& review, const Movie& movie, const contracts::EventOrigin& origin);
  // After the commit: wake the relay.
  void published() { events_.published(); }

 private:
  events::EventSink& events_;
};

}  // namespace cinema::movie
