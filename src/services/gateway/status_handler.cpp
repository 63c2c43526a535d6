#include "services/gateway/status_handler.hpp"

#include <cstdlib>

#include "core/json.hpp"

namespace cinema::gateway {
namespace {

struct Answer {
  int status = 0;  // 0: unreachable
  std::string body;
};

boost::asio::awaitable<Answer> ask(http::Client& client, const std::string& address, std::string target,
                                   const std::string& trace_id) {
  http::Request request{.method = "GET", .target = std::move(target)};
  request.trace_id = trace_id;
  try {
    auto response = co_await client.send(address, std::move(request));
    co_return Answer{response.status, std::move(response.body)};
  } catch (const http::UpstreamError&) {
    co_return Answer{};
  }
}

json::Json optional_number(std::optional<double> value) {
  return value ? json::Json(static_cast<std::int64_t>(*value)) : json::Json(nullptr);
}

}  // namespace

std::optional<double> metric_sum(std::string_view exposition, std::string_view metric) {
  std::optional<double> sum;
  while (!exposition.empty()) {
    auto end = exposition.find('\n');
    auto line = exposition.substr(0, end);
    exposition = end == std::string_view::npos ? std::string_view{} : exposition.substr(end + 1);
    if (!line.starts_with(metric) || line.size() <= metric.size()) continue;
    char next = line[metric.size()];
    if (next != ' ' && next != '{') continue;  // another metric sharing the prefix
    auto space = line.rfind(' ');
    std::string value(line.substr(space + 1));
    char* parsed_end = nullptr;
    double number = std::strtod(value.c_str(), &parsed_end);
    if (parsed_end == value.c_str()) continue;
    sum = sum.value_or(0) + number;
  }
  return sum;
}

void StatusHandler::register_routes(http::Router& router) {
  router.add("GET", "/gateway/status", http::Access::manager, [this](http::Request& r) { return status(r); });
}

http::Awaitable StatusHandler::status(http::Request& request) {
  auto services = json::Json::array();
  for (const auto& upstream : upstreams_) {
    auto instances = json::Json::array();
    for (std::size_t i = 0; i < upstream.size(); ++i) {
      const auto& address = upstream.address(i);
      auto health = co_await ask(client_, address, "/actuator/health", request.trace_id);
      auto metrics = co_await ask(client_, address, "/metrics", request.trace_id);
      std::string state = health.status == 0 ? "UNREACHABLE" : health.status == 200 ? "UP" : "DOWN";
      auto circuit = metric_sum(metrics.body, "payment_circuit_open");
      instances.push_back({{"address", address},
                           {"status", state},
                           {"circuit", circuit ? json::Json(*circuit > 0 ? "open" : "closed") : json::Json(nullptr)},
                           {"deadLettered", optional_number(metric_sum(metrics.body, "events_dead_lettered_total"))},
                           {"consumerLag", optional_number(metric_sum(metrics.body, "events_consumer_lag"))},
                           {"outboxBacklog", optional_number(metric_sum(metrics.body, "outbox_backlog"))}});
    }
    services.push_back({{"service", upstream.service()}, {"instances", std::move(instances)}});
  }
  auto response = http::Response::json(200, json::dump(json::Json{{"services", std::move(services)}}));
  response.headers.set("Cache-Control", "no-store");
  co_return response;
}

}  // namespace cinema::gateway
