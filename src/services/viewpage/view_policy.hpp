#pragma once
// What the view page does with every event of the main topic (group "viewpage"): each one updates
// the read tables through the pure projections of movie_view.hpp and reservation_view.hpp, and the
// lag record (view_meta). Unknown types only move the lag record.
//   Movie*                        -> movie_views (MovieDeleted hides the movie for good)
//   ReviewCreated                 -> movie_views: reviewCnt and the running average rating
//   ScreeningScheduled            -> screening_views
//   Reservation*                  -> reservation_views; confirm/cancel move the screening's seats
//   PaymentApproved/Declined/Cancelled -> reservation_views: payId, paymentStatus
#include "events/event.hpp"
#include "services/viewpage/view_repository.hpp"

namespace cinema::viewpage {

class ViewPolicy {
 public:
  explicit ViewPolicy(ViewRepository& views) : views_(views) {}
  // Runs inside the inbox transaction: writes through the repository, opens no transaction.
  void apply(const events::Event& event);

 private:
  void reservation_changed(std::string_view event_status, const contracts::ReservationState& reservation);

  ViewRepository& views_;
};

}  // namespace cinema::viewpage
