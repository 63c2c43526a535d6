#pragma once
// `cinema up`: runs every service of the catalog as a child process of this same binary, each on
// its own port with its log in a file, waits until all are ready, prints a summary, restarts a
// child that dies (with backoff) and on Ctrl-C/SIGTERM stops them all gracefully.
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
};

int run_up(const UpOptions& options);

// The backend of each service with data ("sqlite" or "postgres") that a --store value asks for;
// throws ConfigError on a value it does not understand.
std::map<std::string, std::string> parse_store_choice(const std::string& value);

// The instances per service a --replicas value asks for (only the services it names); throws
// ConfigError on a value it does not understand.
std::map<std::string, int> parse_replicas(const std::string& value);

}  // namespace cinema::cli
