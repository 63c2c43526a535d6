#include "services/viewpage/reservation_view.hpp"

#include <utility>

namespace cinema::viewpage {
namespace {
constexpr std::pair<std::string_view, std::string_view> kEventStatuses[] = {
    {"ReservationCreated", status::requested},
    {"ReservationConfirmed", status::reserved},
    {"ReservationRejected", status::rejected},
    {"ReservationCancelRequested", status::cancel_requested},
    {"ReservationCancelled", status::cancelled},
};

int status_rank(std::string_view status) {
  if (status == status::requested) return 1;
  if (status == status::reserved) return 2;
  if (status == status::cancel_requested) return 3;
  if (status == status::rejected || status == status::cancelled) return 4;
  return 0;
}

bool is_final(std::string_view status) { return status_rank(status) == 4; }

int payment_rank(std::string_view status) {
  if (status == "paid") return 1;
  if (status == "declined" || status == "cancelled") return 2;
  return 0;
}

// Every reservation event carries the whole reservation; a field it leaves empty keeps what the
// view already knows (from a payment event, say).
ReservationView with_details(ReservationView view, const contracts::ReservationState& r) {
  view.movie_id = r.movie_id;
  if (r.screening_id != 0) view.screening_id = r.screening_id;
  if (!r.seats.empty()) view.seats = r.seats;
  if (!r.customer_id.empty()) view.customer_id = r.customer_id;
  if (r.amount != 0) view.amount = r.amount;
  if (r.pay_id) view.pay_id = r.pay_id;
  return view;
}
}  // namespace

std::optional<std::string_view> status_of_event(std::string_view event_type) {
  for (const auto& [type, status] : kEventStatuses)
    if (type == event_type) return status;
  return std::nullopt;
}

ReservationChange apply_reservation(std::optional<ReservationView> current, std::string_view event_status,
                                    const contracts::ReservationState& reservation) {
  auto before = current.value_or(ReservationView{.rsv_id = reservation.rsv_id});
  auto view = with_details(before, reservation);
  if (status_rank(event_status) > status_rank(view.status)) view.status = std::string(event_status);
  // A confirmation that arrives after a cancel request still holds seats until the cancel completes;
  // one that arrives after the end changes nothing.
  if (event_status == status::reserved && !is_final(view.status)) view.confirmed = true;
  return {view, seats_held(view) - seats_held(before)};
}

ReservationView apply_payment(std::optional<ReservationView> current, const contracts::PaymentState& payment) {
  auto view = current.value_or(ReservationView{.rsv_id = payment.rsv_id});
  if (view.movie_id == 0) view.movie_id = payment.movie_id;
  if (view.customer_id.empty()) view.customer_id = payment.customer_id;
  if (view.amount == 0) view.amount = payment.amount;
  if (payment_rank(payment.status) >= payment_rank(view.payment_status)) {
    view.payment_status = payment.status;
    view.pay_id = payment.pay_id;
  }
  return view;
}

std::int64_t seats_held(const ReservationView& reservation) {
  if (!reservation.confirmed || is_final(reservation.status)) return 0;
  return static_cast<std::int64_t>(reservation.seats.size());
}

}  // namespace cinema::viewpage
