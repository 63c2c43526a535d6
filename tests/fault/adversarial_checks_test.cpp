// The adversarial test's checks on hand-made journals and final states: each known kind of bug is
// caught, and what a correct system may answer (lost answers included) is not held against it.
#include <gtest/gtest.h>

#include "adversarial_checks.hpp"

namespace cinema::testing::adversarial {
namespace {
using nlohmann::json;

class AdversarialChecks : public ::testing::Test {
 protected:
  AdversarialChecks() {
    world_.movies = {1, 2};
    world_.doomed = 2;
    world_.max_per_person = 4;
    world_.screenings = {Screening{.id = 3, .movie = 1, .price = 12000, .rows = 3, .cols = 4},
                         Screening{.id = 5, .movie = 2, .price = 12000, .rows = 3, .cols = 4}};
  }

  // A reservation request and its answer; `rsv` > 0 puts the reservation in the answer's body.
  Exchange& reserve(json seats, int status, std::int64_t rsv, std::string key = "", std::string code = "",
                    std::string card = kNormalCard, std::int64_t screening = 3) {
    Exchange e{.client = 0, .op = Op::reserve, .upstream = "gateway", .method = "POST", .target = "/reservations"};
    e.screening = screening;
    e.movie = screening == 3 ? 1 : 2;
    e.customer = "adv0-kim";
    e.card = std::move(card);
    e.seats = std::move(seats);
    e.idempotency_key = std::move(key);
    e.status = status;
    json answer = json::object();
    if (!code.empty()) answer["error"] = code;
    if (rsv) answer.update(reservation_json(rsv, e.seats, status == 201 ? "reserved" : "reqReserve"));
    e.answer = answer.dump();
    return push(std::move(e));
  }
  Exchange& cancel(std::int64_t rsv, int status) {
    Exchange e{.client = 0, .op = Op::cancel, .upstream = "gateway", .method = "PATCH"};
    e.rsv = rsv;
    e.status = status;
    return push(std::move(e));
  }
  Exchange& push(Exchange e) {
    e.id = exchanges_.size();
    e.sent_at = e.answered_at = static_cast<double>(e.id);
    exchanges_.push_back(std::move(e));
    return exchanges_.back();
  }
  json reservation_json(std::int64_t rsv, const json& seats, const std::string& status, std::int64_t screening = 3) const {
    std::vector<std::string> names = normalized_seats(seats);
    return json{{"rsvId", rsv},        {"movieId", screening == 3 ? 1 : 2}, {"screeningId", screening}, {"seats", names},
                {"customerId", "adv0-kim"}, {"status", status}, {"amount", 12000 * static_cast<int>(names.size())}};
  }
  void final_reservation(std::int64_t rsv, const json& seats, const std::string& status, const std::string& payment = "",
                         std::int64_t screening = 3) {
    state_.reservations[rsv] = reservation_json(rsv, seats, status, screening);
    if (!payment.empty())
      state_.payments[rsv].push_back(json{{"rsvId", rsv}, {"status", payment}, {"customerId", "adv0-kim"},
                                          {"amount", state_.reservations[rsv]["amount"]}});
  }
  std::set<std::string> checks_failing() {
    Evidence evidence{world_, exchanges_, state_, faults_, 8};
    std::set<std::string> failing;
    for (const auto& p : check_reservation_answers(evidence)) failing.insert(p.check);
    for (const auto& p : check_invariants(evidence)) failing.insert(p.check);
    return failing;
  }

  World world_;
  std::vector<Exchange> exchanges_;
  FinalState state_;
  std::vector<Fault> faults_;
};

TEST_F(AdversarialChecks, ACorrectRunWithLostAnswersPasses) {
  reserve({"A1"}, 201, 1, "k1");
  reserve({"a01"}, 201, 1, "k1").replayed = true;   // the same seats spelled otherwise: a replay
  reserve({"A2"}, 422, 0, "k1", "idempotency_key_reused");
  reserve({"A1"}, 409, 0, "", "seat_taken");
  reserve({"B1"}, 402, 2, "", "payment_declined", kDeclinedCard);
  reserve({"B2", "B02"}, 400, 0, "", "bad_request");
  reserve({"C1"}, 0, 0);  // no answer: it took effect (reservation 3)
  reserve({"C2"}, 0, 0);  // no answer: it did not
  reserve({"C3"}, 201, 4);
  cancel(4, 200);
  cancel(4, 409);
  final_reservation(1, {"A1"}, "reserved", "paid");
  final_reservation(2, {"B1"}, "rejected", "declined");
  final_reservation(3, {"C1"}, "reserved", "paid");
  final_reservation(4, {"C3"}, "cancelled", "cancelled");
  EXPECT_EQ(checks_failing(), std::set<std::string>{});
}

TEST_F(AdversarialChecks, AReplayNamingAnotherReservationIsCaught) {
  reserve({"A1"}, 201, 1, "k1");
  reserve({"A1"}, 201, 2, "k1");
  final_reservation(1, {"A1"}, "reserved", "paid");
  final_reservation(2, {"A1"}, "reserved", "paid");
  auto failing = checks_failing();
  EXPECT_TRUE(failing.count("idempotency-replay"));
  EXPECT_TRUE(failing.count("seat-held-twice"));
}

TEST_F(AdversarialChecks, AnotherBodyUnderAUsedKeyMustBe422) {
  reserve({"A1"}, 201, 1, "k1");
  reserve({"A2"}, 409, 0, "k1", "seat_taken");
  final_reservation(1, {"A1"}, "reserved", "paid");
  EXPECT_EQ(checks_failing(), std::set<std::string>{"idempotency-other-body"});
}

TEST_F(AdversarialChecks, SeatsUnderTwoSpellingsAreOneSeat) {
  reserve({"A1"}, 201, 1);
  auto& other = reserve({"A01"}, 201, 2);
  other.answer = json(reservation_json(2, json{"A01"}, "reserved")).dump();
  final_reservation(1, {"A1"}, "reserved", "paid");
  final_reservation(2, {"A1"}, "reserved", "paid");
  state_.reservations[2]["seats"] = {"A01"};
  auto failing = checks_failing();
  EXPECT_TRUE(failing.count("seat-held-twice"));
  EXPECT_TRUE(failing.count("seat-names"));
}

TEST_F(AdversarialChecks, ARefusedRequestThatLeftAReservationIsCaught) {
  reserve({"A1"}, 409, 0, "", "seat_taken");
  final_reservation(7, {"A1"}, "reserved", "paid");
  EXPECT_EQ(checks_failing(), std::set<std::string>{"hidden-reservation"});
}

TEST_F(AdversarialChecks, AnAcknowledgedReservationMustStayReservedAndPaid) {
  reserve({"A1"}, 201, 1);
  final_reservation(1, {"A1"}, "cancelled", "cancelled");
  EXPECT_EQ(checks_failing(), std::set<std::string>{"confirmed-vs-state"});
}

TEST_F(AdversarialChecks, ADeletedMovieKeepsNothingSoldOrCharged) {
  reserve({"A1"}, 201, 1, "", "", kNormalCard, 5);
  state_.movies_gone.insert(2);
  final_reservation(1, {"A1"}, "reserved", "paid", 5);
  EXPECT_EQ(checks_failing(), std::set<std::string>{"deleted-movie"});
}

TEST_F(AdversarialChecks, ADeclinedOrHangingCardIsNeverCharged) {
  reserve({"A1"}, 402, 1, "", "payment_declined", kDeclinedCard);
  reserve({"A2"}, 503, 2, "", "payment_pending", kHangingCard);
  final_reservation(1, {"A1"}, "rejected", "paid");
  final_reservation(2, {"A2"}, "reserved", "paid");
  auto failing = checks_failing();
  EXPECT_TRUE(failing.count("declined"));
  EXPECT_TRUE(failing.count("hanging-card"));
  EXPECT_TRUE(failing.count("payment-vs-reservation"));
}

TEST_F(AdversarialChecks, TwoAcknowledgedCancelsOfOneReservationAreCaught) {
  reserve({"A1"}, 201, 1);
  cancel(1, 200);
  cancel(1, 200);
  final_reservation(1, {"A1"}, "cancelled", "cancelled");
  EXPECT_EQ(checks_failing(), std::set<std::string>{"cancel-twice"});
}

TEST_F(AdversarialChecks, AClientChargingAPaymentItselfIsCaught) {
  Exchange forged{.client = 0, .op = Op::pay_direct, .upstream = "payment", .method = "POST", .target = "/payments"};
  forged.status = 201;
  push(forged);
  forged.op = Op::pay_gateway;
  forged.status = 401;  // forwarded by the gateway: payment refused it, but the route should not exist
  push(forged);
  EXPECT_EQ(checks_failing(), (std::set<std::string>{"payment-direct", "payment-through-gateway"}));
}

}  // namespace
}  // namespace cinema::testing::adversarial
