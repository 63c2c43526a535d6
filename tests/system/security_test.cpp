// System tier: who may do what (docs/SECURITY.md), against `cinema up --security enforce`. Every
// route through the gateway and on the service ports, with no token, with each kind of bad token,
// and as a customer, another customer, a manager and a service; then a scan of the data directory
// for any token. The seed's tour in dev mode is SeedFlow's.
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cinema_process.hpp"
#include "unsigned_token.hpp"
#include "core/security/token.hpp"
#include "core/time.hpp"

namespace cinema::testing {
namespace {
using nlohmann::json;
using namespace std::chrono_literals;
using security::Role;

enum Port { kMovie = 0, kReservation = 1, kPayment = 2, kMessage = 3, kViewpage = 4 };

std::string read_file(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

// Every caller of the matrix: a name and the Authorization it sends (empty: none).
struct Caller {
  std::string name;
  std::string authorization;
};

class SecurityMatrix : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    data_dir_ = std::filesystem::temp_directory_path() / ("cinema-security-" + std::to_string(::getpid()));
    std::filesystem::remove_all(data_dir_);
    // The matrix sends a few hundred requests at once from one address: RateLimits has the limits.
    for (const char* limit : {"ADDRESS", "IDENTITY", "RESERVATIONS"})
      ::setenv(("GATEWAY_LIMITS_" + std::string(limit) + "_PER_SECOND").c_str(), "0", 1);
    cinema_ = new CinemaProcess(data_dir_, {"--security", "enforce"});
    auto secret = read_file(data_dir_ / "security" / "jwt.secret");
    while (!secret.empty() && secret.back() == '\n') secret.pop_back();
    security::TokenSettings settings{.secret = secret};
    security::TokenMinter minter(settings);
    auto now = security::Clock::now();
    auto bearer = [](const std::string& token) { return "Bearer " + token; };
    tokens_ = new std::map<std::string, std::string>{
        {"kim", bearer(minter.mint({"kim", Role::customer}, 1h, now))},
        {"lee", bearer(minter.mint({"lee", Role::customer}, 1h, now))},
        {"manager", bearer(minter.mint({"m1", Role::manager}, 1h, now))},
        {"service", bearer(minter.mint({"reservation", Role::service}, 1h, now))},
        {"expired", bearer(minter.mint({"m1", Role::manager}, 1min, now - 2h))},
        {"not_yet_valid", bearer(minter.mint({"m1", Role::manager}, 2h, now + 1h))},
    };
    security::TokenSettings other_key{.secret = std::string(32, 'x')};
    (*tokens_)["wrong_signature"] = bearer(security::TokenMinter(other_key).mint({"m1", Role::manager}, 1h, now));
    security::TokenSettings other_audience{.secret = secret, .audience = "another-app"};
    (*tokens_)["wrong_audience"] = bearer(security::TokenMinter(other_audience).mint({"m1", Role::manager}, 1h, now));
    auto claims = json{{"iss", "cinema"}, {"aud", "cinema"}, {"sub", "m1"}, {"role", "manager"},
                       {"exp", std::chrono::duration_cast<std::chrono::seconds>((now + 1h).time_since_epoch()).count()}};
    (*tokens_)["alg_none"] = bearer(unsigned_token(R"({"alg":"none","typ":"JWT"})", claims.dump()));
  }
  static void TearDownTestSuite() {
    delete cinema_;
    cinema_ = nullptr;
    delete tokens_;
    std::filesystem::remove_all(data_dir_);
  }

  static http::Headers as(const std::string& who) {
    http::Headers headers;
    if (who != "none") headers.set("Authorization", tokens_->at(who));
    return headers;
  }
  static http::Response call(const std::string& who, const std::string& method, const std::string& target,
                             const json& body = nullptr, const std::string& where = "") {
    return send(where.empty() ? cinema_->gateway() : where, method, target, body.is_null() ? "" : body.dump(), as(who));
  }
  static json parsed(const http::Response& response) { return json::parse(response.body); }

  // A movie with a screening tomorrow, made by the manager; returns {movieId, screeningId}.
  static std::pair<std::int64_t, std::int64_t> screening() {
    auto movie = parsed(call("manager", "POST", "/movies", {{"desc", "secured"}}))["movieId"].get<std::int64_t>();
    auto created = call("manager", "POST", "/movies/" + std::to_string(movie) + "/screenings",
                        {{"startsAt", iso_utc(std::chrono::system_clock::now() + 24h)}, {"hall", "1"}, {"rows", 3},
                         {"cols", 4}, {"price", 9000}});
    EXPECT_EQ(created.status, 201) << created.body;
    auto id = parsed(created)["screeningId"].get<std::int64_t>();
    EXPECT_TRUE(reservation_knows_screening(cinema_->gateway(), id, as("manager")));
    return {movie, id};
  }

  static inline std::filesystem::path data_dir_;
  static inline CinemaProcess* cinema_ = nullptr;
  static inline std::map<std::string, std::string>* tokens_ = nullptr;
};

const std::vector<std::string> kBadTokens = {"expired", "not_yet_valid", "wrong_signature", "alg_none", "wrong_audience"};

TEST_F(SecurityMatrix, EveryRouteThroughTheGatewayGivesEachCallerItsDesignedStatus) {
  auto [movie, screening_id] = screening();
  auto m = std::to_string(movie);
  auto kims = call("kim", "POST", "/reservations", {{"screeningId", screening_id}, {"seats", {"A1"}}});
  ASSERT_EQ(kims.status, 201) << kims.body;
  EXPECT_EQ(parsed(kims)["customerId"], "kim") << "customerId comes from the token";
  auto rsv = std::to_string(parsed(kims)["rsvId"].get<std::int64_t>());
  auto pay_id = std::to_string(parsed(call("kim", "GET", "/payments?rsvId=" + rsv)).at(0)["payId"].get<std::int64_t>());
  ASSERT_TRUE(eventually([&] { return !parsed(call("kim", "GET", "/messages")).empty(); }));
  auto message_id = std::to_string(parsed(call("kim", "GET", "/messages")).at(0)["messageId"].get<std::int64_t>());

  struct Row {
    std::string method, target;
    json body;
    std::map<std::string, int> expected;  // by caller; every bad token is 401 and a service token 403 here
  };
  const json new_movie{{"desc", "another"}};
  const json show{{"startsAt", iso_utc(std::chrono::system_clock::now() + 48h)}, {"hall", "2"}, {"rows", 1},
                  {"cols", 1}, {"price", 1000}};
  const json forged_payment{{"rsvId", 99}, {"movieId", movie}, {"amount", 1}, {"customerId", "lee"}};
  std::vector<Row> rows = {
      {"GET", "/movies", nullptr, {{"none", 200}, {"kim", 200}, {"lee", 200}, {"manager", 200}}},
      {"GET", "/movies/" + m, nullptr, {{"none", 200}, {"kim", 200}, {"manager", 200}}},
      {"POST", "/movies", new_movie, {{"none", 401}, {"kim", 403}, {"manager", 201}}},
      {"PATCH", "/movies/" + m, {{"desc", "secured, patched"}}, {{"none", 401}, {"kim", 403}, {"manager", 200}}},
      {"PUT", "/movies/" + m, {{"desc", "secured, replaced"}}, {{"none", 401}, {"lee", 403}, {"manager", 200}}},
      {"POST", "/movies/" + m + "/screenings", show, {{"none", 401}, {"kim", 403}, {"manager", 201}}},
      {"GET", "/movies/" + m + "/screenings", nullptr, {{"none", 200}, {"kim", 200}}},
      {"GET", "/movies/" + m + "/reviews", nullptr, {{"none", 200}, {"lee", 200}}},
      {"POST", "/movies/" + m + "/reviews", {{"rating", 5}}, {{"none", 401}, {"manager", 400}}},
      {"POST", "/movies/" + m + "/reviews", {{"rating", 1}, {"customerId", "kim"}}, {{"lee", 403}}},
      {"POST", "/reservations", {{"screeningId", screening_id}, {"seats", {"A2"}}, {"customerId", "kim"}},
       {{"none", 401}, {"lee", 403}}},
      {"POST", "/reservations", {{"screeningId", screening_id}, {"seats", {"A3"}}}, {{"lee", 201}}},
      {"GET", "/reservations", nullptr, {{"none", 401}, {"kim", 200}, {"manager", 200}}},
      {"GET", "/reservations?customerId=kim", nullptr, {{"lee", 403}, {"kim", 200}}},
      {"GET", "/reservations/" + rsv, nullptr, {{"none", 401}, {"kim", 200}, {"lee", 403}, {"manager", 200}}},
      {"PATCH", "/reservations/" + rsv, {{"status", "reqCancel"}}, {{"none", 401}, {"lee", 403}}},
      {"GET", "/payments", nullptr, {{"none", 401}, {"kim", 200}, {"manager", 200}}},
      {"GET", "/payments/" + pay_id, nullptr, {{"none", 401}, {"kim", 200}, {"lee", 403}, {"manager", 200}}},
      {"POST", "/payments", forged_payment, {{"none", 405}, {"kim", 405}, {"manager", 405}}},
      {"POST", "/payments/void", forged_payment, {{"none", 405}, {"lee", 405}}},
      {"GET", "/messages", nullptr, {{"none", 401}, {"kim", 200}, {"manager", 400}}},
      {"GET", "/messages?customerId=kim", nullptr, {{"lee", 403}, {"manager", 200}}},
      {"GET", "/messages/" + message_id, nullptr, {{"none", 401}, {"kim", 200}, {"lee", 403}, {"manager", 200}}},
      {"GET", "/movieViews", nullptr, {{"none", 200}, {"kim", 200}}},
      {"GET", "/movieViews/" + m, nullptr, {{"none", 200}, {"manager", 200}}},
      {"GET", "/reservationViews", nullptr, {{"none", 401}, {"kim", 200}, {"manager", 400}}},
      {"GET", "/reservationViews?customerId=kim", nullptr, {{"lee", 403}, {"kim", 200}, {"manager", 200}}},
      {"GET", "/viewpage/lag", nullptr, {{"none", 401}, {"kim", 403}, {"manager", 200}}},
      {"POST", "/viewpage/replay", nullptr, {{"none", 401}, {"lee", 403}, {"manager", 202}}},
      {"PUT", "/actuator/down", nullptr, {{"none", 401}, {"kim", 403}}},
      {"GET", "/actuator/health", nullptr, {{"none", 200}, {"expired", 200}, {"kim", 200}}},
  };
  for (const auto& row : rows) {
    std::map<std::string, int> expected = row.expected;
    if (row.target != "/actuator/health") {
      for (const auto& bad : kBadTokens) expected.emplace(bad, 401);
      expected.emplace("service", 403);
    }
    for (const auto& [who, status] : expected) {
      auto answer = call(who, row.method, row.target, row.body);
      EXPECT_EQ(answer.status, status) << who << " " << row.method << " " << row.target << ": " << answer.body;
      if (answer.status == 401) {
        EXPECT_TRUE(answer.headers.get("WWW-Authenticate")) << row.method << " " << row.target;
      }
      if (answer.status >= 400) {
        EXPECT_TRUE(parsed(answer).contains("error")) << answer.body;
      }
    }
  }
  // What a customer lists is theirs only; a manager's list has everyone's.
  for (const auto& r : parsed(call("kim", "GET", "/reservations"))) EXPECT_EQ(r["customerId"], "kim");
  for (const auto& p : parsed(call("kim", "GET", "/payments"))) EXPECT_EQ(p["customerId"], "kim");
  EXPECT_EQ(parsed(call("manager", "GET", "/reservations")).size(), 2u);
  // The manager sets the gateway down and up again; kim's own cancel goes through.
  EXPECT_EQ(call("manager", "PUT", "/actuator/down").status, 200);
  EXPECT_EQ(call("manager", "PUT", "/actuator/up").status, 200);
  EXPECT_EQ(call("kim", "PATCH", "/reservations/" + rsv, {{"status", "reqCancel"}}).status, 200);
}

TEST_F(SecurityMatrix, AServicePortHearsOnlyPeerServices) {
  auto [movie, screening_id] = screening();
  struct Row {
    Port port;
    std::string method, target;
    json body;
    int as_service;  // what a peer's service token gets: the route's own answer, or 403 for an end user's route
  };
  std::vector<Row> rows = {
      {kMovie, "GET", "/movies", nullptr, 200},
      {kMovie, "POST", "/movies", {{"desc", "direct"}}, 403},
      {kMovie, "DELETE", "/movies/" + std::to_string(movie), nullptr, 403},
      {kReservation, "GET", "/reservations", nullptr, 403},
      {kReservation, "POST", "/reservations", {{"screeningId", screening_id}, {"seats", {"C1"}}}, 403},
      {kPayment, "POST", "/payments", {{"rsvId", "not a number"}}, 400},  // admitted, then the body is refused
      {kPayment, "POST", "/payments/void", {{"rsvId", "not a number"}}, 400},
      {kPayment, "GET", "/payments", nullptr, 403},
      {kMessage, "GET", "/messages?customerId=kim", nullptr, 403},
      {kViewpage, "GET", "/movieViews", nullptr, 200},
      {kViewpage, "POST", "/viewpage/replay", nullptr, 403},
      {kViewpage, "PUT", "/actuator/down", nullptr, 403},
  };
  for (const auto& row : rows) {
    auto where = cinema_->service(row.port);
    auto expect = [&](const std::string& who, int status) {
      auto answer = call(who, row.method, row.target, row.body, where);
      EXPECT_EQ(answer.status, status) << who << " " << row.method << " " << where << row.target << ": " << answer.body;
    };
    expect("none", 401);
    for (const auto& bad : kBadTokens) expect(bad, 401);
    for (const char* end_user : {"kim", "manager"}) expect(end_user, 403);
    expect("service", row.as_service);
  }
  // A forged gateway: the headers that name the end user count only with the gateway's token.
  http::Headers forged = as("service");
  forged.set("X-Cinema-Role", "manager");
  forged.set("X-Cinema-Subject", "m1");
  EXPECT_EQ(send(cinema_->service(kMovie), "POST", "/movies", R"({"desc":"x"})", forged).status, 403);
  // Probes answer anyone, as Kubernetes sends them.
  EXPECT_EQ(call("none", "GET", "/actuator/health/readiness", nullptr, cinema_->service(kPayment)).status, 200);
  EXPECT_EQ(call("none", "GET", "/metrics", nullptr, cinema_->service(kReservation)).status, 200);
}

TEST_F(SecurityMatrix, NoTokenAndNoCardNumberIsWrittenAnywhere) {
  auto [movie, screening_id] = screening();
  auto card = "4111111111111111";
  auto answer = call("lee", "POST", "/reservations",
                     {{"screeningId", screening_id}, {"seats", {"B4"}}, {"cardNumber", card}});
  ASSERT_EQ(answer.status, 201) << answer.body;
  ASSERT_TRUE(cinema_->audit().clean());
  std::vector<std::string> secrets = {card};
  for (const auto& [name, value] : *tokens_) secrets.push_back(value.substr(std::string("Bearer ").size()));
  for (const auto& entry : std::filesystem::recursive_directory_iterator(data_dir_)) {
    if (!entry.is_regular_file()) continue;
    auto contents = read_file(entry.path());
    for (const auto& secret : secrets)
      EXPECT_EQ(contents.find(secret), std::string::npos) << entry.path() << " holds " << secret.substr(0, 24) << "...";
  }
}

TEST(RateLimits, AFloodOfReservationsIs429WithRetryAfterAndOthersGoOn) {
  auto data_dir = std::filesystem::temp_directory_path() / ("cinema-limits-" + std::to_string(::getpid()));
  std::filesystem::remove_all(data_dir);
  ::setenv("GATEWAY_LIMITS_RESERVATIONS_PER_SECOND", "1", 1);
  ::setenv("GATEWAY_LIMITS_RESERVATIONS_BURST", "2", 1);
  ::setenv("GATEWAY_LIMITS_IDENTITY_PER_SECOND", "1", 1);
  ::setenv("GATEWAY_LIMITS_IDENTITY_BURST", "30", 1);
  CinemaProcess cinema(data_dir, {"--security", "enforce"});
  auto secret = read_file(data_dir / "security" / "jwt.secret");
  secret.pop_back();  // the newline
  security::TokenMinter minter({.secret = secret});
  auto as = [&](const std::string& sub, Role role) {
    http::Headers headers;
    headers.set("Authorization", "Bearer " + minter.mint({sub, role}, 1h, security::Clock::now()));
    return headers;
  };
  auto manager = as("m1", Role::manager), kim = as("kim", Role::customer), lee = as("lee", Role::customer);
  auto movie = json::parse(send(cinema.gateway(), "POST", "/movies", R"({"desc":"busy"})", manager).body);
  auto screening = send(cinema.gateway(), "POST", "/movies/" + std::to_string(movie["movieId"].get<int>()) + "/screenings",
                        json{{"startsAt", iso_utc(std::chrono::system_clock::now() + 24h)}, {"hall", "1"}, {"rows", 5},
                             {"cols", 5}, {"price", 100}}.dump(), manager);
  ASSERT_EQ(screening.status, 201) << screening.body;
  auto id = json::parse(screening.body)["screeningId"].get<std::int64_t>();
  ASSERT_TRUE(reservation_knows_screening(cinema.gateway(), id, manager));
  auto reserve = [&](const http::Headers& who, const std::string& seat) {
    return send(cinema.gateway(), "POST", "/reservations", json{{"screeningId", id}, {"seats", {seat}}}.dump(), who);
  };
  // Burst 2, one more a second: of four in a row at least one is turned away, however slow the machine.
  std::vector<int> statuses;
  std::optional<http::Response> flooded;
  for (const char* seat : {"A1", "A2", "A3", "A4"}) {
    auto answer = reserve(kim, seat);
    statuses.push_back(answer.status);
    if (answer.status == 429 && !flooded) flooded = answer;
  }
  ASSERT_TRUE(flooded) << "no 429 among " << ::testing::PrintToString(statuses);
  EXPECT_EQ(statuses[0], 201);
  EXPECT_EQ(statuses[1], 201);
  EXPECT_EQ(json::parse(flooded->body)["error"], "rate_limited");
  EXPECT_EQ(flooded->headers.get("Retry-After").value_or(""), "1");
  EXPECT_EQ(reserve(lee, "B1").status, 201) << "another customer has a bucket of their own";
  int status = 0;  // a try every 400 ms: kim's bucket earns a token a second
  for (int tries = 0; tries < 8 && status != 201; ++tries) {
    std::this_thread::sleep_for(400ms);
    status = reserve(kim, "C1").status;
  }
  EXPECT_EQ(status, 201) << "kim's bucket fills up again";
  // The per-identity limit: 30 at once, then 429 for kim's reads too.
  int refused = 0;
  for (int i = 0; i < 40; ++i) refused += send(cinema.gateway(), "GET", "/reservations", "", kim).status == 429;
  EXPECT_GE(refused, 5);
  auto metrics = send(cinema.gateway(), "GET", "/metrics").body;
  EXPECT_GE(counter_value(metrics, R"(gateway_rate_limited_total{limit="reservations"})"), 1);
  EXPECT_GE(counter_value(metrics, R"(gateway_rate_limited_total{limit="identity"})"), 5);
  for (const char* name : {"GATEWAY_LIMITS_RESERVATIONS_PER_SECOND", "GATEWAY_LIMITS_RESERVATIONS_BURST",
                           "GATEWAY_LIMITS_IDENTITY_PER_SECOND", "GATEWAY_LIMITS_IDENTITY_BURST"})
    ::unsetenv(name);
  cinema.stop();
  std::filesystem::remove_all(data_dir);
}

}  // namespace
}  // namespace cinema::testing
