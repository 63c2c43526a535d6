#pragma once
// Events of the reservation saga (ReservationCreated, ReservationConfirmed, ReservationRejected,
// ReservationCancelRequested, ReservationCancelled), as the seed writes them:
// {"eventType":"ReservationConfirmed","timestamp":..,"rsvId":1,"movieId":1,"status":"reserved","payId":1,
//  + screeningId, seats, customerId, amount, eventId, correlationId, version}
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "contracts/event_payload.hpp"

namespace cinema::contracts {

// The statuses a reservation goes through (the seed's names).
namespace reservation_status {
inline constexpr std::string_view requested = "reqReserve";
inline constexpr std::string_view reserved = "reserved";
inline constexpr std::string_view rejected = "rejected";
inline constexpr std::string_view cancel_requested = "reqCancel";
inline constexpr std::string_view cancelled = "cancelled";
}  // namespace reservation_status

struct ReservationState {
  std::int64_t rsv_id = 0;
  std::int64_t movie_id = 0;
  std::string status;                 // reqReserve | reserved | rejected | reqCancel | cancelled
  std::optional<std::int64_t> pay_id;  // null until payment approved
  std::int64_t screening_id = 0;
  std::vector<std::string> seats;     // "A1", "A2"
  std::string customer_id;
  std::int64_t amount = 0;            // total price, in the smallest currency unit
  std::int64_t version = 0;
};

events::Event reservation_event(std::string_view type, const ReservationState& reservation,
                                const EventOrigin& origin);
ReservationState reservation_state_of(const events::Event& event);
ReservationState reservation_state_of(const Fields& payload);  // a payload parsed already

}  // namespace cinema::contracts
