#include "services/reservation/reservation_policy.hpp"

#include "contracts/movie_events.hpp"
#include "contracts/payment_events.hpp"
#include "contracts/screening_events.hpp"
#include "core/time.hpp"

namespace cinema::reservation {

void ReservationPolicy::apply(const events::Event& event, std::chrono::system_clock::time_point now) {
  const auto& type = event.event_type;
  if (type == "MovieRegistered" || type == "MovieModified" || type == "MovieDeleted") {
    auto movie_id = contracts::movie_state_of(event).movie_id;
    reservations_.set_movie_known(movie_id, type == "MovieDeleted");
    if (type == "MovieDeleted")
      saga_.on_movie_deleted(movie_id, {contracts::payload_of(event).value("correlationId", ""), now}, iso_utc(now));
  } else if (type == "ScreeningScheduled") {
    auto s = contracts::screening_state_of(event);
    reservations_.upsert_screening(Screening{s.screening_id, s.movie_id, s.starts_at, s.rows, s.cols, s.price});
  } else if (type == "PaymentCancelled") {
    auto payload = contracts::payload_of(event);
    saga_.on_payment_cancelled(contracts::payment_state_of(payload).rsv_id,
                               {payload.value("correlationId", ""), now});
  }
}

}  // namespace cinema::reservation
