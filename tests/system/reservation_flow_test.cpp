// System tier: every functional requirement of SPEC.md §1 end to end through the gateway of real
// `cinema up` processes, plus the failure answers of the reservation path.
#include <signal.h>

#include <iostream>
#include <optional>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cinema_process.hpp"
#include "core/time.hpp"

namespace cinema::testing {
namespace {
using nlohmann::json;

class ReservationFlow : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    data_dir_ = std::filesystem::temp_directory_path() / ("cinema-flow-" + std::to_string(::getpid()));
    std::filesystem::remove_all(data_dir_);
    cinema_ = new CinemaProcess(data_dir_);
  }
  static void TearDownTestSuite() {
    delete cinema_;
    std::filesystem::remove_all(data_dir_);
  }
  static http::Response call(const std::string& method, const std::string& target, const json& body = nullptr) {
    return send(cinema_->gateway(), method, target, body.is_null() ? std::string{} : body.dump());
  }
  static json body(const http::Response& response) { return json::parse(response.body); }

  // A movie with one screening of rows x cols seats starting `in` from now; returns {movieId, screeningId}.
  static std::pair<std::int64_t, std::int64_t> movie_with_screening(std::chrono::seconds in, int rows = 2, int cols = 5) {
    auto movie = body(call("POST", "/movies", {{"desc", "flow"}}))["movieId"].get<std::int64_t>();
    auto starts = iso_utc(std::chrono::system_clock::now() + in);
    auto screening = call("POST", "/movies/" + std::to_string(movie) + "/screenings",
                          {{"startsAt", starts}, {"hall", "2"}, {"rows", rows}, {"cols", cols}, {"price", 1000}});
    EXPECT_EQ(screening.status, 201) << screening.body;
    return {movie, body(screening)["screeningId"].get<std::int64_t>()};
  }
  // Reserves, waiting out the milliseconds until reservation's replica knows the screening (404).
  static http::Response reserve(std::int64_t screening, const std::vector<std::string>& seats, const std::string& customer,
                                const std::string& card = {}) {
    json request{{"screeningId", screening}, {"seats", seats}, {"customerId", customer}};
    if (!card.empty()) request["cardNumber"] = card;
    http::Response response;
    eventually([&] {
      response = call("POST", "/reservations", request);
      return response.status != 404;
    });
    return response;
  }
  static bool has_message(const std::string& customer, const std::string& kind) {
    auto messages = body(call("GET", "/messages?customerId=" + customer));
    return std::any_of(messages.begin(), messages.end(), [&](const json& m) { return m["kind"] == kind; });
  }

  static inline std::filesystem::path data_dir_;
  static inline CinemaProcess* cinema_ = nullptr;
};

TEST_F(ReservationFlow, ReservePayNotifyCancelRefundNotify) {
  auto [movie, screening] = movie_with_screening(std::chrono::hours(48));
  auto reserved = reserve(screening, {"A1", "A2"}, "kim");
  ASSERT_EQ(reserved.status, 201) << reserved.body;
  auto rsv = body(reserved);
  EXPECT_EQ(rsv["status"], "reserved");
  EXPECT_EQ(rsv["amount"], 2000);
  auto id = std::to_string(rsv["rsvId"].get<int>());

  auto payments = body(call("GET", "/payments?rsvId=" + id));
  ASSERT_EQ(payments.size(), 1u);
  EXPECT_EQ(payments[0]["status"], "paid");
  EXPECT_EQ(payments[0]["payId"], rsv["payId"]);
  EXPECT_TRUE(eventually([&] { return has_message("kim", "ReservationConfirmed"); }));

  EXPECT_EQ(body(call("PATCH", "/reservations/" + id, {{"status", "reqCancel"}}))["status"], "reqCancel");
  EXPECT_TRUE(eventually([&] { return body(call("GET", "/reservations/" + id))["status"] == "cancelled"; }));
  EXPECT_EQ(body(call("GET", "/payments?rsvId=" + id))[0]["status"], "cancelled");
  EXPECT_TRUE(eventually([&] { return has_message("kim", "ReservationCancelled"); }));
  // The freed seats can be sold again.
  EXPECT_EQ(reserve(screening, {"A1"}, "lee").status, 201);
}

TEST_F(ReservationFlow, DeclinedCardIs402AndHoldsNoSeat) {
  auto [movie, screening] = movie_with_screening(std::chrono::hours(48));
  auto declined = reserve(screening, {"B1"}, "kim", "4000000000000002");
  EXPECT_EQ(declined.status, 402) << declined.body;
  EXPECT_EQ(body(declined)["error"], "payment_declined");
  EXPECT_EQ(reserve(screening, {"B1"}, "lee").status, 201) << "the declined reservation held nothing";
  EXPECT_TRUE(eventually([&] { return has_message("kim", "ReservationRejected"); }));
}

TEST_F(ReservationFlow, SameIdempotencyKeyNeverChargesTwice) {
  auto [movie, screening] = movie_with_screening(std::chrono::hours(48));
  json request{{"screeningId", screening}, {"seats", {"A3"}}, {"customerId", "kim"}};
  http::Headers headers;
  headers.set("Idempotency-Key", "retry-" + std::to_string(screening));
  http::Response first;
  eventually([&] {
    first = send(cinema_->gateway(), "POST", "/reservations", request.dump(), headers);
    return first.status != 404;
  });
  auto second = send(cinema_->gateway(), "POST", "/reservations", request.dump(), headers);
  ASSERT_EQ(first.status, 201) << first.body;
  EXPECT_EQ(second.status, 201) << "the first answer again: " << second.body;
  EXPECT_EQ(second.headers.get("Idempotent-Replayed").value_or(""), "true");
  EXPECT_EQ(body(first)["rsvId"], body(second)["rsvId"]);
  EXPECT_EQ(body(call("GET", "/payments?rsvId=" + std::to_string(body(first)["rsvId"].get<int>()))).size(), 1u);
}

TEST_F(ReservationFlow, ReviewOnlyFromTheAudienceOfAStartedScreening) {
  // The screening starts in 3 s: first let the consumers join (seconds on Kafka), so reservation
  // learns of it well before sales close.
  ASSERT_EQ(reserve(movie_with_screening(std::chrono::hours(48)).second, {"A1"}, "warm-up").status, 201);
  auto [movie, screening] = movie_with_screening(std::chrono::seconds(3));
  ASSERT_EQ(reserve(screening, {"A1"}, "kim").status, 201);
  auto target = "/movies/" + std::to_string(movie) + "/reviews";
  EXPECT_EQ(call("POST", target, {{"customerId", "kim"}, {"rating", 5}}).status, 403) << "not started yet";
  auto starts_at = body(call("GET", "/movies/" + std::to_string(movie) + "/screenings"))[0]["startsAt"].get<std::string>();
  // Waits for the start on the clock (not for a guess of how long that is).
  ASSERT_TRUE(eventually([&] { return iso_utc(std::chrono::system_clock::now()) >= starts_at; }));
  EXPECT_EQ(call("POST", target, {{"customerId", "stranger"}, {"rating", 1}}).status, 403);
  http::Response review;
  EXPECT_TRUE(eventually([&] {  // the audience replica follows ReservationConfirmed within milliseconds
    review = call("POST", target, {{"customerId", "kim"}, {"rating", 5}, {"text", "great"}});
    return review.status == 201;
  })) << review.body;
  auto movie_now = body(call("GET", "/movies/" + std::to_string(movie)));
  EXPECT_EQ(movie_now["reviewCnt"], 1);
  EXPECT_EQ(movie_now["rating"], 5.0);
}

TEST_F(ReservationFlow, ViewPageShowsEveryMovieWithItsReservations) {
  auto [movie, screening] = movie_with_screening(std::chrono::hours(48), 1, 4);
  ASSERT_EQ(reserve(screening, {"A1", "A2"}, "park").status, 201);
  EXPECT_TRUE(eventually([&] {
    auto view = call("GET", "/movieViews/" + std::to_string(movie));
    if (view.status != 200) return false;
    auto v = body(view);
    auto& screenings = v["screenings"];  // the default screening and ours
    auto ours = std::find_if(screenings.begin(), screenings.end(),
                             [&](const json& s) { return s["screeningId"] == screening; });
    return v["reservations"]["reserved"] == 1 && ours != screenings.end() && (*ours)["seatsLeft"] == 2 &&
           (*ours)["seatsTotal"] == 4;
  }));
  auto all = body(call("GET", "/movieViews"));
  EXPECT_TRUE(std::any_of(all.begin(), all.end(), [&](const json& v) { return v["movieId"] == movie; }));
  // PaymentApproved comes from another producer than the reservation's events: on Kafka it may be
  // applied after them, so the view is asked until it shows the payment (or 10 s passed).
  json mine;
  eventually([&] {
    mine = body(call("GET", "/reservationViews?customerId=park"));
    return !mine.empty() && mine[0]["paymentStatus"] == "paid";
  });
  ASSERT_FALSE(mine.empty());
  EXPECT_EQ(mine[0]["paymentStatus"], "paid");
}

TEST_F(ReservationFlow, ReservationsGoOnWhileMovieAndMessageAreDownAndTheyCatchUp) {
  auto [movie, screening] = movie_with_screening(std::chrono::hours(48));
  ASSERT_EQ(reserve(screening, {"A5"}, "choi").status, 201);  // replica has the screening
  auto pid_of = [](int service) {
    return body(send(cinema_->service(service), "GET", "/actuator/echo"))["pid"].get<int>();
  };
  int movie_pid = pid_of(kMovie), message_pid = pid_of(kMessage);
  ::kill(movie_pid, SIGSTOP);  // hung: neither answers nor consumes
  ::kill(message_pid, SIGSTOP);
  auto during = reserve(screening, {"B5"}, "choi");
  ::kill(movie_pid, SIGCONT);
  ::kill(message_pid, SIGCONT);
  ASSERT_EQ(during.status, 201) << during.body;
  EXPECT_TRUE(eventually([&] {
    auto messages = body(call("GET", "/messages?customerId=choi"));
    return std::count_if(messages.begin(), messages.end(),
                         [](const json& m) { return m["kind"] == "ReservationConfirmed"; }) == 2;
  }));
  EXPECT_TRUE(eventually([&] { return body(call("GET", "/movies/" + std::to_string(movie)))["lastAction"] == "reserved"; }));
}

// `cinema movies add | reserve | cancel | view`, as the README's tour runs them.
TEST_F(ReservationFlow, ClientCommandsDriveTheTour) {
  auto cinema_command = [](const std::string& arguments, int* exit_code) {
    auto result = run_command(std::string(CINEMA_BINARY) + " " + arguments + " --gateway " + cinema_->gateway());
    *exit_code = result.exit_code;
    return result.output;
  };
  int code = -1;
  auto movie = json::parse(cinema_command("movies add --desc Tour", &code));
  ASSERT_EQ(code, 0);
  auto movie_id = std::to_string(movie["movieId"].get<int>());
  auto screenings = body(call("GET", "/movies/" + movie_id + "/screenings"));
  ASSERT_TRUE(reservation_knows_screening(cinema_->gateway(), screenings.at(0)["screeningId"].get<int>()));
  auto reserved = json::parse(cinema_command("reserve --movie " + movie_id + " --customer tour", &code));
  ASSERT_EQ(code, 0);
  EXPECT_EQ(reserved["status"], "reserved");
  auto cancelled = json::parse(cinema_command("cancel " + std::to_string(reserved["rsvId"].get<int>()), &code));
  EXPECT_EQ(code, 0);
  EXPECT_EQ(cancelled["status"], "reqCancel");
  EXPECT_TRUE(eventually([&] {
    return json::parse(cinema_command("view " + movie_id, &code))["reservations"]["cancelled"] == 1;
  }));
  cinema_command("cancel 999999", &code);
  EXPECT_EQ(code, 1) << "an error answer is a failing exit code";
}

// Issue 4: `cinema replay viewpage` rebuilds every view from the first event of the log, and the
// rebuilt view answers byte for byte what the live one answered.
TEST_F(ReservationFlow, ReplayRebuildsTheViewPageByteForByte) {
  auto [movie, screening] = movie_with_screening(std::chrono::hours(24), 3, 4);
  ASSERT_EQ(reserve(screening, {"A1", "A2"}, "replay-kim").status, 201);
  ASSERT_EQ(reserve(screening, {"B1"}, "replay-lee", "4000000000000002").status, 402);
  auto cancelled = body(reserve(screening, {"C4"}, "replay-kim"))["rsvId"].get<std::int64_t>();
  ASSERT_EQ(call("PATCH", "/reservations/" + std::to_string(cancelled), {{"status", "reqCancel"}}).status, 200);
  ASSERT_TRUE(eventually([&] { return has_message("replay-kim", "ReservationCancelled"); }));
  // The saga's last event (movie's MovieCancelled) reached the view.
  ASSERT_TRUE(eventually([&] { return body(call("GET", "/movieViews/" + std::to_string(movie)))["lastAction"] == "cancelled"; }));

  const std::vector<std::string> queries{"/movieViews", "/movieViews/" + std::to_string(movie),
                                         "/reservationViews?customerId=replay-kim",
                                         "/reservationViews?customerId=replay-lee", "/reservationViews?customerId=kim"};
  auto answers = [&] {
    std::vector<std::string> bodies;
    for (const auto& query : queries) bodies.push_back(call("GET", query).body);
    return bodies;
  };
  auto caught_up = [&] { return body(call("GET", "/viewpage/lag"))["lagEvents"] == 0; };
  // Settled: nothing waits and two reads 300 ms apart agree.
  std::vector<std::string> live;
  ASSERT_TRUE(eventually([&] {
    if (!caught_up()) return false;
    live = answers();
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    return caught_up() && answers() == live;
  }));
  auto viewpage_metrics = [&] { return send(cinema_->service(kViewpage), "GET", "/metrics").body; };
  auto applied_before = counter_value(viewpage_metrics(), R"(events_consumed_total{group="viewpage"})");
  ASSERT_GT(applied_before, 10);

  auto replay = run_command(std::string(CINEMA_BINARY) + " replay viewpage --gateway " + cinema_->gateway());
  ASSERT_EQ(replay.exit_code, 0) << replay.output;
  EXPECT_NE(replay.output.find("viewpage rebuilt up to event offset"), std::string::npos) << replay.output;

  auto applied_after = counter_value(viewpage_metrics(), R"(events_consumed_total{group="viewpage"})");
  EXPECT_GE(applied_after - applied_before, applied_before) << "every event was applied again";
  EXPECT_EQ(answers(), live);
  EXPECT_EQ(call("POST", "/viewpage/replay").status, 202) << "a finished replay can be started again";
  EXPECT_EQ(call("POST", "/viewpage/replay").status, 409) << "while one is underway";
  EXPECT_TRUE(eventually([&] { return !body(call("GET", "/viewpage/lag"))["replaying"].get<bool>(); }));
  EXPECT_EQ(answers(), live);
}

TEST(ReservationWithoutPayment, PaymentDownIs503WithRetryAfterAndHoldsNoSeat) {
  auto data_dir = std::filesystem::temp_directory_path() / ("cinema-nopay-" + std::to_string(::getpid()));
  std::filesystem::remove_all(data_dir);
  CinemaProcess cinema(data_dir, {"--only", "movie,reservation,gateway"});
  auto movie = json::parse(send(cinema.gateway(), "POST", "/movies", R"({"desc":"x"})").body)["movieId"].get<int>();
  auto screenings = json::parse(send(cinema.gateway(), "GET", "/movies/" + std::to_string(movie) + "/screenings").body);
  ASSERT_TRUE(reservation_knows_screening(cinema.gateway(), screenings.at(0)["screeningId"].get<int>()));
  auto refused = send(cinema.gateway(), "POST", "/reservations", json{{"movieId", movie}}.dump());
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_TRUE(refused.headers.get("Retry-After").has_value());
  auto reservations = json::parse(send(cinema.gateway(), "GET", "/reservations").body);
  ASSERT_EQ(reservations.size(), 1u);
  EXPECT_EQ(reservations[0]["status"], "rejected") << "nothing is held when payment certainly did not charge";
  cinema.stop();
  std::filesystem::remove_all(data_dir);
}

// Issue 15: the breaker follows the real outage. Payment is killed while customers keep reserving
// (every 20 ms); `cinema up` restarts it after its 500 ms back-off. The breaker opens, probes payment
// from 250 ms on, backing off while it is down, and closes on the first probe after it is back.
TEST(ReservationWithoutPayment, ReservationsSucceedWithinASecondOfPaymentComingBack) {
  using Clock = std::chrono::steady_clock;
  using namespace std::chrono_literals;
  auto data_dir = std::filesystem::temp_directory_path() / ("cinema-outage-" + std::to_string(::getpid()));
  std::filesystem::remove_all(data_dir);
  // The customer keeps trying faster than the gateway's 5 reservations a second would let through.
  ::setenv("GATEWAY_LIMITS_RESERVATIONS_PER_SECOND", "0", 1);
  CinemaProcess cinema(data_dir, {"--only", "movie,reservation,payment,gateway"});
  ::unsetenv("GATEWAY_LIMITS_RESERVATIONS_PER_SECOND");
  auto movie = json::parse(send(cinema.gateway(), "POST", "/movies", R"({"desc":"x"})").body)["movieId"].get<int>();
  auto screenings = json::parse(send(cinema.gateway(), "GET", "/movies/" + std::to_string(movie) + "/screenings").body);
  auto screening = screenings.at(0)["screeningId"].get<int>();
  ASSERT_TRUE(reservation_knows_screening(cinema.gateway(), screening));
  auto reserve = [&](const char* seat) {
    json request{{"screeningId", screening}, {"seats", {seat}}, {"customerId", "kim"}};
    return send(cinema.gateway(), "POST", "/reservations", request.dump()).status;
  };
  // Back means serving HTTP again (liveness): readiness waits for its consumers too, which on Kafka
  // rejoin the group later than payment answers calls.
  auto payment_is_up = [&] {
    try {
      return send(cinema.service(kPayment), "GET", "/actuator/health/liveness").status == 200;
    } catch (const http::UpstreamError&) {
      return false;
    }
  };
  ASSERT_EQ(reserve("B1"), 201);
  auto output = cinema.output();
  auto line = output.find("  payment ");
  ASSERT_NE(line, std::string::npos) << output;
  ::kill(std::stoi(output.substr(output.find("pid ", line) + 4)), SIGKILL);
  ASSERT_TRUE(eventually([&] { return !payment_is_up(); }, 2s));

  // Refused (and then turned-away) reservations are rejected and free their seat: A1 is tried again.
  auto killed_at = Clock::now();
  std::optional<Clock::time_point> back_at, reserved_at;
  while (!reserved_at && Clock::now() - killed_at < 30s) {
    if (!back_at && payment_is_up()) back_at = Clock::now();
    if (reserve("A1") == 201) reserved_at = Clock::now();
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_TRUE(reserved_at) << cinema.output();
  // Paid before a liveness check saw payment back (it came back between the two): back by then.
  if (!back_at) back_at = reserved_at;
  auto down = std::chrono::duration_cast<std::chrono::milliseconds>(*back_at - killed_at);
  auto recovery = std::chrono::duration_cast<std::chrono::milliseconds>(*reserved_at - *back_at);
  std::cout << "payment down " << down.count() << " ms; first reservation paid " << recovery.count()
            << " ms after payment was back\n";
  EXPECT_LT(recovery, 1s) << "the breaker kept turning reservations away after payment was back";
  auto metrics = send(cinema.service(kReservation), "GET", "/metrics").body;
  EXPECT_GE(counter_value(metrics, "payment_circuit_openings_total"), 1) << "the breaker opened meanwhile";
  EXPECT_EQ(counter_value(metrics, "payment_circuit_open"), 0);
  cinema.stop();
  std::filesystem::remove_all(data_dir);
}

}  // namespace
}  // namespace cinema::testing

namespace cinema::testing {
namespace {

TEST(ReservationRecovery, AReservationLeftPendingByAPaymentTimeoutIsSettledLater) {
  // Payment hangs longer than reservation waits; recovery repeats the idempotent call until it
  // gets payment's decision. The children inherit these settings through the environment.
  ::setenv("PAYMENT_PROCESSOR_HANG_MS", "1500", 1);
  ::setenv("RESERVATION_PAYMENT_TIMEOUT_MS", "300", 1);
  ::setenv("RESERVATION_SETTLE_AFTER_MS", "500", 1);
  ::setenv("RESERVATION_RECOVERY_INTERVAL_MS", "200", 1);
  auto data_dir = std::filesystem::temp_directory_path() / ("cinema-recovery-" + std::to_string(::getpid()));
  std::filesystem::remove_all(data_dir);
  CinemaProcess cinema(data_dir);
  for (auto name : {"PAYMENT_PROCESSOR_HANG_MS", "RESERVATION_PAYMENT_TIMEOUT_MS", "RESERVATION_SETTLE_AFTER_MS",
                    "RESERVATION_RECOVERY_INTERVAL_MS"})
    ::unsetenv(name);
  auto movie = json::parse(send(cinema.gateway(), "POST", "/movies", R"({"desc":"slow"})").body)["movieId"].get<int>();
  auto screenings = json::parse(send(cinema.gateway(), "GET", "/movies/" + std::to_string(movie) + "/screenings").body);
  auto screening = screenings.at(0)["screeningId"].get<int>();
  ASSERT_TRUE(reservation_knows_screening(cinema.gateway(), screening));

  json request{{"screeningId", screening}, {"seats", {"C3"}}, {"customerId", "slow"}, {"cardNumber", "4000000000000119"}};
  auto pending = send(cinema.gateway(), "POST", "/reservations", request.dump());
  ASSERT_EQ(pending.status, 503) << pending.body;
  EXPECT_EQ(json::parse(pending.body)["error"], "payment_pending");
  EXPECT_TRUE(pending.headers.get("Retry-After").has_value());
  auto id = std::to_string(json::parse(pending.body)["rsvId"].get<int>());
  EXPECT_EQ(json::parse(send(cinema.gateway(), "GET", "/reservations/" + id).body)["status"], "reqReserve")
      << "the seat stays held while the outcome is unknown";

  EXPECT_TRUE(eventually([&] {
    return json::parse(send(cinema.gateway(), "GET", "/reservations/" + id).body)["status"] == "rejected";
  }));
  auto payments = json::parse(send(cinema.gateway(), "GET", "/payments?rsvId=" + id).body);
  ASSERT_EQ(payments.size(), 1u) << "repeating the call never made a second payment";
  EXPECT_EQ(payments[0]["reason"], "processor_timeout");
  json other{{"screeningId", screening}, {"seats", {"C3"}}, {"customerId", "next"}};
  EXPECT_EQ(send(cinema.gateway(), "POST", "/reservations", other.dump()).status, 201) << "the seat was freed";
  cinema.stop();
  std::filesystem::remove_all(data_dir);
}

}  // namespace
}  // namespace cinema::testing
