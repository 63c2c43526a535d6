// Unit tier: the reservation and payment projections of the view page (pure, no SQL), including
// events that arrive out of order across producers.
#include <gtest/gtest.h>

#include "services/viewpage/reservation_view.hpp"

namespace cinema::viewpage {
namespace {

contracts::ReservationState reservation(std::string status, std::optional<std::int64_t> pay_id = std::nullopt) {
  return contracts::ReservationState{1, 1, std::move(status), pay_id, 3, {"A1", "A2"}, "kim", 24000, 1};
}

contracts::PaymentState payment(std::string status) {
  return contracts::PaymentState{5, 1, 1, std::move(status), 24000, "kim", "", 1};
}

// Applies one event by type, as the policy does; returns the change.
ReservationChange on(const std::optional<ReservationView>& current, std::string_view type,
                     const contracts::ReservationState& state) {
  auto status = status_of_event(type);
  EXPECT_TRUE(status) << type;
  return apply_reservation(current, *status, state);
}

TEST(ReservationViewTest, EachReservationEventTypeStandsForItsStatus) {
  EXPECT_EQ(status_of_event("ReservationCreated"), status::requested);
  EXPECT_EQ(status_of_event("ReservationConfirmed"), status::reserved);
  EXPECT_EQ(status_of_event("ReservationRejected"), status::rejected);
  EXPECT_EQ(status_of_event("ReservationCancelRequested"), status::cancel_requested);
  EXPECT_EQ(status_of_event("ReservationCancelled"), status::cancelled);
  EXPECT_FALSE(status_of_event("PaymentApproved"));
}

TEST(ReservationViewTest, CreatedMakesARequestedRowWithoutPayIdOrSeatsTaken) {
  auto change = on(std::nullopt, "ReservationCreated", reservation("reqReserve"));
  EXPECT_EQ(change.view.status, "reqReserve");
  EXPECT_EQ(change.view.screening_id, 3);
  EXPECT_EQ(change.view.seats, (std::vector<std::string>{"A1", "A2"}));
  EXPECT_EQ(change.view.customer_id, "kim");
  EXPECT_EQ(change.view.amount, 24000);
  EXPECT_FALSE(change.view.pay_id);
  EXPECT_EQ(change.seats_taken, 0);
}

TEST(ReservationViewTest, ConfirmedTakesItsSeatsOnceAndRecordsThePayId) {
  auto created = on(std::nullopt, "ReservationCreated", reservation("reqReserve")).view;
  auto confirmed = on(created, "ReservationConfirmed", reservation("reserved", 5));
  EXPECT_EQ(confirmed.view.status, "reserved");
  EXPECT_EQ(confirmed.view.pay_id, 5);
  EXPECT_EQ(confirmed.seats_taken, 2);
  EXPECT_EQ(on(confirmed.view, "ReservationConfirmed", reservation("reserved", 5)).seats_taken, 0);
}

TEST(ReservationViewTest, CancelFreesTheSeatsOnlyWhenItCompletes) {
  auto reserved = on(std::nullopt, "ReservationConfirmed", reservation("reserved", 5)).view;
  auto requested = on(reserved, "ReservationCancelRequested", reservation("reqCancel", 5));
  EXPECT_EQ(requested.view.status, "reqCancel");
  EXPECT_EQ(requested.seats_taken, 0) << "seats stay held while the refund runs";
  auto cancelled = on(requested.view, "ReservationCancelled", reservation("cancelled", 5));
  EXPECT_EQ(cancelled.view.status, "cancelled");
  EXPECT_EQ(cancelled.seats_taken, -2);
}

TEST(ReservationViewTest, ACancelOfAReservationNeverSeenReservedFreesNothing) {
  auto cancelled = on(std::nullopt, "ReservationCancelled", reservation("cancelled", 5));
  EXPECT_EQ(cancelled.view.status, "cancelled");
  EXPECT_EQ(cancelled.seats_taken, 0);
}

TEST(ReservationViewTest, ARejectionTakesNoSeats) {
  auto created = on(std::nullopt, "ReservationCreated", reservation("reqReserve")).view;
  auto rejected = on(created, "ReservationRejected", reservation("rejected"));
  EXPECT_EQ(rejected.view.status, "rejected");
  EXPECT_EQ(rejected.seats_taken, 0);
}

TEST(ReservationViewTest, AFinalStatusNeverGoesBack) {
  auto rejected = on(std::nullopt, "ReservationRejected", reservation("rejected")).view;
  auto late_confirm = on(rejected, "ReservationConfirmed", reservation("reserved", 5));
  EXPECT_EQ(late_confirm.view.status, "rejected");
  EXPECT_EQ(late_confirm.seats_taken, 0);
  auto cancelled = on(std::nullopt, "ReservationCancelled", reservation("cancelled")).view;
  EXPECT_EQ(on(cancelled, "ReservationCancelRequested", reservation("reqCancel")).view.status, "cancelled");
  EXPECT_EQ(on(cancelled, "ReservationCreated", reservation("reqReserve")).view.status, "cancelled");
}

TEST(ReservationViewTest, ACreatedArrivingAfterTheConfirmationDoesNotDowngradeIt) {
  auto confirmed = on(std::nullopt, "ReservationConfirmed", reservation("reserved", 5));
  EXPECT_EQ(confirmed.seats_taken, 2);
  auto created = on(confirmed.view, "ReservationCreated", reservation("reqReserve"));
  EXPECT_EQ(created.view.status, "reserved");
  EXPECT_EQ(created.view.pay_id, 5) << "a null payId in a late event keeps the known one";
  EXPECT_EQ(created.seats_taken, 0);
}

TEST(ReservationViewTest, AConfirmationAfterTheCancelRequestHoldsSeatsUntilTheCancelCompletes) {
  auto requested = on(std::nullopt, "ReservationCancelRequested", reservation("reqCancel", 5)).view;
  auto confirmed = on(requested, "ReservationConfirmed", reservation("reserved", 5));
  EXPECT_EQ(confirmed.view.status, "reqCancel");
  EXPECT_EQ(confirmed.seats_taken, 2);
  EXPECT_EQ(on(confirmed.view, "ReservationCancelled", reservation("cancelled", 5)).seats_taken, -2);
}

TEST(ReservationViewTest, APaymentBeforeItsReservationMakesAPlaceholderTheReservationCompletes) {
  auto placeholder = apply_payment(std::nullopt, payment("paid"));
  EXPECT_EQ(placeholder.rsv_id, 1);
  EXPECT_EQ(placeholder.pay_id, 5);
  EXPECT_EQ(placeholder.payment_status, "paid");
  EXPECT_EQ(placeholder.customer_id, "kim");
  EXPECT_TRUE(placeholder.status.empty());
  auto created = on(placeholder, "ReservationCreated", reservation("reqReserve"));
  EXPECT_EQ(created.view.status, "reqReserve");
  EXPECT_EQ(created.view.screening_id, 3);
  EXPECT_EQ(created.view.pay_id, 5);
  EXPECT_EQ(created.view.payment_status, "paid");
}

TEST(ReservationViewTest, PaymentStatusMovesFromPaidToCancelledAndNotBack) {
  auto reserved = on(std::nullopt, "ReservationConfirmed", reservation("reserved", 5)).view;
  auto paid = apply_payment(reserved, payment("paid"));
  EXPECT_EQ(paid.payment_status, "paid");
  EXPECT_EQ(paid.status, "reserved") << "a payment event leaves the reservation's status alone";
  auto refunded = apply_payment(paid, payment("cancelled"));
  EXPECT_EQ(refunded.payment_status, "cancelled");
  EXPECT_EQ(apply_payment(refunded, payment("paid")).payment_status, "cancelled");
}

}  // namespace
}  // namespace cinema::viewpage
