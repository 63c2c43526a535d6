// Unit tier: seats and saga transitions of a reservation, without I/O.
#include <gtest/gtest.h>

#include "contracts/payment_api.hpp"
#include "services/reservation/reservation.hpp"

namespace cinema::reservation {
namespace {

const Screening kScreening{3, 1, "2030-01-01T19:00:00Z", 2, 3, 12000};

TEST(Seats, LabelsAreRowLetterAndOneBasedColumn) {
  EXPECT_EQ(seat_label(0, 0), "A1");
  EXPECT_EQ(seat_label(1, 2), "B3");
}

TEST(Seats, EverySpellingOfASeatHasOneCanonicalName) {
  EXPECT_EQ(canonical_seat("A1"), "A1");
  EXPECT_EQ(canonical_seat("A01"), "A1");
  EXPECT_EQ(canonical_seat("A001"), "A1");
  EXPECT_EQ(canonical_seat("a1"), "A1");
  EXPECT_EQ(canonical_seat("B10"), "B10");
  for (const char* junk : {"", "A", "1A", "A1x", " A1", "A1 ", "A-1", "A+1", "AA1", "A99999999999"})
    EXPECT_FALSE(canonical_seat(junk)) << junk;
}

TEST(Money, AmountsOutsideTheBoundsOfMoneyAreRefused) {
  EXPECT_EQ(checked_amount(12000, 2), 24000);
  EXPECT_FALSE(checked_amount(INT64_MAX, 2));
  EXPECT_FALSE(checked_amount(-1, 1));
  EXPECT_FALSE(checked_amount(contracts::kMaxPrice + 1, 1));
}

TEST(Seats, OnlySeatsOfTheScreeningAreAccepted) {
  EXPECT_TRUE(seat_problem("A1", kScreening).empty());
  EXPECT_TRUE(seat_problem("B3", kScreening).empty());
  EXPECT_FALSE(seat_problem("C1", kScreening).empty());
  EXPECT_FALSE(seat_problem("A4", kScreening).empty());
  EXPECT_FALSE(seat_problem("A0", kScreening).empty());
  EXPECT_TRUE(seat_problem("A03", kScreening).empty()) << "another spelling of A3";
  EXPECT_FALSE(seat_problem("1A", kScreening).empty());
  EXPECT_FALSE(seat_problem("A", kScreening).empty());
  EXPECT_FALSE(seat_problem("A1x", kScreening).empty());
}

TEST(Seats, FirstFreeSeatsSkipTakenOnesInRowOrder) {
  EXPECT_EQ(first_free_seats(kScreening, {"A1", "A2"}, 2), (std::vector<std::string>{"A3", "B1"}));
  EXPECT_TRUE(first_free_seats(kScreening, {"A1", "A2", "A3", "B1", "B2", "B3"}, 1).empty());
}

TEST(Saga, NewReservationIsRequestedAndPricedPerSeat) {
  auto r = request_reservation(kScreening, "kim", {"A1", "A2"}, 24000, "");
  EXPECT_EQ(r.status, status::requested);
  EXPECT_EQ(r.amount, 24000);
  EXPECT_EQ(r.movie_id, 1);
  EXPECT_FALSE(r.pay_id);
  EXPECT_TRUE(holds_seats(r.status));
}

TEST(Saga, ConfirmRecordsThePayment) {
  auto r = confirm(request_reservation(kScreening, "kim", {"A1"}, 12000, ""), 9);
  EXPECT_EQ(r.status, status::reserved);
  EXPECT_EQ(r.pay_id, 9);
  EXPECT_EQ(r.version, 2);
}

TEST(Saga, RejectedReservationHoldsNoSeat) {
  auto r = reject(request_reservation(kScreening, "kim", {"A1"}, 12000, ""), "card_declined");
  EXPECT_EQ(r.status, status::rejected);
  EXPECT_EQ(r.reason, "card_declined");
  EXPECT_FALSE(holds_seats(r.status));
}

TEST(Saga, OnlyAReservedReservationCanBeCancelled) {
  auto pending = request_reservation(kScreening, "kim", {"A1"}, 12000, "");
  EXPECT_FALSE(request_cancel(pending).next);
  EXPECT_FALSE(request_cancel(reject(pending, "x")).next);
  auto late = request_cancel(confirm(pending, 1), "2030-01-01T19:00:00Z", "2030-01-01T19:00:00Z");
  EXPECT_FALSE(late.next) << "refused at the cut-off";
  EXPECT_EQ(late.refusal_code, "cancel_closed");
  auto decision = request_cancel(confirm(pending, 1));
  ASSERT_TRUE(decision.next);
  EXPECT_EQ(decision.next->status, status::cancel_requested);
  EXPECT_TRUE(holds_seats(decision.next->status)) << "seats stay held until the refund is done";
  EXPECT_EQ(complete_cancel(*decision.next).status, status::cancelled);
  EXPECT_FALSE(holds_seats(status::cancelled));
}

}  // namespace
}  // namespace cinema::reservation
