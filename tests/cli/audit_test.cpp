// Unit tier: the audit's checks on hand-made sources. One consistent system, then each test breaks
// it the way a bug would, and the audit must name what broke.
#include <algorithm>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cli/audit/audit.hpp"
#include "cli/audit/audit_report.hpp"

namespace cinema::audit {
namespace {

// Movie 1, screening 3 (4 rows x 5 seats at 12000): kim reserved A1 and A2 and paid; lee reserved
// B1 and cancelled (refunded); park's card was declined. Every message sent, every view caught up.
Sources consistent() {
  Sources s;
  ReservationStore r;
  r.reservations = {{1, 1, 3, "kim", "reserved", 1, 24000, {"A1", "A2"}},
                    {2, 1, 3, "lee", "cancelled", 2, 12000, {"B1"}},
                    {3, 1, 3, "park", "rejected", std::nullopt, 12000, {"C1"}}};
  r.holds = {{3, "A1", 1}, {3, "A2", 1}};
  r.screenings = {{3, 1, 4, 5}};
  r.later_ids = {1, 2, 3};
  s.reservation = r;
  s.payment = std::vector<Payment>{{1, 1, 1, "paid", 24000, "kim", ""},
                                   {2, 2, 1, "cancelled", 12000, "lee", ""},
                                   {3, 3, 1, "declined", 12000, "park", "card_declined"}};
  s.message = std::vector<Message>{{1, 1, "ReservationConfirmed"}, {2, 2, "ReservationConfirmed"},
                                   {3, 2, "PaymentCancelled"},     {4, 2, "ReservationCancelled"},
                                   {5, 3, "PaymentDeclined"},      {6, 3, "ReservationRejected"}};
  s.movie = MovieStore{{1}, {{1, 1, 2, "reserved"}, {2, 1, 1, "cancelled"}}, {{1, 2}}};
  s.viewpage = ViewStore{{{3, 1, 2}}, {{1, "reserved", "paid"}, {2, "cancelled", "cancelled"}, {3, "rejected", "declined"}}, {}};
  for (auto service : {"movie", "reservation", "payment", "message", "viewpage"}) {
    s.outbox[service] = 0;
    s.lag[service] = 0;
  }
  return s;
}

std::vector<std::string> checks(const Report& report) {
  std::vector<std::string> names;
  for (const auto& f : report.findings) names.push_back(f.check);
  return names;
}

const Finding* find(const Report& report, std::string_view check) {
  auto found = std::find_if(report.findings.begin(), report.findings.end(),
                            [&](const Finding& f) { return f.check == check; });
  return found == report.findings.end() ? nullptr : &*found;
}

Reservation& reservation(Sources& s, std::int64_t id) {
  return *std::find_if(s.reservation->reservations.begin(), s.reservation->reservations.end(),
                       [&](const Reservation& r) { return r.rsv_id == id; });
}

using ::testing::Contains;

TEST(AuditTest, ConsistentSourcesAreClean) {
  auto report = audit(consistent());
  EXPECT_TRUE(report.clean()) << to_text(report, {});
  EXPECT_EQ(report.counts.reservations.at("reserved"), 1);
  EXPECT_EQ(report.counts.seat_holds, 2);
  EXPECT_EQ(report.counts.payments.at("paid"), 1);
  EXPECT_EQ(report.stores_missing.size(), 0u);
}

TEST(AuditTest, SeatNamesAreCanonicalOnlyAsRowLetterAndColumnWithoutLeadingZeros) {
  EXPECT_TRUE(is_canonical_seat("A1"));
  EXPECT_TRUE(is_canonical_seat("Z10"));
  EXPECT_FALSE(is_canonical_seat("A01"));
  EXPECT_FALSE(is_canonical_seat("a1"));
  EXPECT_FALSE(is_canonical_seat("A0"));
  EXPECT_FALSE(is_canonical_seat("A"));
  EXPECT_FALSE(is_canonical_seat("1A"));
  EXPECT_EQ(canonical_seat("a01"), "A1");
  EXPECT_EQ(canonical_seat("B010"), "B10");
  EXPECT_EQ(canonical_seat("VIP"), "VIP");
}

TEST(AuditTest, ASeatSoldAgainUnderASecondSpellingIsADoubleBooking) {
  auto s = consistent();
  s.reservation->reservations.push_back({4, 1, 3, "choi", "reserved", 4, 12000, {"A01"}});
  s.reservation->holds.push_back({3, "A01", 4});
  s.reservation->later_ids.insert(4);
  auto report = audit(s);
  const auto* booked = find(report, "seat_double_booked");
  ASSERT_TRUE(booked) << to_text(report, {});
  EXPECT_EQ(booked->seat, "A1");
  EXPECT_EQ(booked->screening_id, 3);
  EXPECT_EQ(booked->severity, Severity::error);
  EXPECT_THAT(checks(report), Contains("seat_name_not_canonical"));
}

TEST(AuditTest, LowercaseSeatNameIsReported) {
  auto s = consistent();
  reservation(s, 1).seats = {"a1", "A2"};
  s.reservation->holds[0].seat = "a1";
  auto report = audit(s);
  ASSERT_TRUE(find(report, "seat_name_not_canonical"));
  EXPECT_EQ(find(report, "seat_name_not_canonical")->seat, "a1");
  EXPECT_FALSE(find(report, "seat_double_booked"));
}

TEST(AuditTest, HoldOfAReservationThatDoesNotExistIsAnOrphan) {
  auto s = consistent();
  s.reservation->holds.push_back({3, "D5", 99});
  auto report = audit(s);
  ASSERT_TRUE(find(report, "seat_hold_orphan")) << to_text(report, {});
  EXPECT_EQ(find(report, "seat_hold_orphan")->rsv_id, 99);
}

TEST(AuditTest, SeatStillHeldByACancelledReservationIsReported) {
  auto s = consistent();
  s.reservation->holds.push_back({3, "B1", 2});
  EXPECT_THAT(checks(audit(s)), Contains("seat_held_by_dead_reservation"));
}

TEST(AuditTest, LiveReservationWithoutItsHoldIsReported) {
  auto s = consistent();
  s.reservation->holds.pop_back();  // A2
  auto report = audit(s);
  ASSERT_TRUE(find(report, "seat_not_held"));
  EXPECT_EQ(find(report, "seat_not_held")->seat, "A2");
}

TEST(AuditTest, HoldOnAnotherSeatThanItsReservationsIsAMismatch) {
  auto s = consistent();
  s.reservation->holds.push_back({3, "A3", 1});
  EXPECT_THAT(checks(audit(s)), Contains("seat_hold_mismatch"));
}

TEST(AuditTest, SeatOutsideTheSeatMapIsReported) {
  auto s = consistent();
  reservation(s, 1).seats = {"A1", "E2"};  // 4 rows: A-D
  s.reservation->holds[1].seat = "E2";
  EXPECT_THAT(checks(audit(s)), Contains("seat_outside_screening"));
}

TEST(AuditTest, ReservedReservationWithoutPaidPaymentIsReported) {
  auto s = consistent();
  (*s.payment)[0].status = "declined";
  EXPECT_THAT(checks(audit(s)), Contains("reserved_without_payment"));
  s.payment->erase(s.payment->begin());
  EXPECT_THAT(checks(audit(s)), Contains("reserved_without_payment"));
}

TEST(AuditTest, PaymentOfAnotherAmountOrCustomerIsAMismatch) {
  auto s = consistent();
  (*s.payment)[0].amount = 12000;
  EXPECT_THAT(checks(audit(s)), Contains("payment_mismatch"));
  s = consistent();
  (*s.payment)[0].customer_id = "lee";
  EXPECT_THAT(checks(audit(s)), Contains("payment_mismatch"));
}

TEST(AuditTest, CancelledOrRejectedReservationWithAPaidPaymentIsReported) {
  auto s = consistent();
  (*s.payment)[1].status = "paid";  // lee's refund never happened
  (*s.message).erase(s.message->begin() + 2);
  auto report = audit(s);
  ASSERT_TRUE(find(report, "paid_but_not_reserved")) << to_text(report, {});
  EXPECT_EQ(find(report, "paid_but_not_reserved")->rsv_id, 2);
}

TEST(AuditTest, PaymentForAMissingReservationIsAnOrphanUnlessCreatedDuringTheRead) {
  auto s = consistent();
  s.payment->push_back({7, 42, 1, "paid", 12000, "ghost", ""});
  auto report = audit(s);
  ASSERT_TRUE(find(report, "payment_orphan"));
  EXPECT_EQ(find(report, "payment_orphan")->pay_id, 7);
  s.reservation->later_ids.insert(42);  // listed when the ids were read again
  EXPECT_FALSE(find(audit(s), "payment_orphan"));
}

TEST(AuditTest, MarkerForARejectedReservationNeverChargedNeedsNoMessage) {
  auto s = consistent();
  s.reservation->reservations.push_back({4, 1, 3, "choi", "rejected", std::nullopt, 12000, {"D1"}});
  s.reservation->later_ids.insert(4);
  s.payment->push_back({4, 4, 1, "declined", 12000, "choi", "reservation_rejected"});
  s.message->push_back({7, 4, "ReservationRejected"});
  s.viewpage->reservations.push_back({4, "rejected", ""});
  auto report = audit(s);
  EXPECT_TRUE(report.clean()) << to_text(report, {});
}

TEST(AuditTest, ChargeVoidedByRecoveryIsAnnouncedLikeAnyDecline) {
  auto s = consistent();
  s.reservation->reservations.push_back({4, 1, 3, "choi", "rejected", std::nullopt, 12000, {"D1"}});
  s.reservation->later_ids.insert(4);
  s.payment->push_back({4, 4, 1, "declined", 12000, "choi", "not_received"});
  s.message->push_back({7, 4, "ReservationRejected"});
  s.viewpage->reservations.push_back({4, "rejected", "declined"});
  EXPECT_FALSE(audit(s).clean()) << "its PaymentDeclined message is missing";
  s.message->push_back({8, 4, "PaymentDeclined"});
  auto report = audit(s);
  EXPECT_TRUE(report.clean()) << to_text(report, {});
}

TEST(AuditTest, InFlightReservationsAndPaymentsArePending) {
  auto s = consistent();
  s.reservation->reservations.push_back({4, 1, 3, "choi", "reqReserve", std::nullopt, 12000, {"D1"}});
  s.reservation->holds.push_back({3, "D1", 4});
  s.payment->push_back({4, 4, 1, "pending", 12000, "choi", ""});
  auto report = audit(s);
  EXPECT_FALSE(report.clean());
  for (const auto& f : report.findings) EXPECT_EQ(f.severity, Severity::pending) << f.check << ": " << f.message;
  EXPECT_THAT(checks(report), Contains("reservation_in_flight"));
  EXPECT_THAT(checks(report), Contains("payment_in_flight"));
}

TEST(AuditTest, CancelRequestedIsPendingWhileItsRefundIsUnderway) {
  auto s = consistent();
  reservation(s, 1).status = "reqCancel";
  s.viewpage->reservations[0].status = "reqCancel";
  auto report = audit(s);
  ASSERT_EQ(checks(report), std::vector<std::string>{"reservation_in_flight"}) << to_text(report, {});
  (*s.payment)[0].status = "cancelled";  // refunded, reservation not yet told
  s.message->push_back({7, 1, "PaymentCancelled"});
  s.viewpage->reservations[0].payment_status = "cancelled";
  EXPECT_EQ(checks(audit(s)), std::vector<std::string>{"reservation_in_flight"}) << to_text(audit(s), {});
}

TEST(AuditTest, MovieSeatCountIsPendingWhileMovieLagsAndAnErrorOnceCaughtUp) {
  auto s = consistent();
  s.movie->reserved_seats[1] = 3;
  s.lag["movie"] = 2;
  auto report = audit(s);
  ASSERT_TRUE(find(report, "movie_seats_mismatch"));
  EXPECT_EQ(find(report, "movie_seats_mismatch")->severity, Severity::pending);
  s.lag["movie"] = 0;
  EXPECT_EQ(find(audit(s), "movie_seats_mismatch")->severity, Severity::error);
  s.lag["movie"] = std::nullopt;  // Kafka: the audit cannot tell
  EXPECT_EQ(find(audit(s), "movie_seats_mismatch")->severity, Severity::pending);
}

TEST(AuditTest, AudienceThatMissesAConfirmedReservationIsReported) {
  auto s = consistent();
  s.movie->audience.erase(s.movie->audience.begin());
  s.movie->reserved_seats[1] = 0;
  auto report = audit(s);
  EXPECT_THAT(checks(report), Contains("audience_mismatch"));
  EXPECT_THAT(checks(report), Contains("movie_seats_mismatch"));
}

TEST(AuditTest, DeletedMoviesAreNotRecounted) {
  auto s = consistent();
  s.movie->movies.clear();  // movie 1 deleted
  s.movie->reserved_seats[1] = 0;
  s.viewpage->screenings[0].seats_taken = 0;
  s.viewpage->deleted_movies.insert(1);
  auto report = audit(s);
  EXPECT_FALSE(find(report, "movie_seats_mismatch"));
  EXPECT_FALSE(find(report, "view_seats_mismatch"));
}

TEST(AuditTest, ViewThatCountsOtherSeatsOrStatusesIsReported) {
  auto s = consistent();
  s.viewpage->screenings[0].seats_taken = 3;
  s.viewpage->reservations[1].status = "reqCancel";
  auto report = audit(s);
  ASSERT_TRUE(find(report, "view_seats_mismatch"));
  EXPECT_EQ(find(report, "view_seats_mismatch")->screening_id, 3);
  ASSERT_TRUE(find(report, "view_status_mismatch"));
  EXPECT_EQ(find(report, "view_status_mismatch")->rsv_id, 2);
}

TEST(AuditTest, EveryNotifiedStateChangeHasExactlyOneMessage) {
  auto s = consistent();
  s.message->erase(s.message->begin() + 3);  // lee's ReservationCancelled
  auto report = audit(s);
  ASSERT_TRUE(find(report, "message_missing"));
  EXPECT_EQ(find(report, "message_missing")->rsv_id, 2);
  EXPECT_EQ(find(report, "message_missing")->severity, Severity::error);
  s.outbox["reservation"] = 1;  // the event is yet to be published
  EXPECT_EQ(find(audit(s), "message_missing")->severity, Severity::pending);

  s = consistent();
  s.message->push_back({7, 1, "ReservationConfirmed"});
  EXPECT_THAT(checks(audit(s)), Contains("message_duplicate"));
  s = consistent();
  s.message->push_back({7, 1, "ReservationCancelled"});  // kim never cancelled
  EXPECT_THAT(checks(audit(s)), Contains("message_unexpected"));
}

TEST(AuditTest, OutboxBacklogAndConsumerLagArePendingDeadLettersErrors) {
  auto s = consistent();
  s.outbox["payment"] = 3;
  s.lag["viewpage"] = 5;
  s.dead_letters.push_back({"0190-abc", "ReservationConfirmed", "movie", "boom"});
  auto report = audit(s);
  ASSERT_TRUE(find(report, "outbox_backlog"));
  EXPECT_EQ(find(report, "outbox_backlog")->service, "payment");
  EXPECT_EQ(find(report, "outbox_backlog")->severity, Severity::pending);
  ASSERT_TRUE(find(report, "consumer_lag"));
  EXPECT_EQ(find(report, "consumer_lag")->service, "viewpage");
  ASSERT_TRUE(find(report, "dead_letter"));
  EXPECT_EQ(find(report, "dead_letter")->severity, Severity::error);
  EXPECT_EQ(report.counts.dead_letters, 1);
}

TEST(AuditTest, MissingStoresSkipTheirChecks) {
  Sources s;
  s.movie = MovieStore{{1}, {}, {}};
  s.outbox["movie"] = 0;
  s.lag["movie"] = 0;
  auto report = audit(s);
  EXPECT_TRUE(report.clean()) << to_text(report, {});
  EXPECT_EQ(report.stores_read, std::vector<std::string>{"movie"});
  EXPECT_EQ(report.stores_missing.size(), 4u);
}

TEST(AuditTest, JsonReportNamesEachFindingsCheckSeverityAndSubject) {
  auto s = consistent();
  s.reservation->holds.push_back({3, "D5", 99});
  auto json = to_json(audit(s), RunInfo{"data", "embedded", 1, 0.1});
  EXPECT_EQ(json["clean"], false);
  ASSERT_EQ(json["findings"].size(), 1u) << json.dump(2);
  EXPECT_EQ(json["findings"][0]["check"], "seat_hold_orphan");
  EXPECT_EQ(json["findings"][0]["severity"], "error");
  EXPECT_EQ(json["findings"][0]["rsvId"], 99);
  EXPECT_EQ(json["findings"][0]["seat"], "D5");
  EXPECT_FALSE(json["findings"][0].contains("payId"));
  EXPECT_EQ(json["counts"]["reservations"]["reserved"], 1);
  EXPECT_EQ(json["stores"]["read"].size(), 5u);
}

}  // namespace
}  // namespace cinema::audit
