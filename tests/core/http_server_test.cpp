// Component tier: a real Server on 127.0.0.1, driven by http::Client and raw sockets.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "core/http/errors.hpp"
#include "core/trace.hpp"
#include "test_server.hpp"

namespace cinema::http {
namespace {
using namespace std::chrono_literals;
using test_support::make_request;
using test_support::RawConnection;
using test_support::TestServer;
using test_support::TestServerOptions;
using test_support::wait_until;
using Clock = std::chrono::steady_clock;

Response text(std::string body) { return Response{.status = 200, .headers = {}, .body = std::move(body)}; }

void hello_route(Router& router) {
  router.add_sync("GET", "/hello", cinema::security::Access::open, [](Request&) { return text("hello world"); });
}

nlohmann::json body_json(const Response& response) {
  auto parsed = nlohmann::json::parse(response.body, nullptr, false);
  EXPECT_FALSE(parsed.is_discarded()) << "not JSON: " << response.body;
  return parsed;
}

bool contains(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

TestServerOptions with_timeouts(std::chrono::milliseconds header, std::chrono::milliseconds idle) {
  TestServerOptions options;
  options.server.header_timeout = header;
  options.server.idle_timeout = idle;
  return options;
}

TEST(HttpServer, RouteReturnsItsBody) {
  TestServer server([](Router& router) {
    router.add_sync("GET", "/movies/{id}", cinema::security::Access::open, [](Request& r) {
      return Response::json(200, R"({"id":)" + std::string(r.path_param("id")) + "}");
    });
  });
  auto response = server.send(make_request("GET", "/movies/12?x=1"));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, R"({"id":12})");
  EXPECT_EQ(response.headers.get("Content-Type"), "application/json");
}

TEST(HttpServer, HandlerSeesMethodBodyHeadersAndRemoteAddress) {
  TestServer server([](Router& router) {
    router.add_sync("POST", "/echo", cinema::security::Access::open, [](Request& r) {
      return text(r.method + "|" + r.body + "|" + std::string(r.headers.get("x-note").value_or("?")) + "|" +
                  r.remote_address);
    });
  });
  auto request = make_request("POST", "/echo", "payload");
  request.headers.set("X-Note", "noted");
  EXPECT_EQ(server.send(std::move(request)).body, "POST|payload|noted|127.0.0.1");
}

TEST(HttpServer, AConnectionThatFailsOutsideTheHandlerEndsAloneNotTheServer) {
  // A 204 with a body is refused by Beast while the answer is prepared, after the pipeline: only
  // that connection may end.
  TestServer server([](Router& router) {
    hello_route(router);
    router.add_sync("GET", "/broken", cinema::security::Access::open, [](Request&) { return Response{.status = 204, .headers = {}, .body = "x"}; });
  });
  EXPECT_ANY_THROW(server.send(make_request("GET", "/broken")));
  auto after = server.send(make_request("GET", "/hello"));
  EXPECT_EQ(after.status, 200);
  EXPECT_EQ(after.body, "hello world");
}

TEST(HttpServer, KeepAliveAnswersTwoRequestsOnOneConnection) {
  TestServer server(hello_route);
  RawConnection connection(server.port());
  for (int i = 0; i < 2; ++i) {
    connection.send("GET /hello HTTP/1.1\r\nHost: test\r\n\r\n");
    auto reply = connection.read_response();
    ASSERT_FALSE(reply.error) << "request " << i << ": " << reply.error.message();
    EXPECT_EQ(reply.response.result_int(), 200);
    EXPECT_EQ(reply.response.body(), "hello world");
    EXPECT_TRUE(reply.response.keep_alive());
  }
}

TEST(HttpServer, PipelinedRequestsAreAnsweredInOrder) {
  TestServer server([](Router& router) {
    router.add_sync("GET", "/{name}", cinema::security::Access::open, [](Request& r) { return text(std::string(r.path_param("name"))); });
  });
  RawConnection connection(server.port());
  connection.send("GET /first HTTP/1.1\r\nHost: test\r\n\r\nGET /second HTTP/1.1\r\nHost: test\r\n\r\n");
  auto first = connection.read_response();
  auto second = connection.read_response();
  ASSERT_FALSE(first.error) << first.error.message();
  ASSERT_FALSE(second.error) << second.error.message();
  EXPECT_EQ(first.response.body(), "first");
  EXPECT_EQ(second.response.body(), "second");
}

TEST(HttpServer, ConnectionCloseRequestIsAnsweredThenClosed) {
  TestServer server(hello_route);
  RawConnection connection(server.port());
  connection.send("GET /hello HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
  auto reply = connection.read_response();
  ASSERT_FALSE(reply.error) << reply.error.message();
  EXPECT_FALSE(reply.response.keep_alive());
  EXPECT_TRUE(RawConnection::closed_by_peer(connection.wait_closed(1s)));
}

TEST(HttpServer, UnknownRouteIs404Json) {
  TestServer server(hello_route);
  auto response = server.send(make_request("GET", "/nowhere"));
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.headers.get("Content-Type"), "application/json");
  auto body = body_json(response);
  EXPECT_EQ(body["error"], "not_found");
  EXPECT_TRUE(contains(body["message"].get<std::string>(), "/nowhere")) << response.body;
}

TEST(HttpServer, WrongMethodIs405WithAllowHeader) {
  TestServer server([](Router& router) {
    router.add_sync("GET", "/items/{id}", cinema::security::Access::open, [](Request&) { return text("get"); });
    router.add_sync("PUT", "/items/{id}", cinema::security::Access::open, [](Request&) { return text("put"); });
  });
  auto response = server.send(make_request("DELETE", "/items/1"));
  EXPECT_EQ(response.status, 405);
  EXPECT_EQ(response.headers.get("Allow"), "GET, PUT");
  EXPECT_EQ(body_json(response)["error"], "method_not_allowed");
}

TEST(HttpServer, HeadAnswersWithGetsLengthButNoBody) {
  TestServer server(hello_route);
  auto response = server.send(make_request("HEAD", "/hello"));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "");
  EXPECT_EQ(response.headers.get("Content-Length"), "11");
}

TEST(HttpServer, BodyOverLimitIs413JsonAndTheClientStillReadsIt) {
  std::atomic<bool> handler_ran{false};
  TestServerOptions options;
  options.server.body_limit = 1024;
  TestServer server(
      [&](Router& router) {
        router.add_sync("POST", "/upload", cinema::security::Access::open, [&](Request& r) {
          handler_ran = true;
          return text(std::to_string(r.body.size()));
        });
      },
      options);
  EXPECT_EQ(server.send(make_request("POST", "/upload", std::string(1024, 'a'))).body, "1024") << "at the limit";
  handler_ran = false;

  // Bigger than the socket buffers, so the server must read past its answer for the client to finish.
  auto response = server.send(make_request("POST", "/upload", std::string(512 * 1024, 'b')));
  EXPECT_EQ(response.status, 413);
  EXPECT_EQ(response.headers.get("Content-Type"), "application/json");
  EXPECT_EQ(body_json(response)["error"], "payload_too_large");
  EXPECT_FALSE(handler_ran);
}

TEST(HttpServer, DeclaredOversizedBodyIsRefusedBeforeItIsSent) {
  TestServerOptions options;
  options.server.body_limit = 1024;
  TestServer server([](Router& router) { router.add_sync("POST", "/upload", cinema::security::Access::open, [](Request&) { return text("ok"); }); },
                    options);
  RawConnection connection(server.port());
  connection.send("POST /upload HTTP/1.1\r\nHost: test\r\nContent-Length: 10000000\r\n\r\n");
  auto reply = connection.read_response();
  ASSERT_FALSE(reply.error) << reply.error.message();
  EXPECT_EQ(reply.response.result_int(), 413);
  EXPECT_FALSE(reply.response.keep_alive());
}

TEST(HttpServer, MalformedRequestIs400) {
  TestServer server(hello_route);
  RawConnection connection(server.port());
  connection.send("GET /hello HTTP/1.1\r\nHost: test\r\nContent-Length: nope\r\n\r\n");
  auto reply = connection.read_response();
  ASSERT_FALSE(reply.error) << reply.error.message();
  EXPECT_EQ(reply.response.result_int(), 400);
  EXPECT_TRUE(contains(reply.response.body(), "bad_request")) << reply.response.body();
}

TEST(HttpServer, HandlerBadRequestIs400NamingTheField) {
  TestServer server([](Router& router) {
    router.add_sync("POST", "/movies", cinema::security::Access::open, [](Request&) -> Response { throw BadRequest("desc", "must be a string"); });
  });
  auto response = server.send(make_request("POST", "/movies", "{}"));
  EXPECT_EQ(response.status, 400);
  auto body = body_json(response);
  EXPECT_EQ(body["error"], "bad_request");
  EXPECT_TRUE(contains(body["message"].get<std::string>(), "desc")) << response.body;
  EXPECT_TRUE(contains(body["message"].get<std::string>(), "must be a string")) << response.body;
}

TEST(HttpServer, OtherHttpErrorsKeepTheirStatusAndCode) {
  TestServer server([](Router& router) {
    router.add_sync("POST", "/seats", cinema::security::Access::open, [](Request&) -> Response { throw Conflict("seat taken"); });
  });
  auto response = server.send(make_request("POST", "/seats"));
  EXPECT_EQ(response.status, 409);
  EXPECT_EQ(body_json(response)["error"], "conflict");
}

TEST(HttpServer, HandlerRuntimeErrorIs500WithoutLeakingTheMessage) {
  TestServer server([](Router& router) {
    router.add("GET", "/boom", cinema::security::Access::open, [](Request&) -> Awaitable {
      throw std::runtime_error("db password is hunter2");
      co_return text("unreachable");
    });
  });
  auto response = server.send(make_request("GET", "/boom"));
  EXPECT_EQ(response.status, 500);
  EXPECT_EQ(response.headers.get("Content-Type"), "application/json");
  auto body = body_json(response);
  EXPECT_EQ(body["error"], "internal");
  EXPECT_FALSE(contains(response.body, "hunter2")) << response.body;

  auto trace = parse_traceparent(response.headers.get("traceparent").value_or(""));
  ASSERT_TRUE(trace.has_value());
  EXPECT_TRUE(contains(response.body, trace->trace_id)) << "the body points at the trace to look up";
  auto log = server.log_text();
  EXPECT_TRUE(contains(log, "hunter2")) << "the cause goes to the service log: " << log;
  EXPECT_TRUE(contains(log, trace->trace_id)) << log;
}

TEST(HttpServer, IncomingTraceparentKeepsItsTraceId) {
  TestServer server([](Router& router) { router.add_sync("GET", "/trace", cinema::security::Access::open, [](Request& r) { return text(r.trace_id); }); });
  auto request = make_request("GET", "/trace");
  request.headers.set("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  auto response = server.send(std::move(request));
  EXPECT_EQ(response.body, "4bf92f3577b34da6a3ce929d0e0e4736") << "the handler sees the caller's trace";
  auto returned = parse_traceparent(response.headers.get("traceparent").value_or(""));
  ASSERT_TRUE(returned.has_value()) << response.headers.get("traceparent").value_or("(none)");
  EXPECT_EQ(returned->trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_NE(returned->span_id, "00f067aa0ba902b7") << "the server's span is its own";
}

TEST(HttpServer, AbsentOrInvalidTraceparentGetsAFreshTraceId) {
  TestServer server([](Router& router) { router.add_sync("GET", "/trace", cinema::security::Access::open, [](Request& r) { return text(r.trace_id); }); });
  auto first = server.send(make_request("GET", "/trace"));
  auto invalid = make_request("GET", "/trace");
  invalid.headers.set("traceparent", "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01");
  auto second = server.send(std::move(invalid));

  auto first_trace = parse_traceparent(first.headers.get("traceparent").value_or(""));
  auto second_trace = parse_traceparent(second.headers.get("traceparent").value_or(""));
  ASSERT_TRUE(first_trace.has_value());
  ASSERT_TRUE(second_trace.has_value());
  EXPECT_EQ(first_trace->trace_id, first.body);
  EXPECT_EQ(second_trace->trace_id, second.body);
  EXPECT_NE(first_trace->trace_id, second_trace->trace_id);
  EXPECT_NE(second_trace->trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
}

TEST(HttpServer, MetricsCountRequestsPerRoute) {
  TestServerOptions options;
  options.actuator = true;
  TestServer server(
      [](Router& router) {
        hello_route(router);
        router.add_sync("GET", "/items/{id}", cinema::security::Access::open, [](Request&) { return text("item"); });
      },
      options);
  server.send(make_request("GET", "/items/1"));
  server.send(make_request("GET", "/items/2"));
  server.send(make_request("GET", "/hello"));
  server.send(make_request("GET", "/nowhere"));
  auto response = server.send(make_request("GET", "/metrics"));
  ASSERT_EQ(response.status, 200);
  EXPECT_TRUE(contains(response.headers.get("Content-Type").value_or(""), "text/plain"));
  const auto& text = response.body;
  EXPECT_TRUE(contains(text, "http_requests_total{route=\"/items/{id}\",method=\"GET\",status=\"200\"} 2\n")) << text;
  EXPECT_TRUE(contains(text, "http_requests_total{route=\"/hello\",method=\"GET\",status=\"200\"} 1\n")) << text;
  EXPECT_TRUE(contains(text, "http_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\"} 1\n")) << text;
  EXPECT_TRUE(contains(text, "http_request_duration_seconds_count{route=\"/items/{id}\",method=\"GET\"} 2\n")) << text;
  EXPECT_FALSE(contains(text, "route=\"/items/1\"")) << "paths are not labels";
}

TEST(HttpServer, IdleKeepAliveConnectionIsClosedAfterIdleTimeout) {
  TestServer server(hello_route, with_timeouts(5s, 200ms));
  RawConnection connection(server.port());
  connection.send("GET /hello HTTP/1.1\r\nHost: test\r\n\r\n");
  ASSERT_FALSE(connection.read_response().error);
  auto idle_since = Clock::now();
  auto ended = connection.wait_closed(2s);
  auto idle = Clock::now() - idle_since;
  EXPECT_TRUE(RawConnection::closed_by_peer(ended)) << ended.message();
  EXPECT_GE(idle, 150ms);
  EXPECT_LT(idle, 1s);
}

TEST(HttpServer, HalfSentRequestIsClosedAfterHeaderTimeout) {
  TestServer server(hello_route, with_timeouts(200ms, 5s));
  RawConnection connection(server.port());
  auto started = Clock::now();
  connection.send("GET /hello HTTP/1.1\r\nHost: test\r\n");  // no blank line: the headers never end
  auto ended = connection.wait_closed(2s);
  auto waited = Clock::now() - started;
  EXPECT_TRUE(RawConnection::closed_by_peer(ended)) << ended.message();
  EXPECT_GE(waited, 150ms);
  EXPECT_LT(waited, 1s);
}

TEST(HttpServer, HalfSentSecondRequestOnAKeptAliveConnectionIsClosedAfterHeaderTimeout) {
  TestServer server(hello_route, with_timeouts(200ms, 3s));
  RawConnection connection(server.port());
  connection.send("GET /hello HTTP/1.1\r\nHost: test\r\n\r\n");
  ASSERT_FALSE(connection.read_response().error);
  auto started = Clock::now();
  connection.send("GET /hello HTTP/1.1\r\nHost: test\r\n");
  auto ended = connection.wait_closed(1s);
  auto waited = Clock::now() - started;
  EXPECT_TRUE(RawConnection::closed_by_peer(ended)) << ended.message();
  EXPECT_LT(waited, 1s);
}

TEST(HttpServer, GracefulStopFinishesTheInFlightRequestThenRefusesConnections) {
  std::atomic<bool> handler_started{false};
  std::atomic<bool> handler_finished{false};
  TestServer server([&](Router& router) {
    router.add("GET", "/slow", cinema::security::Access::open, [&](Request&) -> Awaitable {
      handler_started = true;
      boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, 300ms);
      co_await timer.async_wait(boost::asio::use_awaitable);
      handler_finished = true;
      co_return Response::json(200, R"({"slow":true})");
    });
  });
  auto reply = std::async(std::launch::async, [&] { return server.send(make_request("GET", "/slow")); });
  ASSERT_TRUE(wait_until([&] { return handler_started.load() && server.server().in_flight() == 1; }));

  std::promise<void> drained;
  std::atomic<bool> finished_before_drained{false};
  std::atomic<std::size_t> in_flight_when_drained{99};
  server.server().stop([&] {
    finished_before_drained = handler_finished.load();
    in_flight_when_drained = server.server().in_flight();
    drained.set_value();
  });

  ASSERT_EQ(reply.wait_for(2s), std::future_status::ready);
  auto response = reply.get();
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, R"({"slow":true})");
  EXPECT_EQ(response.headers.get("Connection"), "close") << "a stopping server does not keep connections alive";

  auto drained_future = drained.get_future();
  ASSERT_EQ(drained_future.wait_for(1s), std::future_status::ready);
  EXPECT_TRUE(finished_before_drained);
  EXPECT_EQ(in_flight_when_drained, 0u);
  EXPECT_EQ(RawConnection::try_connect(server.port()), boost::asio::error::connection_refused);
}

TEST(HttpServer, StopClosesIdleKeepAliveConnectionsAtOnce) {
  TestServer server(hello_route, with_timeouts(5s, 5s));
  RawConnection connection(server.port());
  connection.send("GET /hello HTTP/1.1\r\nHost: test\r\n\r\n");
  ASSERT_FALSE(connection.read_response().error);
  std::promise<void> drained;
  server.server().stop([&] { drained.set_value(); });
  auto ended = connection.wait_closed(1s);
  EXPECT_TRUE(RawConnection::closed_by_peer(ended)) << ended.message();
  EXPECT_EQ(drained.get_future().wait_for(1s), std::future_status::ready);
}

// `cinema restart`'s server side: with reuse_port a second server listens on the same port and
// takes every new connection at once; the first one, stopping, still answers a kept-alive client
// during its handover, with Connection: close, then lets the port go to the second.
TEST(HttpServer, WithReusePortANewServerTakesNewConnectionsWhileTheOldOneHandsOver) {
  auto answering = [](std::string name) {
    return [name](Router& router) {
      router.add_sync("GET", "/who", cinema::security::Access::open, [name](Request&) {
        return Response::json(200, "\"" + name + "\"");
      });
    };
  };
  TestServerOptions options;
  options.server.reuse_port = true;
  options.server.shutdown_handover = 400ms;
  TestServer old_server(answering("old"), options);
  RawConnection kept_alive(old_server.port());
  kept_alive.send("GET /who HTTP/1.1\r\nHost: test\r\n\r\n");
  EXPECT_EQ(kept_alive.read_response().response.body(), "\"old\"");

  options.server.port = old_server.port();
  TestServer new_server(answering("new"), options);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(new_server.send(make_request("GET", "/who")).body, "\"new\"");

  std::promise<void> drained;
  old_server.server().stop([&] { drained.set_value(); });
  std::this_thread::sleep_for(100ms);  // within the handover
  kept_alive.send("GET /who HTTP/1.1\r\nHost: test\r\n\r\n");
  auto reply = kept_alive.read_response();
  EXPECT_EQ(reply.response.body(), "\"old\"");
  EXPECT_EQ(reply.response[boost::beast::http::field::connection], "close");
  EXPECT_EQ(drained.get_future().wait_for(2s), std::future_status::ready);
  EXPECT_EQ(new_server.send(make_request("GET", "/who")).body, "\"new\"");
}

TEST(Actuator, DrainingMakesReadinessDownButLivenessStaysUp) {
  TestServerOptions options;
  options.actuator = true;
  TestServer server(nullptr, options);
  server.actuator().set_draining();
  EXPECT_EQ(server.send(make_request("GET", "/actuator/health/readiness")).status, 503);
  EXPECT_EQ(server.send(make_request("GET", "/actuator/health/liveness")).status, 200);
}

TEST(Actuator, DownMakesHealthDownButLivenessStaysUpAndUpRestoresIt) {
  TestServerOptions options;
  options.actuator = true;
  TestServer server(nullptr, options);
  auto health = server.send(make_request("GET", "/actuator/health"));
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(body_json(health)["status"], "UP");

  EXPECT_EQ(server.send(make_request("PUT", "/actuator/down")).status, 200);
  health = server.send(make_request("GET", "/actuator/health"));
  EXPECT_EQ(health.status, 503);
  EXPECT_EQ(body_json(health)["status"], "DOWN");
  EXPECT_EQ(server.send(make_request("GET", "/actuator/health/readiness")).status, 503);
  auto liveness = server.send(make_request("GET", "/actuator/health/liveness"));
  EXPECT_EQ(liveness.status, 200);
  EXPECT_EQ(body_json(liveness)["status"], "UP");

  EXPECT_EQ(server.send(make_request("PUT", "/actuator/up")).status, 200);
  health = server.send(make_request("GET", "/actuator/health"));
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(body_json(health)["status"], "UP");
}

TEST(Actuator, EchoReportsServiceAndBoundPort) {
  TestServerOptions options;
  options.actuator = true;
  TestServer server(nullptr, options);
  auto echo = body_json(server.send(make_request("GET", "/actuator/echo")));
  EXPECT_EQ(echo["service"], "core-test");
  EXPECT_EQ(echo["port"], server.port());
}

}  // namespace
}  // namespace cinema::http
