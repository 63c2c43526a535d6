// Component tier: a realistic stream of events through the inbox into a real SQLite file, then the
// query endpoints through a Router, as the service wires them.
#include <filesystem>
#include <utility>  // before Asio: its awaitable.hpp uses std::exchange without including it

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

#include "contracts/movie_events.hpp"
#include "contracts/payment_events.hpp"
#include "contracts/reservation_events.hpp"
#include "contracts/review_events.hpp"
#include "contracts/screening_events.hpp"
#include "core/http/compression.hpp"
#include "core/http/errors.hpp"
#include "core/time.hpp"
#include "events/inbox.hpp"
#include "services/viewpage/view_policy.hpp"
#include "services/viewpage/viewpage_service.hpp"
#include "services/viewpage/views_handler.hpp"

namespace cinema::viewpage {
namespace {
using namespace std::chrono;
using Json = nlohmann::json;

const contracts::EventOrigin kOrigin{"4bf92f3577b34da6a3ce929d0e0e4736", sys_days{2026y / November / 25} + 19h};

contracts::MovieState movie(std::int64_t id, std::string status, std::string action, std::int64_t version) {
  return {id, "Title " + std::to_string(id), "Movie " + std::to_string(id), std::move(status), 0, std::move(action),
          version};
}

contracts::ReservationState reservation(std::int64_t rsv, std::int64_t movie_id, std::int64_t screening,
                                        std::vector<std::string> seats, std::string customer, std::string status,
                                        std::optional<std::int64_t> pay_id) {
  auto amount = 10000 * static_cast<std::int64_t>(seats.size());
  return {rsv, movie_id, std::move(status), pay_id, screening, std::move(seats), std::move(customer), amount, 1};
}

contracts::PaymentState payment(std::int64_t pay, std::int64_t rsv, std::int64_t movie_id, std::string status,
                                std::string customer) {
  return {pay, rsv, movie_id, std::move(status), 20000, std::move(customer), "", 1};
}

// Two movies and a deleted third; kim reserves two seats (her payment is announced before her
// reservation), lee is declined, kim reserves on movie 2 and cancels; two reviews of movie 1.
std::vector<events::Event> seed_stream(const contracts::EventOrigin& origin = kOrigin) {
  using namespace contracts;
  auto kim = reservation(1, 1, 10, {"A1", "A2"}, "kim", "reqReserve", std::nullopt);
  auto lee = reservation(2, 1, 10, {"B1"}, "lee", "reqReserve", std::nullopt);
  auto kim2 = reservation(3, 2, 20, {"A1"}, "kim", "reqReserve", std::nullopt);
  auto with = [](ReservationState r, std::string status, std::optional<std::int64_t> pay) {
    r.status = std::move(status);
    r.pay_id = pay;
    return r;
  };
  return {
      movie_event("MovieRegistered", movie(1, "available", "register", 1), origin),
      screening_event("ScreeningScheduled", {10, 1, "2026-12-01T19:00:00Z", "1", 10, 10, 10000, 1}, origin),
      movie_event("MovieRegistered", movie(2, "available", "register", 1), origin),
      screening_event("ScreeningScheduled", {21, 2, "2026-12-02T21:00:00Z", "2", 2, 2, 8000, 1}, origin),
      screening_event("ScreeningScheduled", {20, 2, "2026-12-02T18:00:00Z", "2", 2, 2, 8000, 1}, origin),
      payment_event("PaymentApproved", payment(1, 1, 1, "paid", "kim"), origin),
      reservation_event("ReservationCreated", kim, origin),
      reservation_event("ReservationConfirmed", with(kim, "reserved", 1), origin),
      movie_event("MovieReserved", movie(1, "reserved", "reserved", 2), origin),
      reservation_event("ReservationCreated", lee, origin),
      payment_event("PaymentDeclined", payment(2, 2, 1, "declined", "lee"), origin),
      reservation_event("ReservationRejected", with(lee, "rejected", std::nullopt), origin),
      payment_event("PaymentApproved", payment(3, 3, 2, "paid", "kim"), origin),
      reservation_event("ReservationCreated", kim2, origin),
      reservation_event("ReservationConfirmed", with(kim2, "reserved", 3), origin),
      reservation_event("ReservationCancelRequested", with(kim2, "reqCancel", 3), origin),
      payment_event("PaymentCancelled", payment(3, 3, 2, "cancelled", "kim"), origin),
      reservation_event("ReservationCancelled", with(kim2, "cancelled", 3), origin),
      movie_event("MovieCancelled", movie(2, "available", "cancelled", 2), origin),
      review_event({1, 1, "kim", 5, "Loved it", 1, 3}, origin),
      review_event({2, 1, "lee", 4, "Fine", 2, 4}, origin),
      movie_event("MovieRegistered", movie(3, "available", "register", 1), origin),
      movie_event("MovieDeleted", movie(3, "available", "delete", 2), origin),
  };
}

class ViewpageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::filesystem::temp_directory_path() /
            ("viewpage-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".db");
    remove_files();
    db_ = store::open_sqlite(path_.string());
    store::migrate(*db_, view_migrations());
    views_.emplace(*db_);
    policy_.emplace(*views_);
    handler_.emplace(*views_);
    handler_->register_routes(router_);
  }
  void TearDown() override {
    db_.reset();
    remove_files();
  }
  void remove_files() {
    for (auto suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path_.string() + suffix);
  }

  // Offsets as the log would number the stream: position in it.
  events::InboxOutcome feed(events::Event event, std::int64_t offset) {
    event.offset = offset;
    return events::apply_once(*db_, event, [&] { policy_->apply(event); });
  }
  void feed_all(const std::vector<events::Event>& stream) {
    for (std::size_t i = 0; i < stream.size(); ++i) feed(stream[i], static_cast<std::int64_t>(i));
  }

  http::Response get(const std::string& target, http::Headers headers = {}) {
    http::Request request;
    request.headers = std::move(headers);
    request.method = "GET";
    request.target = target;
    request.path = std::string(http::split_target(target).first);
    request.caller = {"m1", security::Role::manager};  // the handlers' own rules, not access, are tested here
    auto match = router_.match(request);
    if (!match.handler) throw std::runtime_error("no route for " + target);
    boost::asio::io_context io;
    auto answer = boost::asio::co_spawn(io, (*match.handler)(request), boost::asio::use_future);
    io.run();
    return answer.get();
  }
  Json get_json(const std::string& target) {
    auto response = get(target);
    EXPECT_EQ(response.status, 200) << target << ": " << response.body;
    return Json::parse(response.body);
  }

  std::filesystem::path path_;
  std::unique_ptr<store::Database> db_;
  std::optional<ViewRepository> views_;
  std::optional<ViewPolicy> policy_;
  std::optional<ViewsHandler> handler_;
  http::Router router_;
};

TEST_F(ViewpageTest, MovieViewsShowEveryListedMovieWithScreeningsAndReservationCounts) {
  feed_all(seed_stream());
  auto expected = Json::parse(R"([
    {"movieId":1,"title":"Title 1","desc":"Movie 1","status":"reserved","reviewCnt":2,"rating":4.5,
     "lastAction":"review",
     "screenings":[{"screeningId":10,"startsAt":"2026-12-01T19:00:00Z","hall":"1","seatsTotal":100,"seatsLeft":98,
                    "price":10000}],
     "reservations":{"reqReserve":0,"reserved":1,"rejected":1,"reqCancel":0,"cancelled":0}},
    {"movieId":2,"title":"Title 2","desc":"Movie 2","status":"available","reviewCnt":0,"rating":null,
     "lastAction":"cancelled",
     "screenings":[{"screeningId":20,"startsAt":"2026-12-02T18:00:00Z","hall":"2","seatsTotal":4,"seatsLeft":4,
                    "price":8000},
                   {"screeningId":21,"startsAt":"2026-12-02T21:00:00Z","hall":"2","seatsTotal":4,"seatsLeft":4,
                    "price":8000}],
     "reservations":{"reqReserve":0,"reserved":0,"rejected":0,"reqCancel":0,"cancelled":1}}
  ])");
  EXPECT_EQ(get_json("/movieViews"), expected);
}

TEST_F(ViewpageTest, OneMovieViewIsTheSameObjectAsInTheList) {
  feed_all(seed_stream());
  EXPECT_EQ(get_json("/movieViews/2"), get_json("/movieViews")[1]);
}

TEST_F(ViewpageTest, AClientThatAcceptsGzipGetsTheSameAnswerCompressed) {
  feed_all(seed_stream());
  http::Headers accepts;
  accepts.set("Accept-Encoding", "gzip, deflate, br");
  for (std::string target : {"/movieViews", "/movieViews/2"}) {
    auto plain = get(target);
    auto compressed = get(target, accepts);
    EXPECT_FALSE(plain.headers.get("Content-Encoding")) << target;
    EXPECT_EQ(compressed.headers.get("Content-Encoding"), "gzip") << target;
    EXPECT_EQ(compressed.headers.get("Vary"), "Accept-Encoding") << target;
    EXPECT_EQ(compressed.body, http::gzip(plain.body)) << target;
  }
  EXPECT_THROW(get("/movieViews/99", accepts), http::NotFound);
}

TEST_F(ViewpageTest, ADeletedOrUnknownMovieIsNotFound) {
  feed_all(seed_stream());
  EXPECT_THROW(get("/movieViews/3"), http::NotFound) << "movie 3 was deleted";
  EXPECT_THROW(get("/movieViews/99"), http::NotFound);
  EXPECT_THROW(get("/movieViews/abc"), http::BadRequest);
}

TEST_F(ViewpageTest, ReservationViewsOfACustomerCarryTheMovieTitleAndThePayment) {
  feed_all(seed_stream());
  auto expected = Json::parse(R"([
    {"rsvId":1,"movieId":1,"movieTitle":"Title 1","screeningId":10,"seats":["A1","A2"],"amount":20000,
     "status":"reserved","payId":1,"paymentStatus":"paid"},
    {"rsvId":3,"movieId":2,"movieTitle":"Title 2","screeningId":20,"seats":["A1"],"amount":10000,
     "status":"cancelled","payId":3,"paymentStatus":"cancelled"}
  ])");
  EXPECT_EQ(get_json("/reservationViews?customerId=kim"), expected);
  EXPECT_EQ(get_json("/reservationViews?customerId=lee")[0]["status"], "rejected");
  EXPECT_EQ(get_json("/reservationViews?customerId=nobody"), Json::array());
}

TEST_F(ViewpageTest, ReservationViewsWithoutCustomerIdIsABadRequestNamingTheField) {
  try {
    get("/reservationViews");
    FAIL() << "expected a 400";
  } catch (const http::BadRequest& e) {
    EXPECT_EQ(e.field(), "customerId");
  }
}

TEST_F(ViewpageTest, AConfirmationBeforeItsScreeningWasScheduledStillTakesTheSeats) {
  using namespace contracts;
  auto kim = reservation(1, 1, 10, {"A1", "A2", "A3"}, "kim", "reserved", 1);
  feed(movie_event("MovieRegistered", movie(1, "available", "register", 1), kOrigin), 0);
  feed(reservation_event("ReservationConfirmed", kim, kOrigin), 1);
  EXPECT_EQ(get_json("/movieViews/1")["screenings"], Json::array()) << "not shown before it is scheduled";
  feed(screening_event("ScreeningScheduled", {10, 1, "2026-12-01T19:00:00Z", "1", 2, 5, 10000, 1}, kOrigin), 2);
  EXPECT_EQ(get_json("/movieViews/1")["screenings"][0]["seatsLeft"], 7);
}

TEST_F(ViewpageTest, FeedingTheSameEventsTwiceChangesNothing) {
  auto stream = seed_stream();
  feed_all(stream);
  auto movies = get("/movieViews").body;
  auto kim = get("/reservationViews?customerId=kim").body;
  for (std::size_t i = 0; i < stream.size(); ++i)
    EXPECT_EQ(feed(stream[i], static_cast<std::int64_t>(i)), events::InboxOutcome::duplicate);
  EXPECT_EQ(get("/movieViews").body, movies);
  EXPECT_EQ(get("/reservationViews?customerId=kim").body, kim);
}

TEST_F(ViewpageTest, ResetAndReplayRebuildsAByteIdenticalView) {
  auto stream = seed_stream();
  feed_all(stream);
  auto movies = get("/movieViews").body;
  auto kim = get("/reservationViews?customerId=kim").body;
  auto lag = get_json("/viewpage/lag");

  reset_views(*db_, *views_);
  EXPECT_EQ(get("/movieViews").body, "[]");
  EXPECT_EQ(get_json("/viewpage/lag")["lastEventOffset"], nullptr);

  feed_all(stream);
  EXPECT_EQ(get("/movieViews").body, movies);
  EXPECT_EQ(get("/reservationViews?customerId=kim").body, kim);
  EXPECT_EQ(get_json("/viewpage/lag")["lastEventAt"], lag["lastEventAt"]);
}

TEST_F(ViewpageTest, LagReportsTheLastEventsOffsetAndHowOldItIs) {
  EXPECT_EQ(get_json("/viewpage/lag"), Json::parse(R"({"lastEventOffset":null,"lastEventAt":null,"lagSeconds":null,"lagEvents":null,"replaying":false,"replayError":null})"));
  auto two_minutes_ago = time_point_cast<seconds>(system_clock::now() - 120s);
  auto stream = seed_stream({"", two_minutes_ago});
  feed_all(stream);
  auto lag = get_json("/viewpage/lag");
  EXPECT_EQ(lag["lastEventOffset"], stream.size() - 1);
  EXPECT_EQ(lag["lastEventAt"], iso_utc(two_minutes_ago));
  EXPECT_GE(lag["lagSeconds"].get<std::int64_t>(), 120);
  EXPECT_LT(lag["lagSeconds"].get<std::int64_t>(), 180);
}

TEST_F(ViewpageTest, AnEventOfAnotherKindOnlyMovesTheLagRecord) {
  feed_all(seed_stream());
  auto movies = get("/movieViews").body;
  events::Event sent{"e-message-1", "MessageSent", "1",
                     R"({"eventType":"MessageSent","timestamp":"20261125190500","rsvId":1})", "", -1};
  feed(sent, 100);
  EXPECT_EQ(get("/movieViews").body, movies);
  EXPECT_EQ(get_json("/viewpage/lag")["lastEventOffset"], 100);
  EXPECT_EQ(get_json("/viewpage/lag")["lastEventAt"], "2026-11-25T19:05:00Z");
}

}  // namespace
}  // namespace cinema::viewpage
