#include "core/http/server.hpp"

#include <linux/filter.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <list>
#include <mutex>
#include <system_error>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "core/http/beast_convert.hpp"
#include "core/http/errors.hpp"
#include "core/http/pipeline.hpp"
#include "core/log.hpp"

namespace cinema::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {
struct Connection {
  explicit Connection(tcp::socket socket) : stream(std::move(socket)) {
    boost::system::error_code ec;
    auto remote = stream.socket().remote_endpoint(ec);
    if (!ec) remote_address = remote.address().to_string();
  }
  beast::tcp_stream stream;
  std::string remote_address;  // once per connection, not a getpeername() per request
  bool busy = false;           // between a request's header and its response; touched only on its executor
};

bool is_quiet_close(const boost::system::error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == asio::error::operation_aborted || ec == beast::error::timeout ||
         ec == asio::error::connection_reset || ec == asio::error::eof || ec == asio::error::bad_descriptor ||
         ec == bhttp::error::partial_message;
}

Response parse_failure_response(const boost::system::error_code& ec, std::size_t body_limit) {
  if (ec == bhttp::error::body_limit)
    return Response::json(413, error_body("payload_too_large",
                                          "request body exceeds the limit of " + std::to_string(body_limit) + " bytes"));
  if (ec == bhttp::error::header_limit) return Response::json(431, error_body("headers_too_large", "request headers too large"));
  return Response::json(400, error_body("bad_request", "malformed HTTP request: " + ec.message()));
}

// Sends a final error and closes without a reset, so the client reads the answer even if it is
// still sending a body we refused.
asio::awaitable<void> answer_and_close(beast::tcp_stream& stream, beast::flat_buffer& buffer, Response response) {
  auto message = to_beast_response(std::move(response), 11, false, false);
  boost::system::error_code ec;
  stream.expires_after(std::chrono::seconds(5));
  co_await bhttp::async_write(stream, message, asio::redirect_error(asio::use_awaitable, ec));
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream.expires_after(std::chrono::seconds(1));
  for (std::size_t drained = 0; !ec && drained < (8u << 20);) {
    buffer.consume(buffer.size());
    drained += co_await stream.async_read_some(buffer.prepare(64 * 1024), asio::redirect_error(asio::use_awaitable, ec));
  }
  stream.socket().close(ec);
}

// Of the listeners sharing a port (SO_REUSEPORT), new connections go to the newest. The kernel
// keeps a port's listeners in joining order and moves the last into the slot of one that leaves;
// a rolling restart runs at most two, the replacement second: index 1. Alone, a listener has no
// index 1 and the kernel falls back to its hash, which picks that listener. The program belongs to
// the port's group, so every listener attaches the same one. Without it (old kernels) new
// connections are spread by hash, and the handover period is what saves those meeting the old one.
bool steer_to_newest_listener(int listener) {
  sock_filter code[] = {BPF_STMT(BPF_RET | BPF_K, 1)};
  sock_fprog program{.len = 1, .filter = code};
  return ::setsockopt(listener, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &program, sizeof(program)) == 0;
}
}  // namespace

struct Server::State : std::enable_shared_from_this<State> {
  State(asio::io_context& io_context, ServerOptions opts, const Router& router, Logger& logger, MetricsRegistry& metrics)
      : io(io_context), options(std::move(opts)), pipeline(router, logger, metrics), log(logger), acceptor(io_context) {}

  asio::awaitable<void> accept_loop();
  asio::awaitable<void> serve(std::shared_ptr<Connection> connection);
  asio::awaitable<bool> serve_one(Connection& connection, beast::flat_buffer& buffer, bool first);
  asio::awaitable<void> wait_drained(std::function<void()> on_drained);
  void close_idle_connections();
  void log_connection_failure(std::exception_ptr failure);

  asio::io_context& io;
  ServerOptions options;
  Pipeline pipeline;
  Logger& log;
  tcp::acceptor acceptor;
  std::atomic<bool> stopping{false};
  std::atomic<std::size_t> active_requests{0};
  std::mutex connections_mutex;
  std::list<std::weak_ptr<Connection>> connections;
};

namespace {
// Completion handler for co_spawn: an exception escaping a coroutine is rethrown out of
// io_context::run() instead of vanishing.
void rethrow(std::exception_ptr failure) {
  if (failure) std::rethrow_exception(failure);
}
}  // namespace

asio::awaitable<void> Server::State::accept_loop() {
  auto self = shared_from_this();
  while (acceptor.is_open()) {
    boost::system::error_code ec;
    auto executor = options.threads > 1 ? asio::any_io_executor(asio::make_strand(io)) : asio::any_io_executor(io.get_executor());
    auto socket = co_await acceptor.async_accept(executor, asio::redirect_error(asio::use_awaitable, ec));
    // While stopping, the listener stays open only for the handover: what it accepts is served.
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
    if (ec) {
      // Out of descriptors and similar: back off instead of spinning on the same error.
      log.warn("accept failed", {{"error", ec.message()}});
      asio::steady_timer pause(io, std::chrono::milliseconds(50));
      co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    auto connection = std::make_shared<Connection>(std::move(socket));
    std::list<std::weak_ptr<Connection>>::iterator slot;
    {
      std::lock_guard lock(connections_mutex);
      slot = connections.insert(connections.end(), connection);
    }
    asio::co_spawn(connection->stream.get_executor(), serve(connection), [self, slot](std::exception_ptr failure) {
      {
        std::lock_guard lock(self->connections_mutex);
        self->connections.erase(slot);
      }
      // One failed connection is that connection's end, never the service's (the pipeline already
      // turned a handler's exception into a 500; this is what escaped around it).
      if (failure) self->log_connection_failure(failure);
    });
  }
}

void Server::State::log_connection_failure(std::exception_ptr failure) {
  try {
    std::rethrow_exception(failure);
  } catch (const std::exception& e) {
    log.warn("connection failed", {{"error", std::string_view(e.what())}});
  } catch (...) {
    log.warn("connection failed", {{"error", std::string_view("unknown exception")}});
  }
}

asio::awaitable<void> Server::State::serve(std::shared_ptr<Connection> connection) {
  beast::flat_buffer buffer;
  for (bool first = true; co_await serve_one(*connection, buffer, first); first = false) {
  }
  boost::system::error_code ec;
  connection->stream.socket().shutdown(tcp::socket::shutdown_send, ec);
}

// Reads one request and answers it; returns whether the connection stays open.
asio::awaitable<bool> Server::State::serve_one(Connection& connection, beast::flat_buffer& buffer, bool first) {
  auto& stream = connection.stream;
  bhttp::request_parser<bhttp::string_body> parser;
  parser.body_limit(options.body_limit);
  boost::system::error_code ec;
  if (!first && buffer.size() == 0) {
    // Keep-alive: the idle timeout covers the wait for the next request's first bytes...
    stream.expires_after(options.idle_timeout);
    auto received = co_await stream.async_read_some(buffer.prepare(4096), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return false;
    buffer.commit(received);
  }
  // ...and from there the header timeout covers the whole request, header and body.
  stream.expires_after(options.header_timeout);
  co_await bhttp::async_read_header(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
  if (ec && is_quiet_close(ec)) co_return false;
  connection.busy = true;
  ++active_requests;
  struct Done {
    Connection& c;
    std::atomic<std::size_t>& n;
    ~Done() { c.busy = false; --n; }
  } done{connection, active_requests};
  if (!ec && parser.get()[bhttp::field::expect] == "100-continue") {
    bhttp::response<bhttp::empty_body> proceed{bhttp::status::continue_, 11};
    co_await bhttp::async_write(stream, proceed, asio::redirect_error(asio::use_awaitable, ec));
  }
  // Most requests end with their header (no body): skip a read that would only post its completion.
  if (!ec && !parser.is_done())
    co_await bhttp::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
  if (ec && is_quiet_close(ec)) co_return false;
  if (ec) {
    co_await answer_and_close(stream, buffer, parse_failure_response(ec, options.body_limit));
    co_return false;
  }
  auto& message = parser.get();
  bool keep_alive = message.keep_alive();
  bool head = message.method() == bhttp::verb::head;
  auto request = from_beast_request(std::move(message));
  request.remote_address = connection.remote_address;
  Response response = co_await pipeline.handle(request);
  keep_alive = keep_alive && !stopping;
  auto reply = to_beast_response(std::move(response), 11, keep_alive, head);
  stream.expires_after(options.header_timeout);
  co_await bhttp::async_write(stream, reply, asio::redirect_error(asio::use_awaitable, ec));
  co_return !ec && keep_alive;
}

void Server::State::close_idle_connections() {
  std::lock_guard lock(connections_mutex);
  for (auto& weak : connections) {
    auto connection = weak.lock();
    if (!connection) continue;
    asio::post(connection->stream.get_executor(), [connection] {
      boost::system::error_code ec;
      if (!connection->busy) connection->stream.socket().close(ec);
    });
  }
}

asio::awaitable<void> Server::State::wait_drained(std::function<void()> on_drained) {
  auto deadline = std::chrono::steady_clock::now() + options.shutdown_grace;
  asio::steady_timer tick(io);
  while (active_requests > 0 && std::chrono::steady_clock::now() < deadline) {
    tick.expires_after(std::chrono::milliseconds(5));
    co_await tick.async_wait(asio::use_awaitable);
    close_idle_connections();  // connections that finished a request since the last pass
  }
  if (active_requests > 0) log.warn("shutdown grace period over with requests in flight",
                                    {{"inFlight", static_cast<std::int64_t>(active_requests.load())}});
  on_drained();
}

Server::Server(asio::io_context& io, ServerOptions options, const Router& router, Logger& log, MetricsRegistry& metrics)
    : state_(std::make_shared<State>(io, std::move(options), router, log, metrics)) {}

Server::~Server() {
  boost::system::error_code ec;
  state_->acceptor.close(ec);
}

std::uint16_t Server::start() {
  auto& acceptor = state_->acceptor;
  tcp::endpoint endpoint(asio::ip::make_address(state_->options.host), state_->options.port);
  acceptor.open(endpoint.protocol());
  acceptor.set_option(asio::socket_base::reuse_address(true));
  if (state_->options.reuse_port) {
    int on = 1;
    if (::setsockopt(acceptor.native_handle(), SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) != 0)
      throw std::system_error(errno, std::generic_category(), "SO_REUSEPORT");
  }
  acceptor.bind(endpoint);
  acceptor.listen(asio::socket_base::max_listen_connections);
  if (state_->options.reuse_port && !steer_to_newest_listener(acceptor.native_handle()))
    state_->log.warn("cannot steer new connections to the newest listener; a rolling restart may refuse some",
                     {{"error", std::string_view(std::strerror(errno))}});
  asio::co_spawn(state_->io, state_->accept_loop(), rethrow);
  return acceptor.local_endpoint().port();
}

void Server::stop(std::function<void()> on_drained) {
  asio::post(state_->io, [state = state_, on_drained = std::move(on_drained)]() mutable {
    // From now on every answer says Connection: close. With reuse_port the listener stays open
    // for the handover: a replacement, if any, takes the new connections meanwhile, and
    // kept-alive clients learn from their next answer to move.
    state->stopping = true;
    auto handover = state->options.reuse_port ? state->options.shutdown_handover : std::chrono::milliseconds(0);
    auto timer = std::make_shared<asio::steady_timer>(state->io, handover);
    timer->async_wait([state, timer, on_drained = std::move(on_drained)](const boost::system::error_code&) mutable {
      boost::system::error_code ec;
      state->acceptor.close(ec);
      state->close_idle_connections();
      asio::co_spawn(state->io, state->wait_drained(std::move(on_drained)), rethrow);
    });
  });
}

std::size_t Server::in_flight() const { return state_->active_requests; }

}  // namespace cinema::http
