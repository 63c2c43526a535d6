#pragma once
// The view page's picture of reservations and their payments, and how each consumed event changes
// it. Pure, like movie_view.hpp. Reservation and payment events come from two producers and can
// arrive in any order, so every projection accepts a missing row (it builds one from the event's
// fields) and a status never goes back: reqReserve < reserved < reqCancel < rejected | cancelled.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "contracts/payment_events.hpp"
#include "contracts/reservation_events.hpp"

namespace cinema::viewpage {

namespace status = contracts::reservation_status;
// In the order /movieViews reports their counts.
inline constexpr std::string_view kStatuses[] = {status::requested, status::reserved, status::rejected,
                                                 status::cancel_requested, status::cancelled};

struct ReservationView {
  std::int64_t rsv_id = 0;
  std::int64_t movie_id = 0;
  std::int64_t screening_id = 0;  // 0: not known yet (only the payment was seen)
  std::vector<std::string> seats;
  std::string customer_id;
  std::int64_t amount = 0;
  std::string status;  // empty: no reservation event seen yet
  std::optional<std::int64_t> pay_id;
  std::string payment_status;  // paid | declined | cancelled; empty: no payment event yet
  bool confirmed = false;      // ReservationConfirmed was applied: its seats count on the screening
};

struct ReservationChange {
  ReservationView view;
  std::int64_t seats_taken = 0;  // seats the reservation's screening gains (> 0) or frees (< 0)
};

// The status a reservation event type stands for; nullopt for any other type.
[[nodiscard]] std::optional<std::string_view> status_of_event(std::string_view event_type);
ReservationChange apply_reservation(std::optional<ReservationView> current, std::string_view event_status,
                                    const contracts::ReservationState& reservation);
ReservationView apply_payment(std::optional<ReservationView> current, const contracts::PaymentState& payment);
// Seats the reservation holds on its screening as far as the view has counted them.
[[nodiscard]] std::int64_t seats_held(const ReservationView& reservation);

}  // namespace cinema::viewpage
