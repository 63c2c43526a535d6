#include "core/http/client.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <deque>
#include <map>
#include <mutex>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "core/http/beast_convert.hpp"

namespace cinema::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {
struct PooledStream {
  // Beast reads at most the buffer's free capacity (but 512 bytes at least) per call, and the
  // parser drains the buffer as it goes, so an unreserved buffer would take a large answer
  // (a 144 KB /movieViews) in hundreds of small reads.
  explicit PooledStream(asio::io_context& io) : stream(io) { buffer.reserve(kReadChunk); }
  static constexpr std::size_t kReadChunk = 64 * 1024;
  beast::tcp_stream stream;
  beast::flat_buffer buffer;
  std::chrono::steady_clock::time_point idle_since;
};

std::pair<std::string, std::string> split_upstream(const std::string& upstream) {
  auto colon = upstream.rfind(':');
  if (colon == std::string::npos) return {upstream, "80"};
  return {upstream.substr(0, colon), upstream.substr(colon + 1)};
}

// The peer closed a kept-alive connection before our request reached it: safe to retry once.
bool is_stale_connection(const boost::system::error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe;
}
// Whether the peer closed a pooled connection (or sent something unasked) while it sat idle, as a
// server does at its idle timeout or when it drains: such a connection must not carry a request.
bool closed_while_idle(tcp::socket& socket) {
  char byte = 0;
  auto received = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return received >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
}
}  // namespace

bool safe_to_repeat(const Request& request) {
  constexpr std::string_view kIdempotent[] = {"GET", "HEAD", "PUT", "DELETE", "OPTIONS"};
  return std::find(std::begin(kIdempotent), std::end(kIdempotent), request.method) != std::end(kIdempotent) ||
         request.headers.get("Idempotency-Key").has_value();
}

struct Client::Pool {
  Pool(asio::io_context& io_context, ClientOptions opts) : io(io_context), options(opts) {}

  std::unique_ptr<PooledStream> take_idle(const std::string& upstream) {
    std::lock_guard lock(mutex);
    auto& idle = idle_by_upstream[upstream];
    auto now = std::chrono::steady_clock::now();
    while (!idle.empty()) {
      auto stream = std::move(idle.back());
      idle.pop_back();
      if (now - stream->idle_since < options.pool_idle_timeout && !closed_while_idle(stream->stream.socket()))
        return stream;
    }
    return nullptr;
  }

  void give_back(const std::string& upstream, std::unique_ptr<PooledStream> stream) {
    std::lock_guard lock(mutex);
    auto& idle = idle_by_upstream[upstream];
    if (idle.size() >= options.max_idle_per_upstream) return;
    stream->idle_since = std::chrono::steady_clock::now();
    idle.push_back(std::move(stream));
  }

  asio::awaitable<std::unique_ptr<PooledStream>> connect(const std::string& upstream) {
    auto [host, port] = split_upstream(upstream);
    auto pooled = std::make_unique<PooledStream>(io);
    boost::system::error_code ec;
    tcp::resolver resolver(io);
    auto endpoints = co_await resolver.async_resolve(host, port, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) throw UpstreamError(UpstreamError::Kind::connect, "cannot resolve " + upstream + ": " + ec.message());
    pooled->stream.expires_after(options.connect_timeout);
    co_await pooled->stream.async_connect(endpoints, asio::redirect_error(asio::use_awaitable, ec));
    if (ec == beast::error::timeout)
      throw UpstreamError(UpstreamError::Kind::connect, "connect to " + upstream + " timed out");
    if (ec) throw UpstreamError(UpstreamError::Kind::connect, "cannot connect to " + upstream + ": " + ec.message());
    pooled->stream.socket().set_option(tcp::no_delay(true), ec);
    co_return pooled;
  }

  asio::io_context& io;
  ClientOptions options;
  std::mutex mutex;
  std::map<std::string, std::deque<std::unique_ptr<PooledStream>>> idle_by_upstream;
};

Client::Client(asio::io_context& io, ClientOptions options) : pool_(std::make_unique<Pool>(io, options)) {}
Client::~Client() = default;

Awaitable Client::send(std::string upstream, Request request) {
  bool repeatable = safe_to_repeat(request);
  auto message = to_beast_request(std::move(request), upstream);
  for (int attempt = 0;; ++attempt) {
    auto pooled = pool_->take_idle(upstream);
    bool reused = pooled != nullptr;
    if (!pooled) pooled = co_await pool_->connect(upstream);
    auto& stream = pooled->stream;
    boost::system::error_code ec;
    stream.expires_after(pool_->options.request_timeout);
    co_await bhttp::async_write(stream, message, asio::redirect_error(asio::use_awaitable, ec));
    // A connection that breaks while the request goes out never delivered a whole request.
    if (ec && ec != beast::error::timeout) {
      if (reused && attempt == 0) continue;
      throw UpstreamError(UpstreamError::Kind::connect, "request to " + upstream + " not sent: " + ec.message());
    }
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(pool_->options.body_limit);
    if (message.method() == bhttp::verb::head) parser.skip(true);
    if (!ec) co_await bhttp::async_read(stream, pooled->buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
    if (ec && reused && attempt == 0 && is_stale_connection(ec) && repeatable) continue;
    if (ec == beast::error::timeout)
      throw UpstreamError(UpstreamError::Kind::timeout, "request to " + upstream + " timed out");
    if (ec) throw UpstreamError(UpstreamError::Kind::protocol, "request to " + upstream + " failed: " + ec.message());
    auto response = parser.release();
    if (response.keep_alive()) pool_->give_back(upstream, std::move(pooled));
    co_return from_beast_response(std::move(response));
  }
}

Response blocking_send(const std::string& upstream, Request request, std::chrono::milliseconds timeout) {
  asio::io_context io;
  Client client(io, ClientOptions{.connect_timeout = timeout, .request_timeout = timeout});
  auto result = asio::co_spawn(io, client.send(upstream, std::move(request)), asio::use_future);
  io.run();
  return result.get();
}

}  // namespace cinema::http
