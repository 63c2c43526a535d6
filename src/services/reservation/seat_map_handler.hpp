#pragma once
// GET /seatMaps/{screeningId}: which seats of a screening are held right now, for a seat picker.
// Reservation owns the holds, so it answers from the same table that refuses a second hold: a seat
// shown free here may still be taken by the time it is reserved (409 seat_taken), never the other way.
#include "core/http/router.hpp"
#include "services/reservation/reservation_repository.hpp"

namespace cinema::reservation {

class SeatMapHandler final {
 public:
  explicit SeatMapHandler(const ReservationRepository& reservations) : reservations_(reservations) {}
  void register_routes(http::Router& router);

 private:
  http::Response seat_map(const http::Request& request) const;

  const ReservationRepository& reservations_;
};

}  // namespace cinema::reservation
