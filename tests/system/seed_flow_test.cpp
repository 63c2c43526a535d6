// System tier: the seed's four httpie commands (SPEC.md §2), unchanged, through the gateway of a
// fresh `cinema up`, and the event log they produce compared with the seed's.
#include <cstdio>
#include <map>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cinema_process.hpp"

namespace cinema::testing {
namespace {
using nlohmann::json;

// httpie as the seed runs it (--ignore-stdin: no terminal here): `http METHOD localhost:8088/path items`.
json httpie(const std::string& gateway, const std::string& method, const std::string& path,
            const std::string& items = {}) {
  auto command = "http --ignore-stdin --body " + method + " " + gateway + path + " " + items;
  auto output = run_command(command).output;
  auto parsed = json::parse(output, nullptr, false);
  EXPECT_FALSE(parsed.is_discarded()) << command << " printed: " << output;
  return parsed;
}

std::vector<json> event_log(const CinemaProcess& cinema) {
  auto output = run_command(cinema.event_bus_environment() + " " + CINEMA_BINARY + " events --no-follow").output;
  std::vector<json> events;
  std::size_t start = 0;
  for (auto end = output.find('\n'); end != std::string::npos; start = end + 1, end = output.find('\n', start))
    if (auto line = json::parse(output.substr(start, end - start), nullptr, false); line.is_object())
      events.push_back(line);
  return events;
}

std::vector<json> of_type(const std::vector<json>& events, const std::string& type) {
  std::vector<json> found;
  for (const auto& e : events)
    if (e["eventType"] == type) found.push_back(e);
  return found;
}

// Every field the seed's event has, with the seed's value (timestamps aside).
void expect_seed_fields(const std::vector<json>& events, const std::string& type, const json& seed) {
  auto found = of_type(events, type);
  ASSERT_EQ(found.size(), 1u) << type;
  for (const auto& [key, value] : seed.items()) EXPECT_EQ(found[0][key], value) << type << "." << key;
  EXPECT_EQ(found[0]["timestamp"].get<std::string>().size(), 14u) << type << ": yyyyMMddHHmmss";
  EXPECT_TRUE(found[0].contains("eventId") && found[0].contains("correlationId")) << type;
}

TEST(SeedFlow, TheSeedsHttpieCommandsWorkAndProduceTheSeedsEvents) {
  auto data_dir = std::filesystem::temp_directory_path() / ("cinema-seed-" + std::to_string(::getpid()));
  std::filesystem::remove_all(data_dir);
  CinemaProcess cinema(data_dir);
  auto gateway = "localhost:" + cinema.gateway().substr(cinema.gateway().find(':') + 1);

  auto movie = httpie(gateway, "POST", "/movies", "desc=\"Beautiful Movie~\"");
  EXPECT_EQ(movie["movieId"], 1);
  // Reservation learns of the movie and its screening through events, milliseconds later: until
  // then it answers 404 and holds nothing, so repeating the seed's command is safe.
  json reservation;
  ASSERT_TRUE(eventually([&] {
    reservation = httpie(gateway, "POST", "/reservations", "movieId=1 status=reqReserve");
    return reservation.contains("rsvId");
  }));
  EXPECT_EQ(reservation["rsvId"], 1);
  EXPECT_EQ(reservation["status"], "reserved");
  EXPECT_EQ(reservation["payId"], 1);

  auto cancel = httpie(gateway, "PATCH", "/reservations/1", "status=reqCancel");
  EXPECT_EQ(cancel["status"], "reqCancel");

  ASSERT_TRUE(eventually([&] { return httpie(gateway, "GET", "/reservations")[0]["status"] == "cancelled"; }));
  ASSERT_TRUE(eventually([&] { return of_type(event_log(cinema), "MovieCancelled").size() == 1; }));

  auto events = event_log(cinema);
  expect_seed_fields(events, "MovieRegistered",
                     {{"movieId", 1}, {"status", "available"}, {"desc", "Beautiful Movie~"}, {"reviewCnt", 0},
                      {"lastAction", "register"}});
  expect_seed_fields(events, "PaymentApproved", {{"payId", 1}, {"rsvId", 1}, {"movieId", 1}, {"status", "paid"}});
  expect_seed_fields(events, "ReservationCreated",
                     {{"rsvId", 1}, {"status", "reqReserve"}, {"payId", nullptr}, {"movieId", 1}});
  expect_seed_fields(events, "ReservationConfirmed", {{"rsvId", 1}, {"movieId", 1}, {"status", "reserved"}, {"payId", 1}});
  expect_seed_fields(events, "MovieReserved",
                     {{"status", "reserved"}, {"desc", "Beautiful Movie~"}, {"reviewCnt", 0}, {"lastAction", "reserved"},
                      {"movieId", 1}});
  expect_seed_fields(events, "ReservationCancelRequested",
                     {{"rsvId", 1}, {"movieId", 1}, {"status", "reqCancel"}, {"payId", 1}});
  expect_seed_fields(events, "PaymentCancelled", {{"payId", 1}, {"rsvId", 1}, {"movieId", 1}, {"status", "cancelled"}});
  expect_seed_fields(events, "ReservationCancelled", {{"rsvId", 1}, {"movieId", 1}, {"status", "cancelled"}, {"payId", 1}});
  expect_seed_fields(events, "MovieCancelled",
                     {{"movieId", 1}, {"status", "available"}, {"desc", "Beautiful Movie~"}, {"reviewCnt", 0},
                      {"lastAction", "cancelled"}});

  // Order as in the seed's log wherever it is guaranteed: events of one transaction, and events
  // caused by consuming an earlier one (same key, so same partition on Kafka). PaymentApproved and
  // ReservationCreated come from two services' outboxes and may appear in either order.
  std::map<std::string, std::size_t> position;
  for (std::size_t i = 0; i < events.size(); ++i) position[events[i]["eventType"]] = i;
  EXPECT_LT(position["ReservationCreated"], position["ReservationConfirmed"]);
  EXPECT_LT(position["ReservationConfirmed"], position["MovieReserved"]);
  EXPECT_LT(position["ReservationCancelRequested"], position["PaymentCancelled"]);
  EXPECT_LT(position["PaymentCancelled"], position["ReservationCancelled"]);
  EXPECT_LT(position["ReservationCancelled"], position["MovieCancelled"]);
  // One trace id follows the reservation from the gateway through payment into the events.
  EXPECT_EQ(of_type(events, "PaymentApproved")[0]["correlationId"], of_type(events, "ReservationConfirmed")[0]["correlationId"]);
  cinema.stop();
  std::filesystem::remove_all(data_dir);
}

}  // namespace
}  // namespace cinema::testing
