// Component tier: the saga on a real SQLite file, events read back from the outbox.
#include <filesystem>
#include <thread>

#include <gtest/gtest.h>

#include "contracts/payment_api.hpp"
#include "contracts/reservation_events.hpp"
#include "events/event_sink.hpp"
#include "services/reservation/reservation_saga.hpp"

namespace cinema::reservation {
namespace {

class ReservationSagaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::filesystem::temp_directory_path() /
            ("rsv-saga-" + std::to_string(::getpid()) + "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".db");
    remove_files();
    db_ = store::open_sqlite(path_.string());
    store::migrate(*db_, reservation_migrations());
    reservations_.emplace(*db_);
    outbox_.emplace(*db_);
    sink_.emplace(*outbox_, "cinema");
    saga_.emplace(*db_, *reservations_, *sink_, SagaRules{3, std::chrono::minutes(30), std::chrono::hours(24)});
    reservations_->set_movie_known(1, false);
    reservations_->upsert_screening(Screening{7, 1, "2030-01-01T19:00:00Z", 2, 2, 10000});
  }
  void TearDown() override {
    saga_.reset();
    db_.reset();
    remove_files();
  }
  void remove_files() {
    for (auto suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path_.string() + suffix);
  }
  std::variant<Reservation, Refusal, Replay> start(std::vector<std::string> seats, std::string customer = "kim",
                                                   std::string key = {}) {
    ReservationRequest request{std::nullopt, 7, std::move(seats), std::move(customer), "", std::move(key)};
    return saga_->start(request, kNow);
  }
  std::vector<std::string> outbox_types() {
    std::vector<std::string> types;
    for (const auto& row : outbox_->oldest(100)) types.push_back(row.event.event_type);
    return types;
  }
  static PaymentOutcome approved(std::int64_t pay_id) {
    contracts::PaymentState payment;
    payment.pay_id = pay_id;
    payment.status = "paid";
    return PaymentOutcome{PaymentOutcome::Kind::approved, payment, {}, {}};
  }

  static constexpr const char* kNow = "2029-12-31T12:00:00Z";
  std::filesystem::path path_;
  std::unique_ptr<store::Database> db_;
  std::optional<ReservationRepository> reservations_;
  std::optional<events::Outbox> outbox_;
  std::optional<events::OutboxSink> sink_;
  std::optional<ReservationSaga> saga_;
};

TEST_F(ReservationSagaTest, ASeatHeldByOneReservationIsRefusedToTheNext) {
  ASSERT_TRUE(std::holds_alternative<Reservation>(start({"A1", "A2"})));
  auto second = start({"A2", "B1"}, "lee");
  ASSERT_TRUE(std::holds_alternative<Refusal>(second));
  EXPECT_EQ(std::get<Refusal>(second).code, "seat_taken");
  EXPECT_EQ(reservations_->taken_seats(7), (std::set<std::string>{"A1", "A2"})) << "all or nothing: B1 stays free";
}

TEST_F(ReservationSagaTest, ApprovedPaymentConfirmsWithTheSeedsEvents) {
  auto pending = std::get<Reservation>(start({"A1"}));
  EXPECT_TRUE(outbox_types().empty()) << "nothing is announced before payment answered";
  auto settled = saga_->settle(pending, approved(5), {"trace", std::chrono::system_clock::now()});
  EXPECT_EQ(settled.status, status::reserved);
  EXPECT_EQ(settled.pay_id, 5);
  EXPECT_EQ(outbox_types(), (std::vector<std::string>{"ReservationCreated", "ReservationConfirmed"}));
  auto created = contracts::reservation_state_of(outbox_->oldest(1).front().event);
  EXPECT_EQ(created.status, "reqReserve");
  EXPECT_FALSE(created.pay_id);
}

TEST_F(ReservationSagaTest, DeclinedPaymentRejectsAndFreesTheSeats) {
  auto pending = std::get<Reservation>(start({"A1"}));
  contracts::PaymentState declined;
  declined.reason = "card_declined";
  auto settled = saga_->settle(pending, {PaymentOutcome::Kind::declined, declined, {}, {}}, {});
  EXPECT_EQ(settled.status, status::rejected);
  EXPECT_TRUE(reservations_->taken_seats(7).empty());
  EXPECT_EQ(outbox_types(), (std::vector<std::string>{"ReservationCreated", "ReservationRejected"}));
}

TEST_F(ReservationSagaTest, UnknownOutcomeKeepsTheSeatsForRecovery) {
  auto pending = std::get<Reservation>(start({"A1"}));
  auto settled = saga_->settle(pending, {PaymentOutcome::Kind::unknown, {}, "timeout", {}}, {});
  EXPECT_EQ(settled.status, status::requested);
  EXPECT_EQ(reservations_->unsettled("9999-01-01T00:00:00Z").size(), 1u);
  EXPECT_EQ(reservations_->taken_seats(7).size(), 1u);
}

TEST_F(ReservationSagaTest, SettlingTwiceKeepsTheFirstOutcome) {
  auto pending = std::get<Reservation>(start({"A1"}));
  saga_->settle(pending, approved(5), {});
  auto again = saga_->settle(pending, {PaymentOutcome::Kind::unavailable, {}, "down", {}}, {});
  EXPECT_EQ(again.status, status::reserved);
  EXPECT_EQ(outbox_types().size(), 2u);
}

TEST_F(ReservationSagaTest, SameIdempotencyKeyAndBodyReplaysTheFirstReservation) {
  auto first = std::get<Reservation>(start({"A1"}, "kim", "key-1"));
  auto again = start({"a01"}, "kim", "key-1");  // another spelling of the same request
  ASSERT_TRUE(std::holds_alternative<Replay>(again));
  EXPECT_EQ(std::get<Replay>(again).reservation.id, first.id);
  EXPECT_FALSE(std::get<Replay>(again).status) << "no answer stored while the first is in flight";
  EXPECT_EQ(reservations_->taken_seats(7).size(), 1u);
}

TEST_F(ReservationSagaTest, ARetryAfterRecoveryVoidedAnUnchargedFirstTryStartsAfresh) {
  // The first try's outcome was unknown (answered "retry later"); recovery then found no charge.
  auto first = std::get<Reservation>(start({"A1"}, "kim", "key-1"));
  contracts::PaymentState voided;
  voided.reason = std::string(contracts::kNotReceived);
  EXPECT_EQ(saga_->settle(first, {PaymentOutcome::Kind::declined, voided, {}, {}}, {}).status, status::rejected);
  auto retry = start({"A1"}, "kim", "key-1");
  ASSERT_TRUE(std::holds_alternative<Reservation>(retry)) << "not a replay of a decline nobody's card met";
  EXPECT_NE(std::get<Reservation>(retry).id, first.id);
  EXPECT_EQ(reservations_->taken_seats(7).size(), 1u);
}

TEST_F(ReservationSagaTest, ARetryAfterAPendingAnswerReplaysItsReservationEvenWhenVoided) {
  // The undecided answer named the reservation ("payment pending, see GET /reservations/N"): the
  // key is bound to it, and a replay answers with its outcome, not a new one.
  auto first = std::get<Reservation>(start({"A1"}, "kim", "key-1"));
  reservations_->mark_reservation_named({"kim", "key-1"});
  contracts::PaymentState voided;
  voided.reason = std::string(contracts::kNotReceived);
  saga_->settle(first, {PaymentOutcome::Kind::declined, voided, {}, {}}, {});
  auto retry = start({"A1"}, "kim", "key-1");
  ASSERT_TRUE(std::holds_alternative<Replay>(retry));
  EXPECT_EQ(std::get<Replay>(retry).reservation.id, first.id);
  EXPECT_FALSE(std::get<Replay>(retry).status) << "no final answer was given yet";
  EXPECT_EQ(std::get<Replay>(retry).reservation.status, status::rejected);
}

TEST_F(ReservationSagaTest, ARetryOfARealDeclineReplaysIt) {
  auto first = std::get<Reservation>(start({"A1"}, "kim", "key-1"));
  contracts::PaymentState declined;
  declined.reason = "card_declined";
  saga_->settle(first, {PaymentOutcome::Kind::declined, declined, {}, {}}, {});
  auto retry = start({"A1"}, "kim", "key-1");
  ASSERT_TRUE(std::holds_alternative<Replay>(retry));
  EXPECT_EQ(std::get<Replay>(retry).reservation.id, first.id);
}

TEST_F(ReservationSagaTest, SameIdempotencyKeyWithAnotherBodyIsRefused) {
  std::get<Reservation>(start({"A1"}, "kim", "key-1"));
  auto other = start({"B2"}, "kim", "key-1");
  ASSERT_TRUE(std::holds_alternative<Refusal>(other));
  EXPECT_EQ(std::get<Refusal>(other).status, 422);
  EXPECT_EQ(reservations_->taken_seats(7).size(), 1u) << "B2 was not held";
}

TEST_F(ReservationSagaTest, IdempotencyKeysBelongToTheirCustomer) {
  auto kims = std::get<Reservation>(start({"A1"}, "kim", "shared-key"));
  auto lees = start({"A1"}, "lee", "shared-key");
  ASSERT_TRUE(std::holds_alternative<Refusal>(lees)) << "lee never sees kim's reservation through the key";
  EXPECT_EQ(std::get<Refusal>(lees).code, "seat_taken");
  auto lees_own = start({"B1"}, "lee", "shared-key");
  ASSERT_TRUE(std::holds_alternative<Reservation>(lees_own));
  EXPECT_NE(std::get<Reservation>(lees_own).id, kims.id);
}

TEST_F(ReservationSagaTest, ExpiredIdempotencyKeysAreForgotten) {
  std::get<Reservation>(start({"A1"}, "kim", "old-key"));
  EXPECT_EQ(saga_->expire_keys(std::chrono::system_clock::now() + std::chrono::hours(24 * 365 * 10)), 1);
  EXPECT_FALSE(reservations_->find_key({"kim", "old-key"}));
}

TEST_F(ReservationSagaTest, SpellingsOfOneSeatAreOneSeat) {
  ASSERT_TRUE(std::holds_alternative<Reservation>(start({"A1"})));
  for (const char* spelling : {"A01", "a1", "A001"}) {
    auto again = start({spelling}, "lee");
    ASSERT_TRUE(std::holds_alternative<Refusal>(again)) << spelling;
    EXPECT_EQ(std::get<Refusal>(again).code, "seat_taken") << spelling;
  }
  auto twice = start({"B2", "b02"}, "lee");
  ASSERT_TRUE(std::holds_alternative<Refusal>(twice));
  EXPECT_EQ(std::get<Refusal>(twice).status, 400);
  auto stored = std::get<Reservation>(start({"b01"}, "lee"));
  EXPECT_EQ(stored.seats, std::vector<std::string>{"B1"}) << "stored under its canonical name";
}

TEST_F(ReservationSagaTest, APriceBeyondTheBoundsOfMoneyIsRefused) {
  reservations_->upsert_screening(Screening{8, 1, "2030-01-01T19:00:00Z", 2, 2, INT64_MAX});
  ReservationRequest request{std::nullopt, 8, {"A1", "A2"}, "kim", "", ""};
  auto started = saga_->start(request, kNow);
  ASSERT_TRUE(std::holds_alternative<Refusal>(started));
  EXPECT_EQ(std::get<Refusal>(started).status, 422);
  EXPECT_TRUE(reservations_->taken_seats(8).empty());
}

TEST_F(ReservationSagaTest, ADeletedMoviesScreeningsStopSelling) {
  reservations_->set_movie_known(1, true);
  auto refused = start({"A1"});
  ASSERT_TRUE(std::holds_alternative<Refusal>(refused));
  EXPECT_EQ(std::get<Refusal>(refused).status, 404);
}

TEST_F(ReservationSagaTest, DeletingAMovieCancelsItsReservationsToCome) {
  auto reserved = saga_->settle(std::get<Reservation>(start({"A1"})), approved(5), {});
  auto in_flight = std::get<Reservation>(start({"A2"}, "lee"));
  reservations_->set_movie_known(1, true);
  saga_->on_movie_deleted(1, {}, kNow);
  EXPECT_EQ(reservations_->find(reserved.id)->status, status::cancel_requested);
  EXPECT_EQ(reservations_->find(reserved.id)->reason, "movie_deleted");
  auto paid_late = saga_->settle(in_flight, approved(6), {});
  EXPECT_EQ(reservations_->find(paid_late.id)->status, status::cancel_requested) << "paid after the deletion: refunded";
  EXPECT_EQ(outbox_types(), (std::vector<std::string>{"ReservationCreated", "ReservationConfirmed",
                                                      "ReservationCancelRequested", "ReservationCreated",
                                                      "ReservationConfirmed", "ReservationCancelRequested"}));
}

// On a database server, a settlement and the deletion's scan can run at once, neither seeing the
// other's uncommitted change: the reservation ends reserved on a deleted movie. Recovery's sweep
// cancels it (and payment refunds it on that event), once.
TEST_F(ReservationSagaTest, AReservationTheDeletionMissedIsCancelledByTheSweep) {
  auto missed = saga_->settle(std::get<Reservation>(start({"A1"})), approved(5), {});
  reservations_->set_movie_known(1, true);  // the deletion's scan ran before the confirmation committed
  EXPECT_EQ(saga_->cancel_left_on_deleted_movies({}, "2031-01-01T00:00:00Z"), 0) << "its screening is over";
  EXPECT_EQ(saga_->cancel_left_on_deleted_movies({}, kNow), 1);
  EXPECT_EQ(reservations_->find(missed.id)->status, status::cancel_requested);
  EXPECT_EQ(reservations_->find(missed.id)->reason, "movie_deleted");
  EXPECT_EQ(saga_->cancel_left_on_deleted_movies({}, kNow), 0) << "cancelled once";
  EXPECT_EQ(outbox_types(), (std::vector<std::string>{"ReservationCreated", "ReservationConfirmed",
                                                      "ReservationCancelRequested"}));
}

TEST_F(ReservationSagaTest, CancelIsRefusedPastTheCutOff) {
  auto reserved = saga_->settle(std::get<Reservation>(start({"A1"})), approved(5), {});
  auto late = saga_->cancel(reserved.id, {}, "2030-01-01T18:45:00Z");  // 15 min before, cut-off 30
  ASSERT_TRUE(std::holds_alternative<Refusal>(late));
  EXPECT_EQ(std::get<Refusal>(late).code, "cancel_closed");
  EXPECT_EQ(reservations_->find(reserved.id)->status, status::reserved);
  auto in_time = saga_->cancel(reserved.id, {}, "2030-01-01T18:29:59Z");
  EXPECT_TRUE(std::holds_alternative<Reservation>(in_time));
}

TEST_F(ReservationSagaTest, AnonymousCallersAreGuestsOfTheirOwn) {
  ReservationRequest anonymous{std::nullopt, 7, {}, "", "", ""};
  for (int i = 0; i < 4; ++i) {  // past the cap of 3
    auto started = saga_->start(anonymous, kNow, "guest-" + std::to_string(i));
    ASSERT_TRUE(std::holds_alternative<Reservation>(started)) << i;
    EXPECT_EQ(std::get<Reservation>(started).customer_id, "guest-" + std::to_string(i));
  }
}

TEST_F(ReservationSagaTest, CancelSagaFreesSeatsOnlyAfterTheRefund) {
  auto reserved = saga_->settle(std::get<Reservation>(start({"A1"})), approved(5), {});
  auto requested = saga_->cancel(reserved.id, {}, kNow);
  ASSERT_TRUE(std::holds_alternative<Reservation>(requested));
  EXPECT_EQ(std::get<Reservation>(requested).status, status::cancel_requested);
  EXPECT_EQ(reservations_->taken_seats(7).size(), 1u);
  saga_->on_payment_cancelled(reserved.id, {});
  EXPECT_EQ(reservations_->find(reserved.id)->status, status::cancelled);
  EXPECT_TRUE(reservations_->taken_seats(7).empty());
  EXPECT_EQ(outbox_types().back(), "ReservationCancelled");
  auto twice = saga_->cancel(reserved.id, {}, kNow);
  ASSERT_TRUE(std::holds_alternative<Refusal>(twice));
  EXPECT_EQ(std::get<Refusal>(twice).status, 409);
}

TEST_F(ReservationSagaTest, CustomerCapCountsActiveReservations) {
  start({"A1"}, "kim");
  start({"A2"}, "kim");
  start({"B1"}, "kim");
  auto fourth = start({"B2"}, "kim");
  ASSERT_TRUE(std::holds_alternative<Refusal>(fourth));
  EXPECT_EQ(std::get<Refusal>(fourth).code, "limit_reached");
}

TEST_F(ReservationSagaTest, SeedFormTakesAFreeSeatOfTheNextScreening) {
  ReservationRequest seed_form{1, std::nullopt, {}, "kim", "", ""};
  auto first = std::get<Reservation>(saga_->start(seed_form, kNow));
  EXPECT_EQ(first.screening_id, 7);
  EXPECT_EQ(first.seats, std::vector<std::string>{"A1"});
  auto second = std::get<Reservation>(saga_->start(seed_form, kNow));
  EXPECT_EQ(second.seats, std::vector<std::string>{"A2"});
  auto started = saga_->start(seed_form, "2030-06-01T00:00:00Z");
  ASSERT_TRUE(std::holds_alternative<Refusal>(started));
  EXPECT_EQ(std::get<Refusal>(started).code, "sold_out") << "no upcoming screening once it started";
}

TEST_F(ReservationSagaTest, ConcurrentHoldsOfOverlappingSeatsNeverSellASeatTwice) {
  // Each thread has its own connection, as separate processes would: the database decides.
  std::vector<std::thread> threads;
  std::atomic<int> won{0};
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&, i] {
      auto db = store::open_sqlite(path_.string());
      ReservationRepository reservations(*db);
      events::Outbox outbox(*db);
      events::OutboxSink sink(outbox, "cinema");
      ReservationSaga saga(*db, reservations, sink, SagaRules{3});
      auto seats = i % 2 == 0 ? std::vector<std::string>{"A1", "A2"} : std::vector<std::string>{"A2", "B1"};
      ReservationRequest request{std::nullopt, 7, seats, "c" + std::to_string(i), "", ""};
      if (std::holds_alternative<Reservation>(saga.start(request, kNow))) ++won;
    });
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(won.load(), 1);
  auto taken = reservations_->taken_seats(7);
  EXPECT_TRUE(taken == (std::set<std::string>{"A1", "A2"}) || taken == (std::set<std::string>{"A2", "B1"}));
}

}  // namespace
}  // namespace cinema::reservation
