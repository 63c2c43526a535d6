#pragma once
// Bodies of the reservation API. The seed form {"movieId":"1","status":"reqReserve"} and the seat
// form {"screeningId":3,"seats":["A1","A2"],"customerId":"kim"} are both accepted.
#include <string>
#include <string_view>
#include <vector>

#include "services/reservation/reservation.hpp"
#include "services/reservation/reservation_saga.hpp"

namespace cinema::reservation {

// Throws http::BadRequest naming the field. The idempotency key comes from a header, not the body.
// Without customerId (the seed's form) the customer id stays empty: the caller is anonymous.
ReservationRequest parse_reservation_request(std::string_view body);
// PATCH body: only {"status":"reqCancel"} changes anything.
void parse_cancel_request(std::string_view body);

std::string reservation_to_json(const Reservation& reservation);
std::string reservations_to_json(const std::vector<Reservation>& reservations);
// An error body that also carries the reservation's fields (402 declined, 503 pending).
std::string reservation_error_json(std::string_view code, std::string_view message, const Reservation& reservation);

}  // namespace cinema::reservation
