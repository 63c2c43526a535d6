// System tier: many clients race for the seats of one screening through the gateway. The database
// decides; afterwards every source and the view must agree.
#include <map>
#include <random>
#include <set>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cinema_process.hpp"
#include "core/time.hpp"

namespace cinema::testing {
namespace {
using nlohmann::json;

constexpr int kClients = 32;
constexpr int kRows = 4, kCols = 5;  // 20 seats

std::vector<std::string> all_seats() {
  std::vector<std::string> seats;
  for (int r = 0; r < kRows; ++r)
    for (int c = 1; c <= kCols; ++c) seats.push_back(std::string(1, static_cast<char>('A' + r)) + std::to_string(c));
  return seats;
}

// 32 clients race for 20 seats through the gateway, then the rest is swept up seat by seat; every
// seat must end sold exactly once, paid once, and shown so by the view.
void race_for_seats(CinemaProcess& cinema) {
  auto gateway = cinema.gateway();
  auto movie = json::parse(send(gateway, "POST", "/movies", R"({"desc":"race"})").body)["movieId"].get<int>();
  json screening_request{{"startsAt", iso_utc(std::chrono::system_clock::now() + std::chrono::hours(24))},
                         {"hall", "1"}, {"rows", kRows}, {"cols", kCols}, {"price", 1000}};
  auto screening = json::parse(send(gateway, "POST", "/movies/" + std::to_string(movie) + "/screenings",
                                    screening_request.dump()).body)["screeningId"].get<int>();
  ASSERT_TRUE(reservation_knows_screening(gateway, screening));

  // Overlapping pairs, then single seats, until every client gave up or the screening is full.
  const auto seats = all_seats();
  std::atomic<int> created{0}, conflicts{0}, other{0};
  std::vector<std::thread> clients;
  for (int client = 0; client < kClients; ++client)
    clients.emplace_back([&, client] {
      std::mt19937 random(client);
      for (int attempt = 0; attempt < 12; ++attempt) {
        std::vector<std::string> wanted{seats[random() % seats.size()]};
        if (attempt < 6) wanted.push_back(seats[(random() % seats.size())]);
        if (wanted.size() == 2 && wanted[0] == wanted[1]) wanted.pop_back();
        json request{{"screeningId", screening}, {"seats", wanted}, {"customerId", "c" + std::to_string(client)}};
        auto response = send(gateway, "POST", "/reservations", request.dump());
        auto status = response.status;
        (status == 201 ? created : status == 409 ? conflicts : other)++;
        if (status != 201 && status != 409) ADD_FAILURE() << status << " " << response.body;
      }
    });
  for (auto& client : clients) client.join();
  // Whatever is left is sold seat by seat, so every seat ends up sold exactly once.
  for (const auto& seat : seats)
    send(gateway, "POST", "/reservations", json{{"screeningId", screening}, {"seats", {seat}}, {"customerId", "sweep"}}.dump());
  EXPECT_EQ(other.load(), 0) << "every answer is 201 or 409";
  EXPECT_GT(conflicts.load(), 0) << "the race really happened";

  auto reservations = json::parse(send(gateway, "GET", "/reservations?limit=1000").body);
  std::multiset<std::string> sold;
  std::set<int> reserved_ids;
  for (const auto& r : reservations) {
    if (r["screeningId"] != screening || r["status"] != "reserved") continue;
    reserved_ids.insert(r["rsvId"].get<int>());
    for (const auto& seat : r["seats"]) sold.insert(seat.get<std::string>());
  }
  EXPECT_EQ(sold.size(), seats.size()) << "every seat sold";
  EXPECT_EQ(std::set<std::string>(sold.begin(), sold.end()).size(), sold.size()) << "no seat sold twice";

  // Every confirmed reservation has exactly one paid payment, and every paid payment a reservation.
  auto payments = json::parse(send(gateway, "GET", "/payments?limit=1000").body);
  std::map<int, int> paid_per_reservation;
  for (const auto& p : payments)
    if (p["status"] == "paid" && p["movieId"] == movie) paid_per_reservation[p["rsvId"].get<int>()]++;
  EXPECT_EQ(paid_per_reservation.size(), reserved_ids.size());
  for (const auto& [rsv, count] : paid_per_reservation) {
    EXPECT_EQ(count, 1) << "reservation " << rsv;
    EXPECT_TRUE(reserved_ids.contains(rsv)) << "payment of reservation " << rsv << " that does not stand";
  }

  // The view page agrees with the sources once it has caught up.
  EXPECT_TRUE(eventually([&] {
    auto view = json::parse(send(gateway, "GET", "/movieViews/" + std::to_string(movie)).body);
    for (const auto& s : view["screenings"])
      if (s["screeningId"] == screening)
        return s["seatsLeft"] == 0 && view["reservations"]["reserved"] == static_cast<int>(reserved_ids.size());
    return false;
  })) << send(gateway, "GET", "/movieViews/" + std::to_string(movie)).body;
}

TEST(SeatRace, ThirtyTwoClientsNeverGetOneSeatTwiceAndEverySourceAgrees) {
  auto data_dir = std::filesystem::temp_directory_path() / ("cinema-race-" + std::to_string(::getpid()));
  std::filesystem::remove_all(data_dir);
  CinemaProcess cinema(data_dir);
  race_for_seats(cinema);
  cinema.stop();
  std::filesystem::remove_all(data_dir);
}

// Two instances of reservation (and of payment) on one PostgreSQL database: the gateway spreads
// the racing clients over both, and only the database can keep a seat from being sold twice.
TEST(SeatRace, ThirtyTwoClientsOverTwoReservationInstancesOnOneDatabase) {
  auto data_dir = std::filesystem::temp_directory_path() / ("cinema-race2-" + std::to_string(::getpid()));
  std::filesystem::remove_all(data_dir);
  CinemaProcess cinema(data_dir, {"--store", "reservation=postgres,payment=postgres", "--replicas",
                                  "reservation=2,payment=2"});
  // `cinema up` is up when every instance answered ready; the gateway learns it from its own probe,
  // once a second, and may have seen a slow starter DOWN: the race begins with both in its pool.
  const int instances[] = {kReservation, kReservation + kSecondInstance};
  auto ejected_at_gateway = [&](int instance) {
    return counter_value(send(cinema.gateway(), "GET", "/metrics").body,
                         R"(upstream_instance_ejected{service="reservation",instance=")" + cinema.service(instance) +
                             R"("})");
  };
  for (int instance : instances)
    ASSERT_TRUE(eventually([&] { return ejected_at_gateway(instance) == 0.0; })) << cinema.service(instance);
  race_for_seats(cinema);
  auto gateway_metrics = send(cinema.gateway(), "GET", "/metrics").body;
  for (int instance : instances) {
    auto metrics = send(cinema.service(instance), "GET", "/metrics").body;
    EXPECT_GT(counter_value(metrics, R"(http_requests_total{route="/reservations",method="POST",status="201"})"), 0)
        << "reservation instance on port offset " << instance << " took part; the gateway ejected it "
        << counter_value(gateway_metrics, R"(upstream_ejections_total{service="reservation",instance=")" +
                                              cinema.service(instance) + R"("})")
        << " times";
  }
  cinema.stop();
  std::filesystem::remove_all(data_dir);
}

}  // namespace
}  // namespace cinema::testing
