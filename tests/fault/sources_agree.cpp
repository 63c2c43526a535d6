#include "sources_agree.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/time.hpp"

namespace cinema::testing {
namespace {
using nlohmann::json;

json get(const std::string& gateway, const std::string& target) {
  auto response = send(gateway, "GET", target);
  return response.status == 200 ? json::parse(response.body, nullptr, false) : json();
}

// Every disagreement between the sources, one line each; empty when they agree.
std::vector<std::string> disagreements(const std::string& gateway, const std::vector<std::int64_t>& movies,
                                       const std::vector<std::string>& customers, SoldReservations& sold) {
  std::vector<std::string> problems;
  auto report = [&](auto&&... parts) {
    std::ostringstream line;
    (line << ... << parts);
    problems.push_back(line.str());
  };
  std::set<std::int64_t> wanted(movies.begin(), movies.end());
  std::map<std::int64_t, std::int64_t> reserved_per_movie, seats_per_movie;
  std::map<std::string, std::set<std::int64_t>> rsv_per_customer;
  std::set<std::int64_t> reserved;
  sold = {};
  for (std::int64_t offset = 0;; offset += 1000) {
    auto page = get(gateway, "/reservations?limit=1000&offset=" + std::to_string(offset));
    if (!page.is_array()) return {"GET /reservations failed"};
    for (const auto& r : page) {
      auto movie = r["movieId"].get<std::int64_t>();
      if (!wanted.count(movie)) continue;
      auto status = r["status"].get<std::string>();
      auto id = r["rsvId"].get<std::int64_t>();
      if (status == "reqReserve" || status == "reqCancel") report("reservation ", id, " is still ", status);
      if (status != "reserved") continue;
      reserved.insert(id);
      rsv_per_customer[r["customerId"].get<std::string>()].insert(id);
      ++reserved_per_movie[movie];
      seats_per_movie[movie] += static_cast<std::int64_t>(r["seats"].size());
      ++sold.reserved;
      sold.seats += static_cast<std::int64_t>(r["seats"].size());
    }
    if (page.size() < 1000) break;
  }

  std::map<std::int64_t, int> paid;
  for (std::int64_t offset = 0;; offset += 1000) {
    auto page = get(gateway, "/payments?limit=1000&offset=" + std::to_string(offset));
    if (!page.is_array()) return {"GET /payments failed"};
    for (const auto& p : page)
      if (wanted.count(p["movieId"].get<std::int64_t>()) && p["status"] == "paid") ++paid[p["rsvId"].get<std::int64_t>()];
    if (page.size() < 1000) break;
  }
  for (auto id : reserved)
    if (paid[id] != 1) report("reservation ", id, " has ", paid[id], " paid payments");
  for (const auto& [id, count] : paid)
    if (!reserved.count(id)) report("payment of reservation ", id, " is paid but the reservation is not reserved");

  for (const auto& customer : customers) {
    std::map<std::int64_t, int> confirmed;
    auto messages = get(gateway, "/messages?customerId=" + customer);
    if (!messages.is_array()) return {"GET /messages failed"};
    for (const auto& m : messages)
      if (m["kind"] == "ReservationConfirmed") ++confirmed[m["rsvId"].get<std::int64_t>()];
    for (auto id : rsv_per_customer[customer])
      if (confirmed[id] != 1) report("reservation ", id, " has ", confirmed[id], " confirmation messages");

    std::set<std::int64_t> viewed;
    auto views = get(gateway, "/reservationViews?customerId=" + customer);
    if (!views.is_array()) return {"GET /reservationViews failed"};
    for (const auto& v : views)
      if (v["status"] == "reserved" && v["paymentStatus"] == "paid") viewed.insert(v["rsvId"].get<std::int64_t>());
    if (viewed != rsv_per_customer[customer])
      report("the view of ", customer, " shows ", viewed.size(), " paid reservations, the source ",
             rsv_per_customer[customer].size());
  }

  for (auto movie : movies) {
    auto view = get(gateway, "/movieViews/" + std::to_string(movie));
    auto source = get(gateway, "/movies/" + std::to_string(movie));
    if (!view.is_object() || !source.is_object()) return {"GET /movieViews or /movies failed"};
    if (view["reservations"]["reserved"] != reserved_per_movie[movie])
      report("movie ", movie, ": view counts ", view["reservations"]["reserved"].dump(), " reserved, the source ",
             reserved_per_movie[movie]);
    std::int64_t view_sold = 0, view_left = 0;
    for (const auto& s : view["screenings"]) {
      view_sold += s["seatsTotal"].get<std::int64_t>() - s["seatsLeft"].get<std::int64_t>();
      view_left += s["seatsLeft"].get<std::int64_t>();
    }
    if (view_sold != seats_per_movie[movie])
      report("movie ", movie, ": the view shows ", view_sold, " seats sold, the source ", seats_per_movie[movie]);
    if (source["seatsLeft"] != view_left)
      report("movie ", movie, ": movie says ", source["seatsLeft"].dump(), " seats left, the view ", view_left);
  }
  return problems;
}
}  // namespace

SeededMovies seed_movies(const std::string& gateway, int count, int rows, int cols, const std::string& desc) {
  SeededMovies seeded;
  for (int m = 0; m < count; ++m) {
    auto movie = send(gateway, "POST", "/movies", nlohmann::json{{"desc", desc}}.dump());
    EXPECT_EQ(movie.status, 201) << movie.body;
    if (movie.status != 201) return seeded;
    seeded.movies.push_back(nlohmann::json::parse(movie.body)["movieId"].get<std::int64_t>());
    nlohmann::json request{{"startsAt", iso_utc(std::chrono::system_clock::now() + std::chrono::hours(24))},
                           {"hall", "1"}, {"rows", rows}, {"cols", cols}, {"price", 1000}};
    auto created = send(gateway, "POST", "/movies/" + std::to_string(seeded.movies.back()) + "/screenings", request.dump());
    EXPECT_EQ(created.status, 201) << created.body;
    if (created.status != 201) return seeded;
    seeded.screenings.push_back(nlohmann::json::parse(created.body)["screeningId"].get<std::int64_t>());
    EXPECT_TRUE(reservation_knows_screening(gateway, seeded.screenings.back()));
  }
  return seeded;
}

SoldReservations expect_sources_agree(const CinemaProcess& cinema, const std::vector<std::int64_t>& movies,
                                      const std::vector<std::string>& customers, std::chrono::seconds settle) {
  SoldReservations sold;
  std::vector<std::string> problems;
  eventually([&] { return (problems = disagreements(cinema.gateway(), movies, customers, sold)).empty(); },
             settle);
  for (const auto& problem : problems) ADD_FAILURE() << problem;
  return sold;
}

}  // namespace cinema::testing
