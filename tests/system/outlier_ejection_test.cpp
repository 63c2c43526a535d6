// System tier: outlier ejection and retries on real `cinema up --replicas payment=3,movie=2`.
// The seed's scenario (its Istio DestinationRule on payment): one of three payment instances is
// set DOWN under steady reservations; traffic moves to the other two with no failed reservation,
// and returns once it is UP again and its ejection time is over. Then a movie instance is killed
// under steady reads through the gateway: none fails. Ejection times are shortened for the test
// (HTTP_OUTLIER_BASE_EJECTION_MS), the semantics are the seed's.
#include <signal.h>
#include <stdlib.h>

#include <atomic>
#include <iostream>
#include <map>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cinema_process.hpp"
#include "core/time.hpp"

namespace cinema::testing {
namespace {
using nlohmann::json;
using namespace std::chrono_literals;

// Offsets of services from `cinema up --base-port`; the k-th instance is 10 k further.

class OutlierEjection : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ::setenv("HTTP_OUTLIER_BASE_EJECTION_MS", "3000", 1);
    ::setenv("HTTP_OUTLIER_INTERVAL_MS", "200", 1);
    data_dir_ = std::filesystem::temp_directory_path() / ("cinema-outlier-" + std::to_string(::getpid()));
    std::filesystem::remove_all(data_dir_);
    cinema_ = new CinemaProcess(data_dir_, {"--replicas", "payment=3,movie=2"});
  }
  static void TearDownTestSuite() {
    delete cinema_;
    ::unsetenv("HTTP_OUTLIER_BASE_EJECTION_MS");
    ::unsetenv("HTTP_OUTLIER_INTERVAL_MS");
    std::filesystem::remove_all(data_dir_);
  }
  static http::Response call(const std::string& method, const std::string& target, const json& body = nullptr) {
    return send(cinema_->gateway(), method, target, body.is_null() ? std::string{} : body.dump());
  }
  static std::string payment(int k) { return cinema_->service(kPayment + k * kSecondInstance); }
  // POST /payments answered 201 by one payment instance so far.
  static double charges_at(const std::string& instance) {
    return counter_value(send(instance, "GET", "/metrics").body,
                         R"(http_requests_total{route="/payments",method="POST",status="201"})");
  }
  // A series of reservation's (the caller of payment) metrics about one payment instance.
  static double reservation_metric(const std::string& name, const std::string& instance) {
    return counter_value(send(cinema_->service(kReservation), "GET", "/metrics").body,
                         name + R"({service="payment",instance=")" + instance + "\"}");
  }

  static inline std::filesystem::path data_dir_;
  static inline CinemaProcess* cinema_ = nullptr;
};

// Reserves one seat after another (one customer each) until stopped, counting the statuses.
class SteadyReservations {
 public:
  SteadyReservations(const std::string& gateway, std::int64_t screening)
      : thread_([this, gateway, screening] {
          for (int n = 0; !stop_; ++n) {
            auto seat = std::string(1, static_cast<char>('A' + n / 60 % 26)) + std::to_string(n % 60 + 1);
            json request{{"screeningId", screening}, {"seats", {seat}}, {"customerId", "c" + std::to_string(n)}};
            int status = -1;  // no answer from the gateway at all
            try {
              status = send(gateway, "POST", "/reservations", request.dump()).status;
            } catch (const std::exception&) {
            }
            std::lock_guard lock(mutex_);
            ++statuses_[status];
            std::this_thread::sleep_for(15ms);
          }
        }) {}
  ~SteadyReservations() { finish(); }
  std::map<int, int> finish() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    std::lock_guard lock(mutex_);
    return statuses_;
  }

 private:
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::map<int, int> statuses_;
  std::thread thread_;
};

TEST_F(OutlierEjection, PaymentInstanceSetDownGetsNoTrafficNoReservationFailsAndItComesBack) {
  auto movie = json::parse(call("POST", "/movies", {{"desc", "outlier"}}).body)["movieId"].get<std::int64_t>();
  auto created = call("POST", "/movies/" + std::to_string(movie) + "/screenings",
                      {{"startsAt", iso_utc(std::chrono::system_clock::now() + 48h)}, {"hall", "1"}, {"rows", 26},
                       {"cols", 60}, {"price", 1000}});
  ASSERT_EQ(created.status, 201) << created.body;
  auto screening = json::parse(created.body)["screeningId"].get<std::int64_t>();
  ASSERT_TRUE(reservation_knows_screening(cinema_->gateway(), screening));

  auto down = payment(2);
  SteadyReservations load(cinema_->gateway(), screening);
  ASSERT_TRUE(eventually([&] { return charges_at(down) > 0; })) << "all three instances take charges";

  ASSERT_EQ(send(down, "PUT", "/actuator/down").status, 200);
  ASSERT_TRUE(eventually([&] { return reservation_metric("upstream_instance_ejected", down) == 1; }, 5s))
      << "reservation's probe sees the instance DOWN";
  // Calls already under way when it went out still land (a slow machine takes a while): the count
  // settles first, unchanged for half a second.
  auto while_down = charges_at(down);
  for (auto until = std::chrono::steady_clock::now() + 10s; std::chrono::steady_clock::now() < until;) {
    std::this_thread::sleep_for(500ms);
    auto now_down = charges_at(down);
    if (now_down == while_down) break;
    while_down = now_down;
  }
  auto others = charges_at(payment(0)) + charges_at(payment(1));
  std::this_thread::sleep_for(1500ms);
  EXPECT_EQ(charges_at(down), while_down) << "no new charge reaches the DOWN instance";
  EXPECT_GT(charges_at(payment(0)) + charges_at(payment(1)), others) << "the other two take them";

  ASSERT_EQ(send(down, "PUT", "/actuator/up").status, 200);
  EXPECT_TRUE(eventually([&] { return charges_at(down) > while_down; }, 15s))
      << "traffic returns once a probe finds it UP";
  auto statuses = load.finish();

  std::string summary;
  for (auto [status, count] : statuses) summary += std::to_string(status) + " x" + std::to_string(count) + " ";
  std::cout << "reservations while one payment instance was DOWN and UP: " << summary << "\n";
  EXPECT_GT(statuses[201], 50) << summary;
  for (auto [status, count] : statuses)
    EXPECT_TRUE(status == 201 || status == 402 || status == 409) << "every reservation got a designed answer: " << summary;
  EXPECT_GE(reservation_metric("upstream_ejections_total", down), 1);
}

TEST_F(OutlierEjection, GatewayReadsGoOnWhenAMovieInstanceIsKilled) {
  auto text = cinema_->output();
  auto line = text.find("  movie-2 ");
  ASSERT_NE(line, std::string::npos) << text;
  auto pid = std::stoi(text.substr(text.find("pid ", line) + 4));
  ASSERT_EQ(call("GET", "/movies").status, 200);

  std::map<int, int> statuses;
  auto read_for = [&](std::chrono::milliseconds how_long) {
    for (auto end = std::chrono::steady_clock::now() + how_long; std::chrono::steady_clock::now() < end;)
      ++statuses[call("GET", "/movies").status];
  };
  read_for(300ms);  // the gateway's pool now holds connections to both instances
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  read_for(1500ms);

  std::string summary;
  for (auto [status, count] : statuses) summary += std::to_string(status) + " x" + std::to_string(count) + " ";
  std::cout << "gateway reads around the kill: " << summary << "retries "
            << counter_value(send(cinema_->gateway(), "GET", "/metrics").body, R"(upstream_retries_total{service="movie"})")
            << "\n";
  EXPECT_EQ(statuses.size(), 1u) << summary;
  EXPECT_GT(statuses[200], 20) << summary;
  auto gateway = send(cinema_->gateway(), "GET", "/metrics").body;
  auto killed = cinema_->service(kMovie + kSecondInstance);
  EXPECT_GE(counter_value(gateway, R"(upstream_ejections_total{service="movie",instance=")" + killed + "\"}"), 1);
  // The supervisor restarts it; it is back in turn once its ejection is over.
  EXPECT_TRUE(eventually([&] {
    return counter_value(send(cinema_->gateway(), "GET", "/metrics").body,
                         R"(upstream_instance_ejected{service="movie",instance=")" + killed + "\"}") == 0;
  }, 15s));
}

}  // namespace
}  // namespace cinema::testing
