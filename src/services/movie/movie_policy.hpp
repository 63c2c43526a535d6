#pragma once
// What movie does with the events it consumes (group "movie"):
//   ReservationConfirmed -> the customer joins the screening's audience (may review once it started);
//                           status follows the seats; MovieReserved
//   ReservationCancelled -> the customer leaves the audience; MovieCancelled
#include <string_view>

#include "events/event.hpp"
#include "services/movie/audience_repository.hpp"
#include "services/movie/movie_publisher.hpp"
#include "services/movie/movie_repository.hpp"

namespace cinema::movie {

class MoviePolicy {
 public:
  MoviePolicy(MovieRepository& movies, AudienceRepository& audience, MoviePublisher& publisher)
      : movies_(movies), audience_(audience), publisher_(publisher) {}
  // The event types apply() acts on; the consumer skips the others without a transaction.
  static bool handles(std::string_view event_type) {
    return event_type == "ReservationConfirmed" || event_type == "ReservationCancelled";
  }
  // Runs inside the inbox transaction.
  void apply(const events::Event& event);

 private:
  void seats_changed(std::int64_t movie_id, std::string_view last_action, std::string_view event_type,
                     const contracts::EventOrigin& origin);

  MovieRepository& movies_;
  AudienceRepository& audience_;
  MoviePublisher& publisher_;
};

}  // namespace cinema::movie
