#pragma once
// What `cinema up` is asked to run, and where: its options, the instances of each service with
// their ports, what each process is told in its environment, and the parsing of --replicas and
// --store. No processes here (cli/supervisor.*, cli/child_process.*).
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace cinema::cli {

struct UpOptions {
  std::string data_dir = "./data";
  std::string host = "127.0.0.1";
  std::uint16_t gateway_port = 8088;
  std::uint16_t base_port = 8081;  // movie's port; the others keep their standard offsets from it
  std::string config_file;         // passed on to every child
  std::vector<std::string> only;   // empty: every service
  std::string bus = "embedded";    // or "kafka"
  std::string kafka_brokers;       // kafka without brokers: a mock cluster inside the supervisor
  // Where each service keeps its data: "sqlite" (all, the default), "postgres" (every service that
  // has data), or per service: "reservation=postgres,payment=postgres" (the others on SQLite).
  std::string store = "sqlite";
  // A PostgreSQL server to use (its maintenance database, postgresql://user@host:port/postgres);
  // empty: a private server under <data>/postgres on postgres_port (0: base port + 9).
  std::string postgres_url;
  std::uint16_t postgres_port = 0;
  // Instances per service: "reservation=2,payment=2" (others 1; the gateway is always 1). The
  // k-th instance (from 0) listens on the service's port + 10 k; callers spread over them.
  std::string replicas;
  // security.mode of every child; empty: SECURITY_MODE, else dev on a loopback --host, enforce on any other.
  std::string security_mode;
  int ready_timeout_ms = 15'000;
  int stop_grace_ms = 15'000;
  // Liveness polling (docs/RESILIENCE.md, "Self-healing"): every interval, each running child's
  // /actuator/health/liveness must answer within the timeout; after `failures` misses in a row
  // the child is killed and restarted. An interval of 0 turns polling off.
  int liveness_interval_ms = 1'000;
  int liveness_timeout_ms = 1'000;
  int liveness_failures = 3;
};

// One process of a service: the k-th instance (from 0) of `service`, listening on `port`.
struct PlannedInstance {
  std::string service;
  int instance = 0;
  std::uint16_t port = 0;
  std::string log_path;  // <data>/logs/<instance name>.log
  bool selected = true;  // false: not started (--only), but its address is still handed out
};

// Every instance of every service, started or not (so each address stays the same across runs
// whatever --only says), in the catalog's order. Throws ConfigError on a bad --only or --replicas.
std::vector<PlannedInstance> plan_instances(const UpOptions& options);

// The address other processes use to reach a service listening on --host.
std::string reachable_host(const UpOptions& options);

// Where each service but the gateway is, as its callers are told: "host:port", or a list of all
// its instances ("host:port,host:port").
std::map<std::string, std::string> service_addresses(const UpOptions& options,
                                                     const std::vector<PlannedInstance>& plan);

// The environment of `instance`'s process: this process's own, with what the child must be told in
// place of it (its port and log, the data directory, where the others are, its database URL or
// none, the event bus, the security mode and key).
std::vector<std::string> child_environment(const UpOptions& options, const PlannedInstance& instance,
                                           const std::map<std::string, std::string>& addresses,
                                           const std::string& database_url);

// "reservation", or "reservation-2" for its second instance: in messages and log file names.
std::string instance_name(const PlannedInstance& instance);

// The backend of each service with data ("sqlite" or "postgres") that a --store value asks for;
// throws ConfigError on a value it does not understand.
std::map<std::string, std::string> parse_store_choice(const std::string& value);

// The instances per service a --replicas value asks for (only the services it names); throws
// ConfigError on a value it does not understand.
std::map<std::string, int> parse_replicas(const std::string& value);

}  // namespace cinema::cli
