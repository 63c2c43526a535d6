#include "cli/events_command.hpp"

#include <unistd.h>

#include <csignal>
#include <iostream>

#include "core/service_host.hpp"
#include "events/runtime.hpp"

namespace cinema::cli {
namespace {
volatile std::sig_atomic_t tail_interrupted = 0;
}  // namespace

int run_events(const EventsOptions& options) {
  auto specs = common_settings().settings;
  auto event_specs = events::event_settings().settings;
  specs.insert(specs.end(), event_specs.begin(), event_specs.end());
  auto config = Config::load(specs, options.config_file);
  auto bus = events::make_bus(config, config.text("data.dir"));
  auto topic = options.topic.empty() ? config.text("event.topic") : options.topic;
  // A group of its own that never commits: every run reads from the beginning and moves no one.
  auto consumer = bus->consumer("cinema-events-cli-" + std::to_string(::getpid()), topic);
  std::signal(SIGINT, [](int) { tail_interrupted = 1; });
  std::signal(SIGTERM, [](int) { tail_interrupted = 1; });
  // Without --follow: stop at the first quiet second once events came, or after a while with none
  // (a Kafka consumer group needs a few seconds to join before anything arrives).
  auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  bool received = false;
  while (!tail_interrupted) {
    auto batch = consumer->poll(std::chrono::milliseconds(options.follow ? 200 : 1000));
    for (const auto& event : batch) std::cout << event.payload << '\n';
    std::cout.flush();
    received = received || !batch.empty();
    if (!options.follow && batch.empty() && (received || std::chrono::steady_clock::now() > give_up)) break;
  }
  return 0;
}

}  // namespace cinema::cli
