// Open-loop load for POST /reservations: requests leave at a fixed rate whatever the server does
// (as wrk2 paces them; wrk itself waits for each answer on a connection, so a slow server slows the
// load down and hides its queue). Each request goes on an idle keep-alive connection, or a new one
// when none is idle, up to --max-conns. Latency counts from the moment a request was due, not from
// when it could be sent, so a generator that falls behind shows as latency, not as a lighter load.
//
//   openloop --target HOST:PORT --rate R --seconds S --screenings 1,2 --rows 26 --cols 100 --prefix P
//            [--first N] [--max-conns 1000] [--timeout-ms 5000]
//
// Request n (from N, default 0) reserves seat n of the screenings (as bench/wrk/reserve.lua maps it)
// for customer P<n>: runs with their own N take seats no other run asked for.
// Prints one line: OPENLOOP_RESULT {json}. Built by bench/run (g++, Boost.Beast headers).
#include <utility>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
  std::string host = "127.0.0.1";
  std::string port;
  double rate = 1000;
  double seconds = 10;
  std::vector<std::string> screenings;
  int rows = 26;
  int cols = 100;
  std::string prefix = "o";
  long first = 0;
  std::size_t max_conns = 1000;  // under the usual limit of 1024 open files
  std::chrono::milliseconds timeout{5000};
};

struct Tally {
  std::vector<double> accepted_ms, rejected_ms, other_ms;
  // From when each request was written, not due: the server's share when the generator lags.
  std::vector<double> accepted_sent_ms, rejected_sent_ms;
  std::map<int, long> statuses;
  std::map<std::string, long> errors;
  long rejected_without_retry_after = 0;
  long rejected_without_json_error = 0;
  std::vector<double> send_lag_ms;  // how late the generator sent each request
  long conns_opened = 0;
};

class Generator {
 public:
  Generator(asio::io_context& io, Options options) : io_(io), options_(std::move(options)) {
    per_screening_ = options_.rows * options_.cols - 1;  // the last seat is the seeder's readiness probe
  }

  asio::awaitable<void> run() {
    tcp::resolver resolver(io_);
    endpoints_ = co_await resolver.async_resolve(options_.host, options_.port, asio::use_awaitable);
    auto total = static_cast<long>(options_.rate * options_.seconds);
    auto interval = std::chrono::duration<double>(1.0 / options_.rate);
    asio::steady_timer timer(io_);
    start_ = Clock::now();
    for (long n = 0; n < total;) {
      auto now = Clock::now();
      // Every request due by now leaves now (a late timer sends a burst, as the schedule says).
      for (; n < total; ++n) {
        auto due = start_ + std::chrono::duration_cast<Clock::duration>(interval * n);
        if (due > now) break;
        asio::co_spawn(io_, one(options_.first + n, due), asio::detached);
      }
      if (n >= total) break;
      timer.expires_at(start_ + std::chrono::duration_cast<Clock::duration>(interval * n));
      co_await timer.async_wait(asio::use_awaitable);
    }
    sent_end_ = Clock::now();
  }

  [[nodiscard]] const Tally& tally() const { return tally_; }
  [[nodiscard]] double send_seconds() const { return std::chrono::duration<double>(sent_end_ - start_).count(); }
  [[nodiscard]] long outstanding() const { return outstanding_; }

 private:
  struct Connection {
    explicit Connection(asio::io_context& io) : stream(io) {}
    beast::tcp_stream stream;
    beast::flat_buffer buffer;
  };

  http::request<http::string_body> request_for(long n) const {
    long index = n % (per_screening_ * static_cast<long>(options_.screenings.size()));
    const auto& screening = options_.screenings[index / per_screening_];
    long seat = index % per_screening_;
    std::string name = std::string(1, static_cast<char>('A' + seat / options_.cols)) + std::to_string(seat % options_.cols + 1);
    http::request<http::string_body> request{http::verb::post, "/reservations", 11};
    request.set(http::field::host, options_.host + ":" + options_.port);
    request.set(http::field::content_type, "application/json");
    request.body() = R"({"screeningId":)" + screening + R"(,"seats":[")" + name + R"("],"customerId":")" +
                     options_.prefix + std::to_string(n) + R"(","cardNumber":"4111111111111111"})";
    request.prepare_payload();
    return request;
  }

  asio::awaitable<std::shared_ptr<Connection>> connection() {
    if (!idle_.empty()) {
      auto connection = std::move(idle_.back());
      idle_.pop_back();
      co_return connection;
    }
    if (open_ >= options_.max_conns) co_return nullptr;
    auto connection = std::make_shared<Connection>(io_);
    ++open_;
    ++tally_.conns_opened;
    connection->stream.expires_after(options_.timeout);
    co_await connection->stream.async_connect(endpoints_, asio::use_awaitable);
    connection->stream.socket().set_option(tcp::no_delay(true));
    co_return connection;
  }

  void error(const std::string& kind) { ++tally_.errors[kind]; }

  asio::awaitable<void> one(long n, Clock::time_point due) {
    ++outstanding_;
    tally_.send_lag_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - due).count());
    std::shared_ptr<Connection> connection;
    try {
      connection = co_await connection_or_null();
      if (!connection) {
        error("no free connection");
        --outstanding_;
        co_return;
      }
      auto request = request_for(n);
      auto sent = Clock::now();
      connection->stream.expires_after(options_.timeout);
      co_await http::async_write(connection->stream, request, asio::use_awaitable);
      http::response<http::string_body> response;
      co_await http::async_read(connection->stream, connection->buffer, response, asio::use_awaitable);
      auto now = Clock::now();
      record(response, std::chrono::duration<double, std::milli>(now - due).count(),
             std::chrono::duration<double, std::milli>(now - sent).count());
      if (response.keep_alive()) idle_.push_back(std::move(connection));
      else --open_;
    } catch (const boost::system::system_error& e) {
      error(e.code() == beast::error::timeout ? "timeout" : e.code().message());
      if (connection) --open_;
    } catch (const std::exception& e) {  // detached: nothing may escape unnoticed
      error(e.what());
      if (connection) --open_;
    }
    --outstanding_;
  }

  asio::awaitable<std::shared_ptr<Connection>> connection_or_null() {
    try {
      co_return co_await connection();
    } catch (...) {
      --open_;
      throw;
    }
  }

  void record(const http::response<http::string_body>& response, double ms, double sent_ms) {
    int status = static_cast<int>(response.result_int());
    ++tally_.statuses[status];
    if (status == 201 || status == 409) {
      tally_.accepted_ms.push_back(ms);
      tally_.accepted_sent_ms.push_back(sent_ms);
    } else if (status == 503) {
      tally_.rejected_ms.push_back(ms);
      tally_.rejected_sent_ms.push_back(sent_ms);
      if (response[http::field::retry_after].empty()) ++tally_.rejected_without_retry_after;
      if (response.body().find("\"error\"") == std::string::npos) ++tally_.rejected_without_json_error;
    } else {
      tally_.other_ms.push_back(ms);
    }
  }

  asio::io_context& io_;
  Options options_;
  long per_screening_;
  tcp::resolver::results_type endpoints_;
  std::vector<std::shared_ptr<Connection>> idle_;
  std::size_t open_ = 0;
  long outstanding_ = 0;
  Clock::time_point start_, sent_end_;
  Tally tally_;
};

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  auto rank = static_cast<std::size_t>(p / 100.0 * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(rank, values.size() - 1)];
}

std::string json_string(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

Options parse(int argc, char** argv) {
  Options options;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string key = argv[i], value = argv[i + 1];
    if (key == "--target") {
      auto colon = value.rfind(':');
      options.host = value.substr(0, colon);
      options.port = value.substr(colon + 1);
    } else if (key == "--rate") options.rate = std::stod(value);
    else if (key == "--seconds") options.seconds = std::stod(value);
    else if (key == "--rows") options.rows = std::stoi(value);
    else if (key == "--cols") options.cols = std::stoi(value);
    else if (key == "--prefix") options.prefix = value;
    else if (key == "--first") options.first = std::stol(value);
    else if (key == "--max-conns") options.max_conns = std::stoul(value);
    else if (key == "--timeout-ms") options.timeout = std::chrono::milliseconds(std::stol(value));
    else if (key == "--screenings") {
      std::stringstream list(value);
      for (std::string id; std::getline(list, id, ',');) options.screenings.push_back(id);
    } else throw std::invalid_argument("unknown option " + key);
  }
  if (options.port.empty() || options.screenings.empty() || options.rate <= 0)
    throw std::invalid_argument("usage: openloop --target HOST:PORT --rate R --seconds S --screenings IDS [...]");
  return options;
}

void print(const Options& options, const Generator& generator, double seconds) {
  const auto& t = generator.tally();
  std::ostringstream out;
  out << "OPENLOOP_RESULT {\"offered_rps\":" << options.rate << ",\"seconds\":" << seconds
      << ",\"send_seconds\":" << generator.send_seconds() << ",\"accepted\":" << t.accepted_ms.size()
      << ",\"rejected\":" << t.rejected_ms.size() << ",\"other\":" << t.other_ms.size()
      << ",\"unanswered\":" << generator.outstanding()
      << ",\"accepted_p50_ms\":" << percentile(t.accepted_ms, 50) << ",\"accepted_p99_ms\":" << percentile(t.accepted_ms, 99)
      << ",\"accepted_max_ms\":" << percentile(t.accepted_ms, 100) << ",\"rejected_p50_ms\":" << percentile(t.rejected_ms, 50)
      << ",\"rejected_p99_ms\":" << percentile(t.rejected_ms, 99) << ",\"rejected_max_ms\":" << percentile(t.rejected_ms, 100)
      << ",\"accepted_sent_p99_ms\":" << percentile(t.accepted_sent_ms, 99)
      << ",\"rejected_sent_p99_ms\":" << percentile(t.rejected_sent_ms, 99)
      << ",\"rejected_without_retry_after\":" << t.rejected_without_retry_after
      << ",\"rejected_without_json_error\":" << t.rejected_without_json_error
      << ",\"send_lag_p99_ms\":" << percentile(t.send_lag_ms, 99) << ",\"conns_opened\":" << t.conns_opened << ",\"statuses\":{";
  const char* comma = "";
  for (const auto& [status, count] : t.statuses) {
    out << comma << "\"" << status << "\":" << count;
    comma = ",";
  }
  out << "},\"errors\":{";
  comma = "";
  for (const auto& [kind, count] : t.errors) {
    out << comma << json_string(kind) << ":" << count;
    comma = ",";
  }
  out << "}}";
  std::cout << out.str() << std::endl;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    auto options = parse(argc, argv);
    asio::io_context io(1);
    Generator generator(io, options);
    auto started = Clock::now();
    asio::co_spawn(io, generator.run(), [](std::exception_ptr failure) {
      if (failure) std::rethrow_exception(failure);
    });
    // The schedule, then up to one timeout for the last answers; every socket's own timer ends it.
    io.run_for(std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options.seconds)) +
               options.timeout + std::chrono::seconds(1));
    print(options, generator, std::chrono::duration<double>(Clock::now() - started).count());
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "openloop: " << e.what() << "\n";
    return 1;
  }
}
