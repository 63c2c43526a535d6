// Component tier: calls spread over real servers by http::Instances: failing instances ejected, an
// instance whose readiness is DOWN probed out and back, and a call sent again to another instance
// only when that is safe.
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <future>
#include <optional>
#include <thread>
#include <tuple>

#include "core/http/instances.hpp"
#include "test_server.hpp"

namespace cinema::http {
namespace {
namespace asio = boost::asio;
using namespace std::chrono_literals;
using test_support::make_request;
using test_support::RefusingPort;
using test_support::TestServer;
using test_support::wait_until;

// An instance that counts its calls, answers them with `status` (503s with Retry-After) and
// reports its readiness as told.
class Instance {
 public:
  Instance()
      : server_([this](Router& router) {
          router.add_sync("GET", "/actuator/health/readiness", security::Access::open,
                          [this](Request&) { return Response::json(ready_ ? 200 : 503, "{}"); });
          for (const char* method : {"GET", "POST"})
            router.add_sync(method, "/work", security::Access::open, [this](Request&) {
              ++calls_;
              auto response = Response::json(status_, "{}");
              if (status_ == 503 && retry_after_) response.headers.set("Retry-After", "1");
              return response;
            });
        }) {}
  [[nodiscard]] std::string address() const { return server_.upstream(); }
  [[nodiscard]] int calls() const { return calls_; }
  void answer(int status) { status_ = status; }
  void retry_after(bool with) { retry_after_ = with; }
  void set_ready(bool ready) { ready_ = ready; }

 private:
  std::atomic<int> calls_{0};
  std::atomic<int> status_{200};
  std::atomic<bool> ready_{true};
  std::atomic<bool> retry_after_{true};
  TestServer server_;
};

// An instance that reads each request and hangs up without an answer: it may have acted on it.
class HangingUp {
 public:
  HangingUp() : acceptor_(io_, {asio::ip::make_address("127.0.0.1"), 0}), thread_([this] { serve(); }) {}
  ~HangingUp() {
    stopping_ = true;
    boost::system::error_code ignored;
    asio::ip::tcp::socket wake(io_);
    wake.connect(acceptor_.local_endpoint(), ignored);
    thread_.join();
  }
  [[nodiscard]] std::string upstream() const {
    return "127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port());
  }
  [[nodiscard]] int requests() const { return requests_; }

 private:
  void serve() {
    while (!stopping_) {
      boost::system::error_code error;
      auto socket = acceptor_.accept(error);
      if (error || stopping_) continue;
      std::array<char, 4096> bytes{};
      if (socket.read_some(asio::buffer(bytes), error) > 0) ++requests_;
      socket.close();
    }
  }
  asio::io_context io_;
  asio::ip::tcp::acceptor acceptor_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> requests_{0};
  std::thread thread_;
};

resilience::OutlierOptions seed_like(std::chrono::milliseconds base_ejection = 60s) {
  return resilience::OutlierOptions{.consecutive_errors = 1, .interval = 50ms, .base_ejection = base_ejection,
                                    .max_ejection = base_ejection, .max_ejection_percent = 100};
}

// The caller's side: a client and an io_context on a thread of their own, as in a service.
class Caller {
 public:
  Caller() : work_(asio::make_work_guard(io_)), thread_([this] { io_.run(); }) {}
  ~Caller() {
    work_.reset();
    io_.stop();
    thread_.join();
  }
  // One call through `instances`: the answer's status, or -1 when it threw an UpstreamError.
  int call(Instances& instances, const std::string& method, bool idempotency_key = false) {
    try {
      return send(instances, method, idempotency_key).get().status;
    } catch (const UpstreamError&) {
      return -1;
    }
  }
  // The kind of UpstreamError one call threw (none when it was answered).
  std::optional<UpstreamError::Kind> failure_of(Instances& instances, const std::string& method, bool idempotency_key) {
    try {
      send(instances, method, idempotency_key).get();
      return std::nullopt;
    } catch (const UpstreamError& e) {
      return e.kind();
    }
  }
  asio::io_context& io() { return io_; }

 private:
  std::future<Response> send(Instances& instances, const std::string& method, bool idempotency_key) {
    auto request = make_request(method, "/work", "{}");
    if (idempotency_key) request.headers.set("Idempotency-Key", "k-1");
    return asio::co_spawn(io_, instances.send(client_, std::move(request)), asio::use_future);
  }

  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  Client client_{io_};
  std::thread thread_;
};

double series(MetricsRegistry& metrics, const std::string& line_start) {
  auto text = metrics.render();
  auto at = text.find(line_start + " ");
  return at == std::string::npos ? -1 : std::stod(text.substr(at + line_start.size() + 1));
}

TEST(Instances, ACallThatReachedNoInstanceGoesToAnotherEvenAPost) {
  RefusingPort gone;
  Instance alive;
  MetricsRegistry metrics;
  Instances instances("svc", {gone.upstream(), alive.address()}, seed_like(), metrics);
  Caller caller;
  for (int i = 0; i < 4; ++i) EXPECT_EQ(caller.call(instances, "POST"), 200) << "call " << i;
  EXPECT_EQ(alive.calls(), 4);
  EXPECT_TRUE(instances.ejected(0)) << "a refused connection is an error";
  EXPECT_EQ(series(metrics, "upstream_retries_total{service=\"svc\"}"), 1) << "ejected after the first refusal";
  EXPECT_EQ(series(metrics, "upstream_ejections_total{service=\"svc\",instance=\"" + gone.upstream() + "\"}"), 1);
  EXPECT_EQ(series(metrics, "upstream_instance_ejected{service=\"svc\",instance=\"" + gone.upstream() + "\"}"), 1);
}

TEST(Instances, AFailingInstanceIsEjectedAndGetsNoCallsUntilItsTimeIsUp) {
  Instance a, b, broken;
  broken.answer(500);
  MetricsRegistry metrics;
  Instances instances("svc", {a.address(), b.address(), broken.address()}, seed_like(2s), metrics);
  Caller caller;
  std::vector<int> statuses;
  for (int i = 0; i < 9; ++i) statuses.push_back(caller.call(instances, "POST"));
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 500), 1) << "a POST that got an answer is not repeated";
  EXPECT_EQ(broken.calls(), 1);
  EXPECT_TRUE(instances.ejected(2));
  broken.answer(200);
  ASSERT_TRUE(wait_until([&] { return !instances.ejected(2); }, 5s));
  for (int i = 0; i < 6; ++i) EXPECT_EQ(caller.call(instances, "POST"), 200);
  EXPECT_GT(broken.calls(), 1) << "back in turn after the ejection time";
}

TEST(Instances, ReadinessDownTakesAnInstanceOutWithoutAFailedCallAndItComesBack) {
  Instance a, b, c;
  MetricsRegistry metrics;
  Instances instances("svc", {a.address(), b.address(), c.address()}, seed_like(2s), metrics);
  Caller caller;
  instances.start_probing(caller.io());
  c.set_ready(false);  // PUT /actuator/down: it still serves, but says it should not be sent work
  ASSERT_TRUE(wait_until([&] { return instances.ejected(2); }, 2s));
  int before = c.calls();
  // Over ten probe intervals: no gap between one probe's DOWN and the next lets a call through.
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(caller.call(instances, "POST"), 200);
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(c.calls(), before) << "no call while DOWN";
  c.set_ready(true);
  ASSERT_TRUE(wait_until([&] { return !instances.ejected(2); }, 5s));
  for (int i = 0; i < 6; ++i) EXPECT_EQ(caller.call(instances, "POST"), 200);
  EXPECT_GT(c.calls(), before) << "traffic returns once a probe finds it UP";
}

TEST(Instances, ALoadShedding503IsNeitherRetriedNorAnEjection) {
  Instance busy, other;
  busy.answer(503);
  MetricsRegistry metrics;
  Instances instances("svc", {busy.address(), other.address()}, seed_like(), metrics);
  Caller caller;
  EXPECT_EQ(caller.call(instances, "GET"), 503) << "starts on the first instance";
  EXPECT_EQ(other.calls(), 0) << "a working instance turning work away: retrying elsewhere would multiply load";
  EXPECT_FALSE(instances.ejected(0));
}

// A 503 without Retry-After is no deliberate refusal: it ejects the instance, and then the call
// may go elsewhere if repeating it is safe.
TEST(Instances, A503FromAnEjectedInstanceIsRetriedOnlyWhenTheRequestMayBeRepeated) {
  for (auto [method, key, repeated] : {std::tuple{"GET", false, true}, std::tuple{"POST", true, true},
                                       std::tuple{"POST", false, false}}) {
    SCOPED_TRACE(std::string(method) + (key ? " with Idempotency-Key" : ""));
    Instance failing, other;
    failing.answer(503);
    failing.retry_after(false);
    MetricsRegistry metrics;
    Instances instances("svc", {failing.address(), other.address()}, seed_like(), metrics);
    Caller caller;
    EXPECT_EQ(caller.call(instances, method, key), repeated ? 200 : 503) << "the first call starts on `failing`";
    EXPECT_EQ(failing.calls(), 1);
    EXPECT_EQ(other.calls(), repeated ? 1 : 0);
    EXPECT_TRUE(instances.ejected(0));
  }
}

TEST(Instances, NoMoreAttemptsThanThreeNorThanInstances) {
  std::vector<std::unique_ptr<RefusingPort>> gone(5);
  std::vector<std::string> addresses;
  for (auto& port : gone) addresses.push_back((port = std::make_unique<RefusingPort>())->upstream());
  MetricsRegistry metrics;
  Instances instances("svc", addresses, seed_like(), metrics);
  Caller caller;
  EXPECT_EQ(caller.call(instances, "GET"), -1);
  EXPECT_EQ(series(metrics, "upstream_retries_total{service=\"svc\"}"), 2);
}

TEST(Instances, ACallOneInstanceMayHaveActedOnIsNeverReportedAsReachingNone) {
  // Sent again after the first instance hung up on it, the call finds the other refusing: the
  // caller must learn that the request may have been acted on (a charge may stand), not that it
  // reached no instance (it would then take nothing as done).
  HangingUp hangs_up;
  RefusingPort gone;
  MetricsRegistry metrics;
  Instances instances("svc", {hangs_up.upstream(), gone.upstream()}, seed_like(), metrics);
  Caller caller;
  auto failure = caller.failure_of(instances, "POST", true);
  ASSERT_EQ(hangs_up.requests(), 1);
  EXPECT_EQ(series(metrics, "upstream_retries_total{service=\"svc\"}"), 1) << "the keyed call was sent again";
  ASSERT_TRUE(failure.has_value());
  EXPECT_NE(*failure, UpstreamError::Kind::connect);
}

TEST(Instances, A503AfterAnAttemptThatMayHaveBeenActedOnIsNotTakenAsNothingDone) {
  HangingUp hangs_up;
  Instance shedding;
  shedding.answer(503);
  MetricsRegistry metrics;
  Instances instances("svc", {hangs_up.upstream(), shedding.address()}, seed_like(), metrics);
  Caller caller;
  auto failure = caller.failure_of(instances, "POST", true);
  ASSERT_EQ(hangs_up.requests(), 1);
  ASSERT_EQ(shedding.calls(), 1);
  ASSERT_TRUE(failure.has_value()) << "the 503 speaks for its own instance only";
  EXPECT_EQ(*failure, UpstreamError::Kind::protocol);
}

}  // namespace
}  // namespace cinema::http
