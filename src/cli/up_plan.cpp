#include "cli/up_plan.hpp"

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>

#include "cli/catalog.hpp"
#include "cli/token_command.hpp"
#include "core/config.hpp"

extern char** environ;

namespace cinema::cli {

std::vector<PlannedInstance> plan_instances(const UpOptions& options) {
  auto logs = std::filesystem::path(options.data_dir) / "logs";
  for (const auto& name : options.only)
    if (!find_service(name)) throw ConfigError("--only: unknown service '" + name + "'");
  // Services keep their standard ports' order and spacing (movie 8081, reservation 8082, ...)
  // shifted to start at --base-port; a service not started is simply not there (connection refused).
  constexpr int kFirstStandardPort = 8081;
  auto replicas = parse_replicas(options.replicas);
  if (replicas.contains("gateway") && replicas["gateway"] != 1)
    throw ConfigError("--replicas: the gateway runs once (it is the one address clients know)");
  std::vector<PlannedInstance> plan;
  for (const auto& entry : service_catalog()) {
    int count = replicas.contains(entry.name) ? replicas[entry.name] : 1;
    for (int instance = 0; instance < count; ++instance) {
      PlannedInstance planned{.service = entry.name, .instance = instance};
      planned.port = entry.name == "gateway" ? options.gateway_port
                                             : static_cast<std::uint16_t>(options.base_port + entry.default_port -
                                                                          kFirstStandardPort + 10 * instance);
      planned.log_path = (logs / (instance_name(planned) + ".log")).string();
      planned.selected = options.only.empty() ||
                         std::find(options.only.begin(), options.only.end(), entry.name) != options.only.end();
      plan.push_back(planned);
    }
  }
  return plan;
}

std::string instance_name(const PlannedInstance& instance) {
  return instance.instance == 0 ? instance.service : fmt::format("{}-{}", instance.service, instance.instance + 1);
}

std::string reachable_host(const UpOptions& options) { return options.host == "0.0.0.0" ? "127.0.0.1" : options.host; }

std::map<std::string, std::string> service_addresses(const UpOptions& options, const std::vector<PlannedInstance>& plan) {
  std::map<std::string, std::string> addresses;
  for (const auto& instance : plan) {
    if (instance.service == "gateway") continue;
    auto& list = addresses[instance.service];
    list += (list.empty() ? "" : ",") + fmt::format("{}:{}", reachable_host(options), instance.port);
  }
  return addresses;
}

std::vector<std::string> child_environment(const UpOptions& options, const PlannedInstance& instance,
                                           const std::map<std::string, std::string>& addresses,
                                           const std::string& database_url) {
  std::vector<std::pair<std::string, std::string>> overrides = {
      {"HTTP_HOST", options.host},
      {"HTTP_PORT", std::to_string(instance.port)},
      // A replacement listens beside the process it replaces (`cinema restart`).
      {Config::env_name("http.reuse_port"), "true"},
      {"DATA_DIR", options.data_dir},
      {"LOG_FILE", instance.log_path},
      // Its own database, or none (SQLite): never a DATABASE_URL this process was given.
      {Config::env_name("database.url"), database_url},
  };
  if (!options.config_file.empty()) overrides.emplace_back("CINEMA_CONFIG", options.config_file);
  overrides.emplace_back(Config::env_name("security.mode"), options.security_mode);
  // HS256 keys: the one given, else the one this data directory keeps (made on its first run).
  auto secret_name = Config::env_name("security.jwt.secret");
  if (!process_environment(secret_name)) overrides.emplace_back(secret_name, data_dir_secret(options.data_dir, true));
  if (options.bus == "kafka") {
    overrides.emplace_back("EVENT_BUS", "kafka");
    overrides.emplace_back("KAFKA_BROKERS", options.kafka_brokers);
  }
  // The gateway's routes, and reservation's synchronous payment call.
  for (const auto& [service, list] : addresses) {
    overrides.emplace_back(Config::env_name("gateway.upstream." + service), list);
    if (service == "payment") overrides.emplace_back(Config::env_name("reservation.payment_upstream"), list);
  }
  std::vector<std::string> environment;
  for (char** entry = environ; *entry; ++entry) {
    std::string_view text(*entry);
    auto name = text.substr(0, text.find('='));
    if (std::none_of(overrides.begin(), overrides.end(), [&](const auto& o) { return o.first == name; }))
      environment.emplace_back(text);
  }
  for (const auto& [name, value] : overrides) environment.push_back(name + "=" + value);
  return environment;
}

std::map<std::string, int> parse_replicas(const std::string& value) {
  std::map<std::string, int> replicas;
  std::size_t start = 0;
  while (!value.empty() && start <= value.size()) {
    auto end = std::min(value.find(',', start), value.size());
    auto item = value.substr(start, end - start);
    auto equals = item.find('=');
    auto service = item.substr(0, equals);
    int count = 0;
    if (equals != std::string::npos) {
      auto digits = item.substr(equals + 1);
      if (!digits.empty() && digits.size() <= 2 && digits.find_first_not_of("0123456789") == std::string::npos)
        count = std::stoi(digits);
    }
    if (!find_service(service) || count < 1 || count > 9)
      throw ConfigError("--replicas: '" + item + "' is not <service>=<1..9> (e.g. reservation=2,payment=2)");
    replicas[service] = count;
    start = end + 1;
  }
  return replicas;
}

std::map<std::string, std::string> parse_store_choice(const std::string& value) {
  static const char* const kServicesWithData[] = {"movie", "reservation", "payment", "message", "viewpage"};
  std::map<std::string, std::string> choice;
  for (const auto* service : kServicesWithData) choice[service] = "sqlite";
  if (value == "sqlite" || value == "postgres") {
    for (auto& [service, backend] : choice) backend = value;
    return choice;
  }
  std::size_t start = 0;
  while (start <= value.size()) {
    auto end = std::min(value.find(',', start), value.size());
    auto item = value.substr(start, end - start);
    auto equals = item.find('=');
    auto service = item.substr(0, equals), backend = equals == std::string::npos ? "" : item.substr(equals + 1);
    if (!choice.contains(service) || (backend != "sqlite" && backend != "postgres"))
      throw ConfigError("--store: '" + item + "' is not <service>=sqlite|postgres (services: movie, reservation, "
                        "payment, message, viewpage), and '" + value + "' is not sqlite or postgres");
    choice[service] = backend;
    start = end + 1;
  }
  return choice;
}

}  // namespace cinema::cli
