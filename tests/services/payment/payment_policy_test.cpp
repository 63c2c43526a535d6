// Component tier: the events payment consumes, applied through the inbox on a real SQLite file.
#include "contracts/reservation_events.hpp"
#include "core/log.hpp"
#include "events/inbox.hpp"
#include "payment_fixture.hpp"
#include "services/payment/payment_policy.hpp"

namespace cinema::payment {
namespace {

class PaymentPolicyTest : public PaymentDatabaseTest {
 protected:
  void SetUp() override {
    PaymentDatabaseTest::SetUp();
    policy_.emplace(*payments_, *sink_, log_);
  }
  static events::Event reservation_event(std::string_view type, std::int64_t rsv_id) {
    contracts::ReservationState reservation;
    reservation.rsv_id = rsv_id;
    reservation.movie_id = 1;
    reservation.status = "reqCancel";
    reservation.pay_id = 1;
    return contracts::reservation_event(type, reservation, {"4bf92f3577b34da6a3ce929d0e0e4736",
                                                            std::chrono::system_clock::now()});
  }
  events::InboxOutcome deliver(const events::Event& event) {
    return events::apply_once(*db_, event, [&] { policy_->apply(event); });
  }

  Logger log_{"test", LogLevel::error};
  std::optional<PaymentPolicy> policy_;
};

TEST_F(PaymentPolicyTest, CancelRequestRefundsAPaidPaymentAndAnnouncesIt) {
  auto paid = payments_->insert(payment(1));
  deliver(reservation_event("ReservationCancelRequested", 1));
  auto refunded = payments_->find(paid.pay_id);
  EXPECT_EQ(refunded->status, "cancelled");
  EXPECT_EQ(refunded->version, 2);
  ASSERT_EQ(outbox_types(), std::vector<std::string>{"PaymentCancelled"});
  auto event = outbox_->oldest(1).front().event;
  auto announced = contracts::payment_state_of(event);
  EXPECT_EQ(announced.pay_id, paid.pay_id);
  EXPECT_EQ(announced.rsv_id, 1);
  EXPECT_EQ(announced.movie_id, 1);
  EXPECT_EQ(announced.status, "cancelled");
  EXPECT_EQ(contracts::payload_of(event)["correlationId"], "4bf92f3577b34da6a3ce929d0e0e4736");
}

TEST_F(PaymentPolicyTest, SameCancelRequestDeliveredTwiceRefundsOnce) {
  payments_->insert(payment(1));
  auto event = reservation_event("ReservationCancelRequested", 1);
  EXPECT_EQ(deliver(event), events::InboxOutcome::applied);
  EXPECT_EQ(deliver(event), events::InboxOutcome::duplicate);
  EXPECT_EQ(outbox_types(), std::vector<std::string>{"PaymentCancelled"});
}

TEST_F(PaymentPolicyTest, SecondCancelRequestForARefundedPaymentHasNoEffect) {
  payments_->insert(payment(1));
  deliver(reservation_event("ReservationCancelRequested", 1));
  deliver(reservation_event("ReservationCancelRequested", 1));
  EXPECT_EQ(outbox_types().size(), 1u);
  EXPECT_EQ(payments_->find_by_rsv(1)->version, 2);
}

TEST_F(PaymentPolicyTest, DeclinedOrMissingPaymentIsNotRefunded) {
  payments_->insert(payment(2, "declined"));
  deliver(reservation_event("ReservationCancelRequested", 2));
  deliver(reservation_event("ReservationCancelRequested", 3));
  EXPECT_EQ(payments_->find_by_rsv(2)->status, "declined");
  EXPECT_FALSE(payments_->find_by_rsv(3));
  EXPECT_TRUE(outbox_types().empty());
}

TEST_F(PaymentPolicyTest, ARejectedReservationKeepsNoCharge) {
  payments_->insert(payment(4));  // charged, yet its reservation was rejected (a lost answer)
  deliver(reservation_event("ReservationRejected", 4));
  EXPECT_EQ(payments_->find_by_rsv(4)->status, "cancelled") << "refunded";
  EXPECT_EQ(outbox_types(), std::vector<std::string>{"PaymentCancelled"});

  deliver(reservation_event("ReservationRejected", 5));  // never charged: none may follow
  auto closed = payments_->find_by_rsv(5);
  ASSERT_TRUE(closed);
  EXPECT_EQ(closed->status, "declined");
  EXPECT_EQ(closed->reason, "reservation_rejected");
  EXPECT_EQ(outbox_types().size(), 1u) << "a marker, not a change of money";
}

TEST_F(PaymentPolicyTest, OtherEventTypesAreIgnored) {
  payments_->insert(payment(1));
  deliver(reservation_event("ReservationConfirmed", 1));
  deliver(reservation_event("ReservationCancelled", 1));
  EXPECT_EQ(payments_->find_by_rsv(1)->status, "paid");
  EXPECT_TRUE(outbox_types().empty());
}

}  // namespace
}  // namespace cinema::payment
