#include "core/http/instances.hpp"

#include <algorithm>
#include <atomic>
#include <optional>
#include <stdexcept>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/metrics.hpp"

namespace cinema::http {
namespace {
namespace asio = boost::asio;
using Clock = resilience::OutlierDetector::Clock;

// Whether an answer counts against the instance. A 5xx does, except a 503 with Retry-After: that
// is a working instance turning work away on purpose (its load shedding, its breaker towards a
// dependency every instance shares, a drain), and ejecting it would only pile its share of the
// load onto the others. An instance that is unfit says so in its readiness, which is probed.
enum class Verdict { working, failing, neutral };
Verdict judge(const Response& response) {
  if (response.status < 500) return Verdict::working;
  if (response.status == 503 && response.headers.get("Retry-After")) return Verdict::neutral;
  return Verdict::failing;
}

bool closes_connection(const Response& response) {
  auto connection = response.headers.get("Connection");
  return connection && iequals(*connection, "close");
}
}  // namespace

struct Instances::State {
  State(std::string name, std::vector<std::string> list, resilience::OutlierOptions outlier, MetricsRegistry& metrics)
      : service(std::move(name)),
        addresses(std::move(list)),
        options(outlier),
        detector(addresses.size(), outlier),
        retries(metrics.counter("upstream_retries_total",
                                "Attempts sent to another instance of a service after one failed", {{"service", service}})) {
    for (const auto& address : addresses)
      ejections.push_back(&metrics.counter("upstream_ejections_total",
                                           "Times outlier detection took an instance out of its service's calls",
                                           {{"service", service}, {"instance", address}}));
  }

  void failed(std::size_t instance, Clock::time_point now) {
    if (detector.record_failure(instance, now)) ejections[instance]->inc();
  }
  void not_ready(std::size_t instance, Clock::time_point now) {
    if (detector.record_not_ready(instance, now)) ejections[instance]->inc();
  }

  const std::string service;
  const std::vector<std::string> addresses;
  const resilience::OutlierOptions options;
  resilience::OutlierDetector detector;
  Counter& retries;
  std::vector<Counter*> ejections;  // per instance
  std::atomic<std::size_t> next_start{0};
  std::atomic<bool> stopped{false};
};

namespace {
// Every interval, each instance not ejected for errors is asked for its readiness. DOWN (any answer
// but 200) or a refused connection takes it out until a probe finds it UP; a probe without an
// answer in time counts as one failure.
asio::awaitable<void> probe_forever(std::shared_ptr<Instances::State> state, std::shared_ptr<Client> client) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  while (!state->stopped) {
    timer.expires_after(state->options.interval);
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    for (std::size_t i = 0; i < state->addresses.size() && !state->stopped; ++i) {
      if (!state->detector.probe_due(i, Clock::now())) continue;
      std::optional<UpstreamError::Kind> failure;
      int status = 0;
      Request probe{.method = "GET", .target = "/actuator/health/readiness"};
      try {
        auto answer = co_await client->send(state->addresses[i], std::move(probe));
        status = answer.status;
      } catch (const UpstreamError& e) {
        failure = e.kind();
      } catch (const std::exception&) {
        failure = UpstreamError::Kind::protocol;
      }
      if (status == 200) {
        state->detector.record_ready(i);
        continue;
      }
      if (failure && *failure != UpstreamError::Kind::connect) state->failed(i, Clock::now());
      else state->not_ready(i, Clock::now());
    }
  }
}
}  // namespace

Instances::Instances(std::string service, std::vector<std::string> addresses, resilience::OutlierOptions outlier,
                     MetricsRegistry& metrics)
    : state_(std::make_shared<State>(std::move(service), std::move(addresses), outlier, metrics)) {
  for (std::size_t i = 0; i < state_->addresses.size(); ++i)
    metrics.gauge("upstream_instance_ejected", "1 while outlier detection keeps the instance out of its service's calls",
                  {{"service", state_->service}, {"instance", state_->addresses[i]}},
                  [state = state_, i] { return state->detector.ejected(i, Clock::now()) ? 1.0 : 0.0; });
}

Instances::~Instances() { state_->stopped = true; }

const std::string& Instances::service() const { return state_->service; }
std::size_t Instances::size() const { return state_->addresses.size(); }
const std::string& Instances::address(std::size_t instance) const { return state_->addresses.at(instance); }
bool Instances::ejected(std::size_t instance) const { return state_->detector.ejected(instance, Clock::now()); }

Awaitable Instances::send(Client& client, Request request) {
  auto& state = *state_;
  auto count = state.addresses.size();
  if (count == 0) throw UpstreamError(UpstreamError::Kind::connect, "no instance of " + state.service + " is configured");
  bool repeatable = safe_to_repeat(request);
  auto attempts = std::min(count, kMaxAttempts);
  auto start = state.next_start.fetch_add(1, std::memory_order_relaxed);
  std::vector<bool> tried(count, false);
  // The failure of an attempt that may have reached an instance: it outranks a later attempt's
  // refused connection, since the caller must not take the request as never having arrived.
  std::optional<UpstreamError> may_have_acted;
  for (std::size_t attempt = 1;; ++attempt) {
    auto instance = *state.detector.choose(start, tried, Clock::now());  // an untried one is left
    tried[instance] = true;
    bool last = attempt == attempts;
    std::optional<UpstreamError> failure;
    Response response;
    // A named copy: GCC 12 mishandles temporaries made inside a co_await's operand.
    Request attempt_request = last ? std::move(request) : request;
    try {
      response = co_await client.send(state.addresses[instance], std::move(attempt_request));
    } catch (const UpstreamError& e) {
      failure = e;
    }
    auto now = Clock::now();
    bool again = false;
    if (failure) {
      state.failed(instance, now);
      if (failure->kind() != UpstreamError::Kind::connect) may_have_acted = failure;
      again = failure->kind() == UpstreamError::Kind::connect ||
              (repeatable && failure->kind() == UpstreamError::Kind::protocol);
    } else {
      auto verdict = judge(response);
      if (verdict == Verdict::working) state.detector.record_success(instance, now);
      if (verdict == Verdict::failing) state.failed(instance, now);
      again = repeatable && response.status == 503 &&
              (state.detector.ejected(instance, now) || closes_connection(response));
    }
    if (last || !again) {
      if (failure) throw failure->kind() == UpstreamError::Kind::connect && may_have_acted ? *may_have_acted : *failure;
      if (may_have_acted && response.status == 503) throw *may_have_acted;  // "did nothing" holds for that instance only
      co_return response;
    }
    state.retries.inc();
  }
}

void Instances::start_probing(boost::asio::io_context& io) {
  if (state_->addresses.size() < 2 || state_->detector.max_ejected() == 0) return;
  // Generous: a busy instance that answers its probe late is not ejected for that alone.
  auto timeout = std::clamp(2 * state_->options.interval, std::chrono::milliseconds(1'000), std::chrono::milliseconds(5'000));
  auto client = std::make_shared<Client>(io, ClientOptions{.connect_timeout = timeout, .request_timeout = timeout,
                                                           .max_idle_per_upstream = 1});
  asio::co_spawn(io, probe_forever(state_, std::move(client)), [](std::exception_ptr failure) {
    if (failure) std::rethrow_exception(failure);
  });
}

std::vector<std::string> parse_instances(const std::string& list) {
  std::vector<std::string> instances;
  std::size_t start = 0;
  while (start <= list.size()) {
    auto comma = list.find(',', start);
    if (comma == std::string::npos) comma = list.size();
    auto item = list.substr(start, comma - start);
    item.erase(0, item.find_first_not_of(' '));
    item.erase(item.find_last_not_of(' ') + 1);
    if (!item.empty()) {
      auto colon = item.rfind(':');
      if (colon == std::string::npos || colon == 0 || colon + 1 == item.size() ||
          item.find_first_not_of("0123456789", colon + 1) != std::string::npos)
        throw std::invalid_argument("'" + item + "' is not host:port");
      instances.push_back(item);
    }
    start = comma + 1;
  }
  return instances;
}

std::vector<SettingSpec> outlier_setting_specs() {
  using T = SettingType;
  return {
      {"http.outlier.consecutive_errors", T::integer, "5",
       "Failures in a row (no answer, refused connection, a 5xx other than a 503 with Retry-After) that eject "
       "an instance from the calls to its service (Istio consecutive5xxErrors; Envoy's default; the seed sets 1). 0: errors "
       "never eject; a readiness DOWN still does.",
       0, 1000},
      {"http.outlier.interval_ms", T::integer, "1000",
       "How often each instance's readiness is asked (a DOWN ejects it), and the time back in the pool that "
       "forgives one earlier ejection (Istio interval).",
       10, 3'600'000},
      {"http.outlier.base_ejection_ms", T::integer, "30000",
       "How long an ejection lasts, times the number of times the instance was ejected (Istio "
       "baseEjectionTime; Envoy's default; the seed sets 3 minutes).",
       1, 86'400'000},
      {"http.outlier.max_ejection_ms", T::integer, "300000",
       "Cap of one ejection's length (Envoy's max_ejection_time; at least the base time).", 1, 86'400'000},
      {"http.outlier.max_ejection_percent", T::integer, "100",
       "Share of a service's instances that may be ejected at once; at least one, never all of them "
       "(Istio maxEjectionPercent). 0: nothing is ejected.",
       0, 100},
  };
}

resilience::OutlierOptions outlier_options(const Config& config) {
  return resilience::OutlierOptions{
      .consecutive_errors = static_cast<int>(config.integer("http.outlier.consecutive_errors")),
      .interval = std::chrono::milliseconds(config.integer("http.outlier.interval_ms")),
      .base_ejection = std::chrono::milliseconds(config.integer("http.outlier.base_ejection_ms")),
      .max_ejection = std::chrono::milliseconds(config.integer("http.outlier.max_ejection_ms")),
      .max_ejection_percent = static_cast<int>(config.integer("http.outlier.max_ejection_percent")),
  };
}

}  // namespace cinema::http
