#pragma once
// Component-tier helpers: a real http::Server on 127.0.0.1 (port 0) with its io_context on a
// background thread, plus a raw TCP connection for tests that need to control the bytes. No helper
// lets a port go and assumes it stays free: the server reports the port it bound, and a port that
// must refuse connections is held (RefusingPort).
#include <gtest/gtest.h>

#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "core/actuator.hpp"
#include "core/http/client.hpp"
#include "core/http/router.hpp"
#include "core/http/server.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "temp_file.hpp"

namespace cinema::test_support {
using namespace std::chrono_literals;

struct TestServerOptions {
  http::ServerOptions server{.host = "127.0.0.1", .port = 0};
  bool actuator = false;  // register the Actuator's routes (/actuator/*, /metrics)
};

class TestServer {
 public:
  using Setup = std::function<void(http::Router&)>;

  explicit TestServer(const Setup& setup, TestServerOptions options = {})
      : log_file_(".log"), log_("core-test", LogLevel::warn, log_file_.path()) {
    if (options.actuator) {
      actuator_ = std::make_unique<Actuator>(InstanceInfo{"core-test", "0.0.0-test", 0}, metrics_);
      actuator_->register_routes(router_);
    }
    if (setup) setup(router_);
    server_ = std::make_unique<http::Server>(io_, options.server, router_, log_, metrics_);
    port_ = server_->start();
    if (actuator_) actuator_->set_port(port_);
    thread_ = std::thread([this] {
      try {
        io_.run();
      } catch (...) {
        failure_ = std::current_exception();
      }
    });
  }

  ~TestServer() {
    io_.stop();
    thread_.join();
    server_.reset();
    if (failure_) {
      try {
        std::rethrow_exception(failure_);
      } catch (const std::exception& e) {
        ADD_FAILURE() << "exception escaped the server's io_context: " << e.what();
      } catch (...) {
        ADD_FAILURE() << "unknown exception escaped the server's io_context";
      }
    }
  }
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] std::string upstream() const { return "127.0.0.1:" + std::to_string(port_); }
  http::Server& server() { return *server_; }
  MetricsRegistry& metrics() { return metrics_; }
  Actuator& actuator() { return *actuator_; }  // with options.actuator
  [[nodiscard]] std::string log_text() const { return log_file_.read(); }

  // One request on a fresh connection.
  http::Response send(http::Request request, std::chrono::milliseconds timeout = 2s) const {
    return http::blocking_send(upstream(), std::move(request), timeout);
  }

 private:
  TempFile log_file_;
  Logger log_;
  MetricsRegistry metrics_;
  std::unique_ptr<Actuator> actuator_;
  http::Router router_;
  boost::asio::io_context io_;
  std::unique_ptr<http::Server> server_;
  std::uint16_t port_ = 0;
  std::exception_ptr failure_;
  std::thread thread_;
};

// A loopback port that refuses connections for as long as this lives: bound, never listening, and
// without SO_REUSEADDR, so no other socket can take it meanwhile (a port bound, released and assumed
// free could be taken by another test in between).
class RefusingPort {
 public:
  RefusingPort() : socket_(io_) {
    socket_.open(boost::asio::ip::tcp::v4());
    socket_.bind({boost::asio::ip::make_address("127.0.0.1"), 0});
  }
  [[nodiscard]] std::uint16_t port() const { return socket_.local_endpoint().port(); }
  [[nodiscard]] std::string upstream() const { return "127.0.0.1:" + std::to_string(port()); }

 private:
  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket socket_;
};

inline http::Request make_request(std::string method, std::string target, std::string body = {}) {
  http::Request request;
  request.method = std::move(method);
  request.target = std::move(target);
  request.body = std::move(body);
  return request;
}

// Polls `condition` until it holds or `limit` passes; returns whether it held.
template <class Condition>
bool wait_until(Condition condition, std::chrono::milliseconds limit = 1s) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

// A client socket under the test's control, with every wait bounded.
class RawConnection {
 public:
  using BeastResponse = boost::beast::http::response<boost::beast::http::string_body>;
  struct Reply {
    boost::system::error_code error;
    BeastResponse response;
  };

  explicit RawConnection(std::uint16_t port) : stream_(io_) {
    stream_.socket().connect(endpoint(port));  // throws if refused
  }

  static boost::asio::ip::tcp::endpoint endpoint(std::uint16_t port) {
    return {boost::asio::ip::make_address("127.0.0.1"), port};
  }

  // The error of a plain connect to `port` (success: no error).
  static boost::system::error_code try_connect(std::uint16_t port) {
    boost::asio::io_context io;
    boost::asio::ip::tcp::socket socket(io);
    boost::system::error_code error;
    socket.connect(endpoint(port), error);
    return error;
  }

  void send(std::string_view bytes) { boost::asio::write(stream_.socket(), boost::asio::buffer(bytes)); }

  Reply read_response(std::chrono::milliseconds timeout = 1s) {
    Reply reply;
    stream_.expires_after(timeout);
    boost::beast::http::async_read(stream_, buffer_, reply.response,
                                   [&reply](boost::system::error_code error, std::size_t) { reply.error = error; });
    run();
    return reply;
  }

  // Reads until the connection ends or `timeout` passes; returns what ended it: end of file (or a
  // reset) when the server closed, beast::error::timeout when it did not.
  boost::system::error_code wait_closed(std::chrono::milliseconds timeout) {
    stream_.expires_after(timeout);
    boost::system::error_code error;
    char sink[4096];
    while (!error) {
      stream_.async_read_some(boost::asio::buffer(sink),
                              [&error](boost::system::error_code e, std::size_t) { error = e; });
      run();
    }
    return error;
  }

  static bool closed_by_peer(const boost::system::error_code& error) {
    return error == boost::asio::error::eof || error == boost::asio::error::connection_reset;
  }

 private:
  void run() {
    io_.restart();
    io_.run();
  }

  boost::asio::io_context io_;
  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
};

}  // namespace cinema::test_support
