// The one `cinema` binary: `serve <service>` runs one service, `up` runs them all, `restart`
// replaces a running service's instances, `config` documents and checks the settings.
#include <algorithm>
#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/audit/audit_command.hpp"
#include "cli/catalog.hpp"
#include "cli/client_commands.hpp"
#include "cli/dev_kafka.hpp"
#include "cli/events_command.hpp"
#include "cli/supervisor.hpp"
#include "cli/supervisor_control.hpp"
#include "cli/token_command.hpp"
#include "core/config.hpp"
#include "core/service_host.hpp"
#include "events/runtime.hpp"
#include "store/service_database.hpp"

namespace {
using namespace cinema;

std::string config_file_or_env(const std::string& flag) {
  if (!flag.empty()) return flag;
  return process_environment("CINEMA_CONFIG").value_or("");
}

int serve(const std::string& name, const std::string& config_file) {
  const auto* entry = cli::find_service(name);
  if (!entry) throw ConfigError("unknown service '" + name + "'");
  auto config = Config::load(cli::settings_of(*entry), config_file_or_env(config_file));
  ServiceHost host(entry->name, config, entry->default_port);
  auto service = entry->make(host.context());
  return host.run();
}

std::string config_reference() {
  std::vector<SettingGroup> groups{common_settings(), events::event_settings()};
  for (const auto& entry : cli::service_catalog()) groups.push_back(entry.settings());
  return render_config_reference(groups);
}

int show_config(const std::string& name, const std::string& config_file) {
  const auto* entry = cli::find_service(name);
  if (!entry) throw ConfigError("unknown service '" + name + "'");
  auto specs = cli::settings_of(*entry);
  auto config = Config::load(specs, config_file_or_env(config_file));
  for (const auto& spec : specs) {
    auto value = spec.type == SettingType::string    ? config.text(spec.key)
                 : spec.type == SettingType::integer ? std::to_string(config.integer(spec.key))
                                                     : std::string(config.boolean(spec.key) ? "true" : "false");
    // Secrets are not printed: a terminal and its scrollback are no place for them.
    if (spec.key.ends_with(".secret") && !value.empty()) value = "(set, " + std::to_string(value.size()) + " bytes; not shown)";
    if (spec.key == "database.url") value = store::without_password(value);
    std::cout << spec.key << " = " << value << "  (" << config.source(spec.key) << ")\n";
  }
  return 0;
}
}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"cinema: a cinema reservation system of C++ microservices"};
  app.require_subcommand(1);
  std::string config_file, service;

  auto* serve_cmd = app.add_subcommand("serve", "Run one service in the foreground");
  serve_cmd->add_option("service", service, "movie | reservation | payment | message | viewpage | gateway")->required();
  serve_cmd->add_option("--config", config_file, "YAML settings file (or CINEMA_CONFIG)");

  cli::UpOptions up;
  auto* up_cmd = app.add_subcommand("up", "Run the whole system (gateway on :8088) until Ctrl-C");
  up_cmd->add_option("--data", up.data_dir, "Directory for databases and logs")->capture_default_str();
  up_cmd->add_option("--host", up.host, "Address every service listens on")->capture_default_str();
  up_cmd->add_option("--port", up.gateway_port, "Gateway port")->capture_default_str();
  up_cmd->add_option("--base-port", up.base_port, "Port of the first service; the others follow")->capture_default_str();
  up_cmd->add_option("--config", up.config_file, "YAML settings file given to every service");
  up_cmd->add_option("--only", up.only, "Run only these services")->delimiter(',');
  up_cmd->add_option("--bus", up.bus, "embedded (a log file in --data) or kafka (a mock cluster, or --kafka-brokers)")
      ->check(CLI::IsMember({"embedded", "kafka"}))
      ->capture_default_str();
  up_cmd->add_option("--kafka-brokers", up.kafka_brokers, "With --bus=kafka: an existing cluster instead of the mock");
  up_cmd->add_option("--store", up.store,
                     "sqlite | postgres | <service>=sqlite|postgres,... (e.g. reservation=postgres,payment=postgres)")
      ->capture_default_str();
  up_cmd->add_option("--postgres-url", up.postgres_url,
                     "With --store: a PostgreSQL server to use (postgresql://user@host:port/postgres) instead of a "
                     "private one under --data");
  up_cmd->add_option("--replicas", up.replicas,
                     "Instances of services: reservation=2,payment=2 (the k-th on the service's port + 10 k)");
  up_cmd->add_option("--postgres-port", up.postgres_port, "Port of the private PostgreSQL server (default: base port + 9)");
  up_cmd->add_option("--security", up.security_mode, "dev | enforce (default: dev on a loopback --host, else enforce)")
      ->check(CLI::IsMember({"dev", "enforce"}));
  up_cmd->add_option("--liveness-interval-ms", up.liveness_interval_ms,
                     "How often each service's liveness is probed (0: never); one that misses "
                     "--liveness-failures probes in a row is killed and restarted")
      ->check(CLI::Range(0, 600'000))
      ->capture_default_str();
  up_cmd->add_option("--liveness-timeout-ms", up.liveness_timeout_ms, "Time a liveness probe waits for its answer")
      ->check(CLI::Range(1, 600'000))
      ->capture_default_str();
  up_cmd->add_option("--liveness-failures", up.liveness_failures, "Probes missed in a row before a restart")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();

  std::string restart_data = "./data";
  auto* restart_cmd = app.add_subcommand(
      "restart", "Replace a service's running instances one at a time, without dropping a request (rolling restart)");
  restart_cmd->add_option("service", service, "movie | reservation | payment | message | viewpage | gateway")->required();
  restart_cmd->add_option("--data", restart_data, "Data directory of the running cinema up")->capture_default_str();

  cli::EventsOptions events_options;
  auto* events_cmd = app.add_subcommand("events", "Print the event stream as JSON lines, then follow it");
  events_cmd->add_option("--config", events_options.config_file, "YAML settings file (or CINEMA_CONFIG)");
  events_cmd->add_option("--topic", events_options.topic, "Topic to read (default: event.topic)");
  events_cmd->add_flag("!--no-follow", events_options.follow, "Exit once every current event is printed");

  cli::DevKafkaOptions kafka_options;
  auto* kafka_cmd = app.add_subcommand("dev-kafka", "Run a development Kafka (mock cluster) with fault commands");
  kafka_cmd->add_option("--brokers", kafka_options.brokers, "Number of brokers")->capture_default_str();
  kafka_cmd->add_option("--partitions", kafka_options.partitions, "Partitions of the topic")->capture_default_str();

  auto* config_cmd = app.add_subcommand("config", "Settings: reference and effective values");
  config_cmd->require_subcommand(1);
  auto* docs_cmd = config_cmd->add_subcommand("docs", "Print the settings reference (docs/CONFIGURATION.md)");
  auto* show_cmd = config_cmd->add_subcommand("show", "Print a service's effective settings and their sources");
  show_cmd->add_option("service", service, "movie | reservation | payment | message | viewpage | gateway")->required();
  show_cmd->add_option("--config", config_file, "YAML settings file (or CINEMA_CONFIG)");

  cli::AuditCommand audit_command(app);
  cli::ClientCommands client_commands(app);
  cli::TokenCommand token_command(app);

  CLI11_PARSE(app, argc, argv);
  try {
    if (*serve_cmd) return serve(service, config_file);
    if (*up_cmd) return cli::run_up(up);
    if (*restart_cmd) return cli::run_restart(restart_data, service);
    if (*kafka_cmd) return cli::run_dev_kafka(kafka_options);
    if (*events_cmd) {
      events_options.config_file = config_file_or_env(events_options.config_file);
      return cli::run_events(events_options);
    }
    if (*docs_cmd) std::cout << config_reference();
    if (*show_cmd) return show_config(service, config_file);
    if (audit_command.chosen()) return audit_command.run();
    if (token_command.chosen()) return token_command.run();
    return std::max(0, client_commands.run());
  } catch (const ConfigError& e) {
    std::cerr << "cinema: configuration error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "cinema: " << e.what() << "\n";
    return 1;
  }
}
