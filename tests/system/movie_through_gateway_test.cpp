// System tier: the real `cinema up` processes, driven over HTTP through the gateway.
#include <signal.h>

#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cinema_process.hpp"

namespace cinema::testing {
namespace {
using nlohmann::json;

class MovieThroughGateway : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    data_dir_ = std::filesystem::temp_directory_path() / ("cinema-system-" + std::to_string(::getpid()));
    std::filesystem::remove_all(data_dir_);
    cinema_ = new CinemaProcess(data_dir_);
  }
  static void TearDownTestSuite() {
    delete cinema_;
    std::filesystem::remove_all(data_dir_);
  }
  static http::Response call(const std::string& method, const std::string& target, const std::string& body = {}) {
    return send(cinema_->gateway(), method, target, body);
  }
  static json body_of(const http::Response& response) { return json::parse(response.body); }
  static std::int64_t create_movie(const std::string& desc) {
    auto response = call("POST", "/movies", json{{"desc", desc}}.dump());
    EXPECT_EQ(response.status, 201) << response.body;
    return body_of(response).at("movieId").get<std::int64_t>();
  }
  // Every error answer is JSON {"error","message"} with the given status.
  static json expect_error(const http::Response& response, int status) {
    EXPECT_EQ(response.status, status) << response.body;
    auto error = body_of(response);
    EXPECT_TRUE(error.contains("error") && error.contains("message")) << response.body;
    return error;
  }

  static inline std::filesystem::path data_dir_;
  static inline CinemaProcess* cinema_ = nullptr;
};

TEST_F(MovieThroughGateway, PostedMovieIsCreatedAndListed) {
  auto response = call("POST", "/movies", R"({"desc":"Beautiful Movie~"})");
  ASSERT_EQ(response.status, 201) << response.body;
  auto movie = body_of(response);
  auto id = movie.at("movieId").get<std::int64_t>();
  EXPECT_EQ(movie["desc"], "Beautiful Movie~");
  EXPECT_EQ(movie["status"], "available");
  EXPECT_EQ(movie["reviewCnt"], 0);
  EXPECT_EQ(movie["lastAction"], "register");
  EXPECT_EQ(response.headers.get("Location").value_or(""), "/movies/" + std::to_string(id));

  auto list = body_of(call("GET", "/movies?limit=1000"));
  auto found = std::find_if(list.begin(), list.end(), [&](const json& m) { return m["movieId"] == id; });
  ASSERT_NE(found, list.end());
  EXPECT_EQ((*found)["desc"], "Beautiful Movie~");
}

TEST_F(MovieThroughGateway, MovieCanBeReadReplacedPatchedAndDeleted) {
  auto id = std::to_string(create_movie("Happy Story!"));
  EXPECT_EQ(body_of(call("GET", "/movies/" + id))["desc"], "Happy Story!");

  auto replaced = call("PUT", "/movies/" + id, R"({"title":"Happy","desc":"A happy story"})");
  ASSERT_EQ(replaced.status, 200) << replaced.body;
  EXPECT_EQ(body_of(replaced)["lastAction"], "modify");

  auto patched = body_of(call("PATCH", "/movies/" + id, R"({"status":"soldOut"})"));
  EXPECT_EQ(patched["status"], "soldOut");
  EXPECT_EQ(patched["title"], "Happy");
  EXPECT_EQ(patched["version"], 3);

  EXPECT_EQ(call("DELETE", "/movies/" + id).status, 204);
  expect_error(call("GET", "/movies/" + id), 404);
  expect_error(call("DELETE", "/movies/" + id), 404);
}

TEST_F(MovieThroughGateway, BadInputGetsAClearErrorNeverACrash) {
  expect_error(call("POST", "/movies", "{not json"), 400);
  auto wrong_type = expect_error(call("POST", "/movies", R"({"desc":42})"), 400);
  EXPECT_NE(wrong_type["message"].get<std::string>().find("desc"), std::string::npos);
  auto missing = expect_error(call("POST", "/movies", R"({"title":"no desc"})"), 400);
  EXPECT_NE(missing["message"].get<std::string>().find("desc"), std::string::npos);
  auto unknown = expect_error(call("POST", "/movies", R"({"desc":"x","color":"red"})"), 400);
  EXPECT_NE(unknown["message"].get<std::string>().find("color"), std::string::npos);
  expect_error(call("PATCH", "/movies/1", R"({"status":"burning"})"), 400);
  expect_error(call("GET", "/movies/abc"), 400);
  expect_error(call("GET", "/movies/987654"), 404);
  expect_error(call("GET", "/no-such-route"), 404);
  auto not_allowed = call("DELETE", "/movies");
  expect_error(not_allowed, 405);
  EXPECT_NE(not_allowed.headers.get("Allow").value_or("").find("POST"), std::string::npos);
  expect_error(call("POST", "/movies", std::string(2 << 20, 'x')), 413);
  // The system still answers after all of that.
  EXPECT_EQ(call("GET", "/movies").status, 200);
}

TEST_F(MovieThroughGateway, DownMakesHealthDownUntilUp) {
  for (const auto& instance : {cinema_->gateway(), cinema_->service(0)}) {
    EXPECT_EQ(send(instance, "GET", "/actuator/health").status, 200);
    EXPECT_EQ(send(instance, "PUT", "/actuator/down").status, 200);
    auto down = send(instance, "GET", "/actuator/health");
    EXPECT_EQ(down.status, 503);
    EXPECT_EQ(body_of(down)["status"], "DOWN");
    EXPECT_EQ(send(instance, "GET", "/actuator/health/readiness").status, 503);
    EXPECT_EQ(send(instance, "GET", "/actuator/health/liveness").status, 200);
    EXPECT_EQ(send(instance, "PUT", "/actuator/up").status, 200);
    EXPECT_EQ(body_of(send(instance, "GET", "/actuator/health"))["status"], "UP");
  }
}

TEST_F(MovieThroughGateway, EchoAndInfoNameTheInstance) {
  auto echo = body_of(call("GET", "/actuator/echo"));
  EXPECT_EQ(echo["service"], "gateway");
  EXPECT_TRUE(echo.contains("host") && echo.contains("pid"));
  auto movie_info = body_of(send(cinema_->service(0), "GET", "/actuator/info"));
  EXPECT_EQ(movie_info["service"], "movie");
  EXPECT_GT(movie_info["residentMemoryBytes"].get<double>(), 0);
}

TEST_F(MovieThroughGateway, MetricsCountRequestsPerRoute) {
  create_movie("metrics");
  auto gateway_metrics = call("GET", "/metrics");
  ASSERT_EQ(gateway_metrics.status, 200);
  EXPECT_NE(gateway_metrics.body.find("http_requests_total{route=\"/movies\",method=\"POST\",status=\"201\"}"),
            std::string::npos);
  EXPECT_NE(gateway_metrics.body.find("gateway_upstream_requests_total{upstream=\"movie\",outcome=\"ok\"}"),
            std::string::npos);
  auto movie_metrics = send(cinema_->service(0), "GET", "/metrics").body;
  EXPECT_NE(movie_metrics.find("http_request_duration_seconds_bucket{route=\"/movies\",method=\"POST\",le="),
            std::string::npos);
  EXPECT_NE(movie_metrics.find("process_resident_memory_bytes"), std::string::npos);
}

TEST_F(MovieThroughGateway, TraceIdTravelsFromClientThroughGatewayIntoServiceLog) {
  const std::string trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
  http::Headers headers;
  headers.set("traceparent", "00-" + trace_id + "-00f067aa0ba902b7-01");
  auto response = send(cinema_->gateway(), "POST", "/movies", R"({"desc":7})", headers);
  EXPECT_EQ(response.status, 400);
  EXPECT_NE(response.headers.get("traceparent").value_or("").find(trace_id), std::string::npos);
  // A 4xx is logged at info by the movie service, with the trace id the gateway passed on.
  EXPECT_TRUE(eventually([&] {
    std::ifstream log(cinema_->data_dir() / "logs" / "movie.log");
    std::string text((std::istreambuf_iterator<char>(log)), {});
    return text.find("\"traceId\":\"" + trace_id + "\"") != std::string::npos;
  }));
}

TEST_F(MovieThroughGateway, SupervisorRestartsAServiceThatDies) {
  auto pid = body_of(send(cinema_->service(0), "GET", "/actuator/echo"))["pid"].get<int>();
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  EXPECT_TRUE(eventually(
      [&] {
        try {
          return body_of(send(cinema_->service(0), "GET", "/actuator/echo"))["pid"].get<int>() != pid;
        } catch (const std::exception&) {
          return false;
        }
      },
      std::chrono::seconds(15)));
  EXPECT_EQ(call("GET", "/movies").status, 200);
}

TEST(CinemaUp, ServiceNotRunningIsUnavailableWithJsonAndRetryAfter) {
  auto data_dir = std::filesystem::temp_directory_path() / ("cinema-only-" + std::to_string(::getpid()));
  std::filesystem::remove_all(data_dir);
  CinemaProcess cinema(data_dir, {"--only", "movie,gateway"});
  // The gateway answers for a service that is not running instead of hanging or crashing.
  auto response = send(cinema.gateway(), "GET", "/payments");
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(json::parse(response.body)["error"], "service_unavailable");
  EXPECT_EQ(response.headers.get("Retry-After"), std::optional<std::string_view>("1"));
  EXPECT_EQ(send(cinema.gateway(), "GET", "/movies").status, 200);
  cinema.stop();
  std::filesystem::remove_all(data_dir);
}

TEST(CinemaUp, DataSurvivesAStopAndRestart) {
  auto data_dir = std::filesystem::temp_directory_path() / ("cinema-restart-" + std::to_string(::getpid()));
  std::filesystem::remove_all(data_dir);
  std::string id;
  {
    CinemaProcess first(data_dir);
    auto created = send(first.gateway(), "POST", "/movies", R"({"desc":"Beautiful Movie~"})");
    ASSERT_EQ(created.status, 201);
    id = std::to_string(json::parse(created.body)["movieId"].get<int>());
    EXPECT_EQ(first.stop(), 0) << "cinema up should exit cleanly on SIGTERM";
    EXPECT_NE(first.output().find("stopped"), std::string::npos);
  }
  CinemaProcess second(data_dir);
  auto movie = send(second.gateway(), "GET", "/movies/" + id);
  ASSERT_EQ(movie.status, 200);
  EXPECT_EQ(json::parse(movie.body)["desc"], "Beautiful Movie~");
  second.stop();
  std::filesystem::remove_all(data_dir);
}

}  // namespace
}  // namespace cinema::testing
