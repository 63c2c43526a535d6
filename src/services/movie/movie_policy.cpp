#include "services/movie/movie_policy.hpp"

#include "contracts/reservation_events.hpp"

namespace cinema::movie {

void MoviePolicy::apply(const events::Event& event) {
  if (!handles(event.event_type)) return;
  auto payload = contracts::payload_of(event);
  auto reservation = contracts::reservation_state_of(payload);
  contracts::EventOrigin origin{payload.value("correlationId", ""), std::chrono::system_clock::now()};
  if (event.event_type == "ReservationConfirmed") {
    AudienceMember member{reservation.rsv_id, reservation.movie_id, reservation.screening_id,
                          reservation.customer_id, static_cast<std::int64_t>(reservation.seats.size())};
    if (audience_.admit(member)) seats_changed(reservation.movie_id, "reserved", "MovieReserved", origin);
  } else if (auto member = audience_.cancel(reservation.rsv_id)) {
    seats_changed(member->movie_id, "cancelled", "MovieCancelled", origin);
  }
}

void MoviePolicy::seats_changed(std::int64_t movie_id, std::string_view last_action, std::string_view event_type,
                                const contracts::EventOrigin& origin) {
  auto movie = movies_.find(movie_id);
  if (!movie) return;  // deleted meanwhile: nothing to show the change on
  auto seats = audience_.seat_counts(movie_id);
  auto changed = after_reservation_change(*movie, last_action, seats.total, seats.reserved);
  movies_.update(changed);
  publisher_.movie(event_type, changed, origin);
}

}  // namespace cinema::movie
