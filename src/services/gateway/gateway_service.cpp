#include "services/gateway/gateway_service.hpp"

#include <deque>
#include <filesystem>
#include <map>

#include "core/config.hpp"
#include "core/http/admission_gate.hpp"
#include "core/security/guard.hpp"
#include "services/gateway/proxy_handler.hpp"
#include "services/gateway/rate_limits.hpp"
#include "services/gateway/static_files.hpp"
#include "services/gateway/status_handler.hpp"
#include "services/gateway/ui_settings.hpp"

namespace cinema::gateway {
namespace {
// Standard local ports of the services, as `cinema up` starts them.
const std::map<std::string, std::string> kDefaultInstances = {
    {"movie", "127.0.0.1:8081"},   {"reservation", "127.0.0.1:8082"}, {"payment", "127.0.0.1:8083"},
    {"message", "127.0.0.1:8084"}, {"viewpage", "127.0.0.1:8085"},
};

std::string upstream_key(const std::string& service) { return "gateway.upstream." + service; }

constexpr const char* kAdmissionPrefix = "gateway.admission";

bool is_reservation_request(const http::Request& request) {
  return request.method == "POST" && request.path == "/reservations";
}

constexpr const char* kUiPropertiesKey = "ui.properties_file_name";

// The seed's ConfigMap names the file; where it is mounted is the pod's business (ui.properties_dir).
std::string ui_properties_path(const Config& config) {
  std::filesystem::path name = config.text(kUiPropertiesKey);
  auto directory = config.text("ui.properties_dir");
  if (name.empty() || name.is_absolute() || directory.empty()) return name.string();
  return (std::filesystem::path(directory) / name).string();
}

std::string ui_config(const Config& config) {
  try {
    return ui_config_json(load_ui_settings(ui_properties_path(config)), config.text("security.mode"));
  } catch (const std::invalid_argument& e) {
    throw ConfigError(std::string("setting '") + kUiPropertiesKey + "': " + e.what());
  }
}
}  // namespace

class GatewayService {
 public:
  GatewayService(ServiceContext& context)
      : limits_(rate_limit_settings(context.config), context.metrics),
        client_(context.io, http::ClientOptions{
                                .connect_timeout = std::chrono::milliseconds(context.config.integer("gateway.connect_timeout_ms")),
                                .request_timeout = std::chrono::milliseconds(context.config.integer("gateway.request_timeout_ms")),
                            }),
        static_files_(embedded_files(), ui_config(context.config)),
        status_(client_, upstreams_),
        // POST /reservations is turned away here when past its limit, before it costs a hop.
        reservations_admission_(http::make_admission_gate(
            context.config, kAdmissionPrefix, context.metrics, "POST /reservations",
            "reservations are at capacity right now; nothing was reserved, retry in a moment")) {
    for (const auto& [service, defaults] : kDefaultInstances) {
      auto key = upstream_key(service);
      std::vector<std::string> instances;
      try {
        instances = parse_instances(context.config.text(key));
      } catch (const std::invalid_argument& e) {
        throw ConfigError("setting '" + key + "': " + e.what());
      }
      auto& upstream = upstreams_.emplace_back(service, std::move(instances), http::outlier_options(context.config),
                                               context.metrics);
      upstream.start_probing(context.io);
      proxies_.emplace(service,
                       ProxyHandler(client_, upstream, context.security.credential, limits_, context.metrics, context.log));
    }
  }

  void register_routes(http::Router& router) {
    for (const auto& rule : route_rules()) {
      auto& proxy = proxies_.at(rule.service);
      if (rule.read_only)
        router.add_prefix(rule.prefix, http::Access::anyone, [&proxy](http::Request& request) { return proxy.forward_reads(request); });
      else
        router.add_prefix(rule.prefix, http::Access::anyone, admitted(rule.service, [&proxy](http::Request& request) {
                            return proxy.forward(request);
                          }));
    }
    static_files_.register_routes(router);
    status_.register_routes(router);
  }

 private:
  http::AsyncHandler admitted(const std::string& service, http::AsyncHandler forward) {
    if (service != "reservation" || !reservations_admission_) return forward;
    return reservations_admission_->guard(std::move(forward), is_reservation_request);
  }

  RateLimits limits_;
  http::Client client_;
  std::deque<Upstream> upstreams_;  // deque: proxies hold references, so elements never move
  std::map<std::string, ProxyHandler> proxies_;
  StaticFiles static_files_;
  StatusHandler status_;
  std::unique_ptr<http::AdmissionGate> reservations_admission_;  // null: off
};

SettingGroup gateway_settings() {
  SettingGroup group{"gateway",
                     {{"gateway.connect_timeout_ms", SettingType::integer, "2000",
                       "Time allowed to connect to an upstream instance.", 1, 600'000},
                      {"gateway.request_timeout_ms", SettingType::integer, "15000",
                       "Time allowed for an upstream to answer; then 504.", 1, 3'600'000},
                      {kUiPropertiesKey, SettingType::string, "",
                       "Properties file (key=value: cinema.name, currency, color.primary, color.accent, "
                       "color.background, color.text) whose settings the web UI at /ui/ shows; empty: built-in "
                       "defaults. The seed's ConfigMap key."},
                      {"ui.properties_dir", SettingType::string, "",
                       "Directory a relative ui.properties_file_name is read from (where a pod mounts the file); "
                       "empty: the working directory."}}};
  for (auto& spec : rate_limit_setting_specs()) group.settings.push_back(std::move(spec));
  for (auto& spec : http::admission_setting_specs(kAdmissionPrefix, "POST /reservations at the gateway"))
    group.settings.push_back(std::move(spec));
  for (const auto& [service, instances] : kDefaultInstances)
    group.settings.push_back({upstream_key(service), SettingType::string, instances,
                              "Instances (host:port, comma-separated) of the " + service + " service."});
  return group;
}

std::shared_ptr<GatewayService> make_gateway_service(ServiceContext& context) {
  auto service = std::make_shared<GatewayService>(context);
  // The edge: end users' tokens are verified here; the services behind it decide what they allow.
  context.router.set_authenticator(&context.security.edge);
  service->register_routes(context.router);
  return service;
}

}  // namespace cinema::gateway
