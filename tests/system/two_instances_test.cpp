// System tier: two instances each of reservation and payment on one PostgreSQL database, where two
// transactions run at once and neither sees the other's uncommitted writes. What one instance does
// in the background (deciding a pending payment) or in answer to an event (a movie deleted while
// its seats sell) must come out as if one process had done it.
#include <atomic>
#include <cstdlib>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cinema_process.hpp"
#include "core/time.hpp"

namespace cinema::testing {
namespace {
using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kHangingCard = "4000000000000119";

class TwoInstances : public ::testing::Test {
 protected:
  void SetUp() override {
    // A hanging card is decided after a second, and recovery settles its reservation a second later.
    ::setenv("PAYMENT_PROCESSOR_HANG_MS", "1000", 1);
    ::setenv("RESERVATION_SETTLE_AFTER_MS", "1000", 1);
    // Both payment instances look for due payments every 10 ms: they find the same ones at once.
    ::setenv("PAYMENT_DECIDE_INTERVAL_MS", "10", 1);
    ::setenv("MAX_RESERVATION_PER_PERSON", "5", 1);
    data_dir_ = std::filesystem::temp_directory_path() / ("cinema-two-" + std::to_string(::getpid()) + "-" +
                                                          ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(data_dir_);
    cinema_ = std::make_unique<CinemaProcess>(
        data_dir_, std::vector<std::string>{"--store", "reservation=postgres,payment=postgres", "--replicas",
                                            "reservation=2,payment=2"});
  }
  void TearDown() override {
    cinema_.reset();  // audits first: a payment decided twice is two PaymentDeclined messages
    std::filesystem::remove_all(data_dir_);
    ::unsetenv("PAYMENT_PROCESSOR_HANG_MS");
    ::unsetenv("RESERVATION_SETTLE_AFTER_MS");
    ::unsetenv("PAYMENT_DECIDE_INTERVAL_MS");
    ::unsetenv("MAX_RESERVATION_PER_PERSON");
  }
  http::Response call(const std::string& method, const std::string& target, const json& body = nullptr) {
    return send(cinema_->gateway(), method, target, body.is_null() ? std::string{} : body.dump());
  }
  // A movie with one screening of 25 x 100 seats (A1..Y100: not Z99, which reservation_knows_screening
  // asks for) that reservation knows: {movieId, screeningId}.
  std::pair<std::int64_t, std::int64_t> big_screening() {
    auto movie = json::parse(call("POST", "/movies", {{"desc", "two"}}).body)["movieId"].get<std::int64_t>();
    auto created = call("POST", "/movies/" + std::to_string(movie) + "/screenings",
                        {{"startsAt", iso_utc(std::chrono::system_clock::now() + 48h)}, {"hall", "1"}, {"rows", 25},
                         {"cols", 100}, {"price", 1000}});
    EXPECT_EQ(created.status, 201) << created.body;
    auto id = json::parse(created.body)["screeningId"].get<std::int64_t>();
    EXPECT_TRUE(reservation_knows_screening(cinema_->gateway(), id));
    return {movie, id};
  }
  json of_movie(const std::string& collection, std::int64_t movie) {
    json all = json::array();
    for (auto& item : json::parse(call("GET", "/" + collection + "?limit=1000").body))
      if (item["movieId"] == movie) all.push_back(item);
    return all;
  }

  std::filesystem::path data_dir_;
  std::unique_ptr<CinemaProcess> cinema_;
};

// Both payment instances find the same payments due; each is decided, and announced, once.
TEST_F(TwoInstances, EachPendingPaymentIsDecidedOnce) {
  auto [movie, screening] = big_screening();
  std::vector<std::thread> clients;
  std::atomic<int> pending{0};
  for (int i = 0; i < 24; ++i)
    clients.emplace_back([&, i] {
      auto answer = call("POST", "/reservations",
                         {{"screeningId", screening}, {"seats", {fmt::format("A{}", i + 1)}},
                          {"customerId", fmt::format("h{}", i)}, {"cardNumber", kHangingCard}});
      if (answer.status == 503 || answer.status == 402) ++pending;
      else ADD_FAILURE() << answer.status << " " << answer.body;
    });
  for (auto& client : clients) client.join();
  EXPECT_EQ(pending.load(), 24);
  ASSERT_TRUE(eventually([&] {
    auto payments = of_movie("payments", movie);
    return payments.size() == 24 &&
           std::all_of(payments.begin(), payments.end(), [](const json& p) { return p["status"] == "declined"; });
  }, 30s)) << of_movie("payments", movie).dump();
}

// One customer's 32 requests at once, spread over both instances: the cap (5 here) holds.
TEST_F(TwoInstances, OneCustomersCapHoldsAcrossInstances) {
  auto [movie, screening] = big_screening();
  std::vector<std::thread> clients;
  std::atomic<int> created{0}, capped{0};
  for (int i = 0; i < 32; ++i)
    clients.emplace_back([&, i] {
      auto answer = call("POST", "/reservations",
                         {{"screeningId", screening}, {"seats", {fmt::format("B{}", i + 1)}}, {"customerId", "hoarder"}});
      if (answer.status == 201) ++created;
      else if (answer.status == 409 && json::parse(answer.body)["error"] == "limit_reached") ++capped;
      else ADD_FAILURE() << answer.status << " " << answer.body;
    });
  for (auto& client : clients) client.join();
  EXPECT_EQ(created.load(), 5);
  EXPECT_EQ(capped.load(), 27);
  auto held = of_movie("reservations", movie);
  EXPECT_EQ(std::count_if(held.begin(), held.end(), [](const json& r) { return r["status"] == "reserved"; }), 5);
}

// A movie deleted while 16 clients buy its seats: every reservation of it ends cancelled and
// refunded, also those confirmed while the deletion was applied (before the sweep, some stayed
// reserved and paid on PostgreSQL).
TEST_F(TwoInstances, ADeletedMovieKeepsNoReservationThoughSeatsSoldWhileItWasDeleted) {
  auto [movie, screening] = big_screening();
  std::atomic<bool> stop{false};
  std::atomic<int> next_seat{0}, created{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < 16; ++i)
    clients.emplace_back([&, i] {
      while (!stop) {
        int seat = next_seat++;
        if (seat >= 2500) return;
        auto answer = call("POST", "/reservations",
                           {{"screeningId", screening},
                            {"seats", {fmt::format("{}{}", char('A' + seat / 100), seat % 100 + 1)}},
                            {"customerId", fmt::format("d{}", i)}});
        if (answer.status == 201) ++created;
        else if (answer.status != 404 && answer.status != 409) ADD_FAILURE() << answer.status << " " << answer.body;
      }
    });
  ASSERT_TRUE(eventually([&] { return created.load() >= 50; }, 30s));
  auto deleted = call("DELETE", "/movies/" + std::to_string(movie));
  EXPECT_EQ(deleted.status, 204) << deleted.body;
  std::this_thread::sleep_for(1s);
  stop = true;
  for (auto& client : clients) client.join();
  auto settled = [&] {
    auto reservations = of_movie("reservations", movie);
    auto payments = of_movie("payments", movie);
    return std::none_of(reservations.begin(), reservations.end(),
                        [](const json& r) { return r["status"] == "reserved" || r["status"] == "reqCancel"; }) &&
           std::none_of(payments.begin(), payments.end(), [](const json& p) { return p["status"] == "paid"; });
  };
  EXPECT_TRUE(eventually(settled, 30s)) << "still reserved or paid on the deleted movie:\n"
                                        << of_movie("reservations", movie).dump();
  EXPECT_GE(created.load(), 50);
}

}  // namespace
}  // namespace cinema::testing
