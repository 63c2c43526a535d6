#pragma once
// Async HTTP/1.1 client with a keep-alive connection pool per upstream ("host:port"),
// a connect timeout and a whole-request timeout. Failures are UpstreamError values the caller
// maps to 502/503/504. A pooled connection the peer closed while it sat idle is dropped before it
// carries a request; one found closed only by the request is retried once on a fresh connection
// when the request may be repeated.
#include <utility>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>

#include "core/http/router.hpp"

namespace cinema::http {

struct ClientOptions {
  std::chrono::milliseconds connect_timeout{2'000};
  std::chrono::milliseconds request_timeout{10'000};
  std::chrono::milliseconds pool_idle_timeout{20'000};  // below the servers' keep-alive idle timeout
  std::size_t max_idle_per_upstream = 64;
  std::size_t body_limit = 16 << 20;
};

class UpstreamError : public std::runtime_error {
 public:
  // connect: the request reached no instance (refused, connect timeout, connection closed before
  // the request went out): any request may be sent elsewhere. timeout: no answer in time.
  // protocol: the answer broke off or cannot be read (the instance may have acted on it).
  enum class Kind { connect, timeout, protocol };
  UpstreamError(Kind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  [[nodiscard]] Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

class Client {
 public:
  Client(boost::asio::io_context& io, ClientOptions options = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // `upstream` is "host:port". Throws UpstreamError.
  Awaitable send(std::string upstream, Request request);

 private:
  struct Pool;
  std::unique_ptr<Pool> pool_;
};

// Whether repeating `request` cannot do more than sending it once: an idempotent method
// (RFC 9110 §9.2.2), or a request that names its own Idempotency-Key.
bool safe_to_repeat(const Request& request);

// One request on a private io_context, for command-line tools and tests. Throws UpstreamError.
Response blocking_send(const std::string& upstream, Request request,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace cinema::http
