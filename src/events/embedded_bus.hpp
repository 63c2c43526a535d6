#pragma once
// The embedded event log: one SQLite file (WAL) shared by every process of `cinema up`, holding
// every topic's events in append order with their offset, key and headers, plus each consumer
// group's committed offset. A consumer sleeps on inotify and wakes as soon as a writer commits,
// so delivery latency is that of a file write, not of a polling interval.
#include <chrono>
#include <memory>
#include <string>

#include "events/bus.hpp"

namespace cinema::events {

struct EmbeddedLogOptions {
  // Events older than this are deleted once every consumer group of their topic committed them;
  // zero keeps every event (what a replay from the first event needs).
  std::chrono::milliseconds retention{0};
  // How often a publisher looks for such events (it does so right after a publish).
  std::chrono::milliseconds prune_interval = std::chrono::minutes(1);
  // Sync the log at every commit (survives power loss), not only at checkpoints (survives crashes).
  bool synchronous_full = false;
};

std::unique_ptr<Bus> make_embedded_bus(const std::string& path, EmbeddedLogOptions options = {});

}  // namespace cinema::events
