#include "contracts/reservation_events.hpp"

namespace cinema::contracts {

events::Event reservation_event(std::string_view type, const ReservationState& reservation,
                                const EventOrigin& origin) {
  Fields fields{{"rsvId", reservation.rsv_id},
                {"movieId", reservation.movie_id},
                {"status", reservation.status},
                {"payId", reservation.pay_id ? Fields(*reservation.pay_id) : Fields(nullptr)},
                {"screeningId", reservation.screening_id},
                {"seats", reservation.seats},
                {"customerId", reservation.customer_id},
                {"amount", reservation.amount}};
  return make_event(type, reservation.movie_id, std::move(fields), reservation.version, origin);
}

ReservationState reservation_state_of(const events::Event& event) { return reservation_state_of(payload_of(event)); }

ReservationState reservation_state_of(const Fields& payload) {
  ReservationState state;
  state.rsv_id = payload.at("rsvId").get<std::int64_t>();
  state.movie_id = payload.at("movieId").get<std::int64_t>();
  state.status = payload.value("status", "");
  if (payload.contains("payId") && payload["payId"].is_number_integer()) state.pay_id = payload["payId"].get<std::int64_t>();
  state.screening_id = payload.value("screeningId", std::int64_t{0});
  state.seats = payload.value("seats", std::vector<std::string>{});
  state.customer_id = payload.value("customerId", "");
  state.amount = payload.value("amount", std::int64_t{0});
  state.version = payload.value("version", std::int64_t{0});
  return state;
}

}  // namespace cinema::contracts
