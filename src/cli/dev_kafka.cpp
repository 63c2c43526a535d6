#include "cli/dev_kafka.hpp"

#include <poll.h>
#include <unistd.h>

#include <csignal>
#include <iostream>
#include <sstream>

#include "events/kafka_mock_cluster.hpp"

namespace cinema::cli {
namespace {
volatile std::sig_atomic_t broker_interrupted = 0;

constexpr const char* kHelp =
    "commands: down <broker> | up <broker> | leader <topic> <partition> <broker> | coordinator <group> <broker>\n"
    "          errors <count> not_leader|timeout | help | quit\n";

// Runs one fault command; returns false on quit.
bool run_command(events::MockKafkaCluster& cluster, const std::string& line) {
  std::istringstream words(line);
  std::string command;
  words >> command;
  std::string name, kind;
  int a = 0, b = 0;
  if (command == "down" && words >> a) {
    cluster.broker_down(a);
  } else if (command == "up" && words >> a) {
    cluster.broker_up(a);
  } else if (command == "leader" && words >> name >> a >> b) {
    cluster.set_partition_leader(name, a, b);
  } else if (command == "coordinator" && words >> name >> a) {
    cluster.set_coordinator(name, a);
  } else if (command == "errors" && words >> a >> kind && (kind == "not_leader" || kind == "timeout")) {
    cluster.push_produce_errors(static_cast<std::size_t>(a), kind == "timeout"
                                                                 ? events::KafkaErrorCode::request_timed_out
                                                                 : events::KafkaErrorCode::not_leader_for_partition);
  } else if (command == "quit") {
    return false;
  } else if (!command.empty()) {
    std::cout << kHelp << std::flush;
    return true;
  }
  if (!command.empty()) std::cout << "ok\n" << std::flush;
  return true;
}
}  // namespace

int run_dev_kafka(const DevKafkaOptions& options) {
  events::MockKafkaCluster cluster(options.brokers);
  cluster.create_topic(options.topic, options.partitions, options.brokers);
  cluster.create_topic(options.topic + ".DLT", 1, options.brokers);
  std::cout << "bootstrap: " << cluster.bootstraps() << "\n"
            << "run the system on it:  EVENT_BUS=kafka KAFKA_BROKERS=" << cluster.bootstraps() << " cinema up\n"
            << "watch the events:      kcat -C -b " << cluster.bootstraps() << " -t " << options.topic << "\n"
            << kHelp << std::flush;
  std::signal(SIGINT, [](int) { broker_interrupted = 1; });
  std::signal(SIGTERM, [](int) { broker_interrupted = 1; });
  bool input_open = true;
  while (!broker_interrupted) {
    pollfd input{STDIN_FILENO, POLLIN, 0};
    if (!input_open || ::poll(&input, 1, 200) <= 0) {
      if (!input_open) ::usleep(200'000);
      continue;
    }
    std::string line;
    if (!std::getline(std::cin, line)) {
      input_open = false;  // no terminal (e.g. run in the background): serve until a signal
      continue;
    }
    if (!run_command(cluster, line)) break;
  }
  return 0;
}

}  // namespace cinema::cli
