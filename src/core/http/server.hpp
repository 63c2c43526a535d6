#pragma once
// HTTP/1.1 server on Boost.Beast + Asio coroutines: one coroutine per connection, keep-alive,
// a body size limit (413), header/idle timeouts, JSON errors, and a graceful stop that refuses new
// connections, lets in-flight requests finish (up to a grace period) and closes idle ones. With
// reuse_port, a replacement process can listen on the same port and take over from it
// (docs/RESILIENCE.md, "Rolling restart").
#include <utility>
#include <boost/asio/io_context.hpp>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "core/http/router.hpp"

namespace cinema {
class Logger;
class MetricsRegistry;
}  // namespace cinema

namespace cinema::http {

struct ServerOptions {
  std::string host = "0.0.0.0";
  std::uint16_t port = 0;  // 0: any free port (tests)
  std::size_t body_limit = 1 << 20;
  std::chrono::milliseconds header_timeout{10'000};  // a whole request, from its first byte
  std::chrono::milliseconds idle_timeout{30'000};    // keep-alive wait for the next request
  std::chrono::milliseconds shutdown_grace{10'000};
  // SO_REUSEPORT: another process of the same user may listen on the port too; new connections go
  // to the newest listener (the replacement in a rolling restart).
  bool reuse_port = false;
  // With reuse_port, how long a stopping server goes on accepting and answering (with Connection:
  // close) before it closes its listener and its idle connections: a kept-alive client that sends
  // meanwhile gets an answer and moves to a new connection, instead of meeting a closed one.
  std::chrono::milliseconds shutdown_handover{250};
  // Threads running the io_context. With one, connections need no strand: every handler already
  // runs on that thread, and a strand would only add a dispatch to each completion.
  int threads = 1;
};

class Server {
 public:
  Server(boost::asio::io_context& io, ServerOptions options, const Router& router, Logger& log,
         MetricsRegistry& metrics);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts accepting; returns the bound port. Throws if the address is taken.
  std::uint16_t start();
  // Graceful stop, callable from any thread; `on_drained` runs on the io_context once every
  // in-flight request finished or the grace period ran out.
  void stop(std::function<void()> on_drained);
  [[nodiscard]] std::size_t in_flight() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace cinema::http
