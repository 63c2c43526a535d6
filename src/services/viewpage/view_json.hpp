#pragma once
// Answers of the view page, with the seed's field names.
//   movie view:  {"movieId":1,"title":"","desc":"Beautiful Movie~","status":"reserved","reviewCnt":0,"rating":null,
//                 "lastAction":"reserved","screenings":[{"screeningId":1,"startsAt":"2026-12-01T19:00:00Z",
//                 "hall":"1","seatsTotal":100,"seatsLeft":98,"price":10000}],
//                 "reservations":{"reqReserve":0,"reserved":1,"rejected":0,"reqCancel":0,"cancelled":0}}
//   reservation: {"rsvId":1,"movieId":1,"movieTitle":"","screeningId":1,"seats":["A1","A2"],"amount":20000,
//                 "status":"reserved","payId":1,"paymentStatus":"paid"}
//   lag:         {"lastEventOffset":41,"lastEventAt":"2026-11-25T19:00:00Z","lagSeconds":2,"lagEvents":0,
//                 "replaying":false,"replayError":null}
#include <string>
#include <vector>

#include "services/viewpage/view_feed.hpp"
#include "services/viewpage/view_lag.hpp"
#include "services/viewpage/view_repository.hpp"

namespace cinema::viewpage {

std::string board_to_json(const MovieBoard& board);
std::string boards_to_json(const std::vector<MovieBoard>& boards);
std::string customer_reservations_to_json(const std::vector<CustomerReservation>& reservations);
std::string lag_to_json(const Lag& lag, const FeedStatus& feed);

}  // namespace cinema::viewpage
