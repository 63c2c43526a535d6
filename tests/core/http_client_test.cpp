// Component tier: the pooled HTTP client against scripted upstreams (raw acceptors) whose
// connections the test can count and close.
#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <future>
#include <optional>
#include <string>
#include <thread>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "core/http/client.hpp"
#include "test_server.hpp"

namespace cinema::http {
namespace {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;
using test_support::make_request;
using test_support::wait_until;
using Clock = std::chrono::steady_clock;

// A hand-written upstream on 127.0.0.1 that does, per accepted connection, what the test says.
class ScriptedUpstream {
 public:
  enum class Behaviour {
    answer,                // keep-alive answers "connection N" to every request
    answer_then_close,     // answers one request with keep-alive, then closes anyway
    close_without_answer,  // reads the request, closes without a word
    answer_then_drop,      // answers one request with keep-alive, reads the next and closes
    never_answer,          // reads requests and says nothing
  };
  using Script = std::function<Behaviour(int connection_number)>;

  explicit ScriptedUpstream(Script script)
      : script_(std::move(script)), acceptor_(io_, {asio::ip::make_address("127.0.0.1"), 0}) {
    asio::co_spawn(io_, accept_loop(), asio::detached);
    thread_ = std::thread([this] { io_.run(); });
  }
  explicit ScriptedUpstream(Behaviour behaviour) : ScriptedUpstream([behaviour](int) { return behaviour; }) {}
  ~ScriptedUpstream() {
    io_.stop();
    thread_.join();
  }

  [[nodiscard]] std::string upstream() const {
    return "127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port());
  }
  [[nodiscard]] int accepted() const { return accepted_; }
  [[nodiscard]] int requests() const { return requests_; }
  [[nodiscard]] int closed() const { return closed_; }

 private:
  asio::awaitable<void> accept_loop() {
    for (;;) {
      boost::system::error_code ec;
      auto socket = co_await acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      int number = ++accepted_;
      asio::co_spawn(io_, session(std::move(socket), number, script_(number)), asio::detached);
    }
  }

  asio::awaitable<void> session(tcp::socket socket, int number, Behaviour behaviour) {
    beast::flat_buffer buffer;
    int requests_in_session = 0;
    for (;;) {
      bhttp::request<bhttp::string_body> request;
      boost::system::error_code ec;
      co_await bhttp::async_read(socket, buffer, request, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      ++requests_;
      if (behaviour == Behaviour::never_answer) continue;
      if (behaviour == Behaviour::close_without_answer) break;
      if (behaviour == Behaviour::answer_then_drop && requests_in_session++ == 1) break;
      bhttp::response<bhttp::string_body> response{bhttp::status::ok, 11};
      response.body() = "connection " + std::to_string(number);
      response.prepare_payload();
      response.keep_alive(true);
      co_await bhttp::async_write(socket, response, asio::redirect_error(asio::use_awaitable, ec));
      if (ec || behaviour == Behaviour::answer_then_close) break;
    }
    boost::system::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
    ++closed_;
  }

  Script script_;
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::atomic<int> accepted_{0};
  std::atomic<int> requests_{0};
  std::atomic<int> closed_{0};
  std::thread thread_;
};

// Runs one Client::send on the test thread's io_context, bounded in time.
Response send(asio::io_context& io, Client& client, const std::string& upstream, Request request) {
  auto result = asio::co_spawn(io, client.send(upstream, std::move(request)), asio::use_future);
  io.restart();
  io.run_for(3s);
  if (result.wait_for(0s) != std::future_status::ready) throw std::runtime_error("client did not finish in time");
  return result.get();
}

template <class Action>
std::optional<UpstreamError> upstream_error_from(Action action) {
  try {
    action();
  } catch (const UpstreamError& e) {
    return e;
  }
  return std::nullopt;
}

TEST(HttpClient, ConnectionRefusedIsAConnectError) {
  test_support::RefusingPort refusing;
  auto upstream = refusing.upstream();
  auto started = Clock::now();
  auto error = upstream_error_from([&] { blocking_send(upstream, make_request("GET", "/"), 1s); });
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->kind(), UpstreamError::Kind::connect) << error->what();
  EXPECT_NE(std::string(error->what()).find(upstream), std::string::npos) << error->what();
  EXPECT_LT(Clock::now() - started, 1s) << "a refusal is immediate, not a timeout";
}

TEST(HttpClient, SilentUpstreamIsATimeoutWithinRequestTimeout) {
  ScriptedUpstream upstream(ScriptedUpstream::Behaviour::never_answer);
  asio::io_context io;
  Client client(io, ClientOptions{.request_timeout = 200ms});
  auto started = Clock::now();
  auto error = upstream_error_from([&] { send(io, client, upstream.upstream(), make_request("GET", "/")); });
  auto waited = Clock::now() - started;
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->kind(), UpstreamError::Kind::timeout) << error->what();
  EXPECT_GE(waited, 150ms);
  EXPECT_LT(waited, 1s);
  EXPECT_EQ(upstream.requests(), 1) << "the request did reach the upstream";
}

TEST(HttpClient, PooledConnectionIsReused) {
  ScriptedUpstream upstream(ScriptedUpstream::Behaviour::answer);
  asio::io_context io;
  Client client(io);
  for (int i = 0; i < 3; ++i) {
    auto response = send(io, client, upstream.upstream(), make_request("GET", "/"));
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.body, "connection 1") << "request " << i;
  }
  EXPECT_EQ(upstream.accepted(), 1);
  EXPECT_EQ(upstream.requests(), 3);
}

TEST(HttpClient, ServerClosedPooledConnectionIsRetriedOnAFreshOne) {
  ScriptedUpstream upstream(ScriptedUpstream::Behaviour::answer_then_close);
  asio::io_context io;
  Client client(io);
  EXPECT_EQ(send(io, client, upstream.upstream(), make_request("GET", "/")).body, "connection 1");
  ASSERT_TRUE(wait_until([&] { return upstream.closed() == 1; }));

  auto retried = make_request("POST", "/", "again");
  retried.headers.set("Idempotency-Key", "k1");  // a POST is repeated only when it names its key
  auto response = send(io, client, upstream.upstream(), retried);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "connection 2");
  EXPECT_EQ(upstream.accepted(), 2);
}

TEST(HttpClient, PooledConnectionClosedWhileIdleNeverCarriesARequest) {
  ScriptedUpstream upstream(ScriptedUpstream::Behaviour::answer_then_close);
  asio::io_context io;
  Client client(io);
  EXPECT_EQ(send(io, client, upstream.upstream(), make_request("GET", "/")).body, "connection 1");
  ASSERT_TRUE(wait_until([&] { return upstream.closed() == 1; }));
  // Seen closed before anything was written: even a POST without a key goes on a fresh connection.
  auto response = send(io, client, upstream.upstream(), make_request("POST", "/", "once"));
  EXPECT_EQ(response.body, "connection 2");
  EXPECT_EQ(upstream.requests(), 2);
}

TEST(HttpClient, PostWithoutIdempotencyKeyIsNotRepeatedWhenTheConnectionBreaksUnderIt) {
  ScriptedUpstream upstream(ScriptedUpstream::Behaviour::answer_then_drop);
  asio::io_context io;
  Client client(io);
  EXPECT_EQ(send(io, client, upstream.upstream(), make_request("GET", "/")).body, "connection 1");
  // The server read it, then hung up: it might have acted on it; only the caller may repeat it.
  auto error = upstream_error_from([&] { send(io, client, upstream.upstream(), make_request("POST", "/", "once")); });
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->kind(), UpstreamError::Kind::protocol) << error->what();
  EXPECT_EQ(upstream.accepted(), 1);
}

TEST(HttpClient, StaleRetryHappensOnlyOnce) {
  // Connection 1 goes stale after one answer; every later connection hangs up without answering.
  ScriptedUpstream upstream([](int number) {
    return number == 1 ? ScriptedUpstream::Behaviour::answer_then_close
                       : ScriptedUpstream::Behaviour::close_without_answer;
  });
  asio::io_context io;
  Client client(io);
  EXPECT_EQ(send(io, client, upstream.upstream(), make_request("GET", "/")).body, "connection 1");
  ASSERT_TRUE(wait_until([&] { return upstream.closed() == 1; }));

  auto error = upstream_error_from([&] { send(io, client, upstream.upstream(), make_request("GET", "/")); });
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->kind(), UpstreamError::Kind::protocol) << error->what();
  EXPECT_EQ(upstream.accepted(), 2) << "one retry on a fresh connection, no more";
}

TEST(HttpClient, FreshConnectionClosedWithoutAnswerIsAProtocolErrorNotRetried) {
  ScriptedUpstream upstream(ScriptedUpstream::Behaviour::close_without_answer);
  auto error = upstream_error_from([&] { blocking_send(upstream.upstream(), make_request("GET", "/"), 1s); });
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->kind(), UpstreamError::Kind::protocol) << error->what();
  EXPECT_EQ(upstream.accepted(), 1);
}

TEST(HttpClient, TalksToTheRealServer) {
  test_support::TestServer server([](Router& router) {
    router.add_sync("PUT", "/things/{id}", cinema::security::Access::open, [](Request& r) {
      return Response::json(200, "{\"id\":\"" + std::string(r.path_param("id")) + "\",\"body\":\"" + r.body + "\"}");
    });
  });
  asio::io_context io;
  Client client(io);
  for (int i = 0; i < 2; ++i) {
    auto response = send(io, client, server.upstream(), make_request("PUT", "/things/7", "x"));
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.body, R"({"id":"7","body":"x"})");
  }
}

}  // namespace
}  // namespace cinema::http
