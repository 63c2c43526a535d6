#pragma once
// The embedded event log: one SQLite file (WAL) shared by every process of `cinema up`, holding
// every topic's events in append order with their offset, key and headers, plus each consumer
// group's committed offset. A consumer sleeps on inotify and wakes as soon as a writer commits,
// so delivery latency is that of a file write, not of a polling interval.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "events/bus.hpp"

namespace cinema::events {

struct EmbeddedLogOptions {
  // Events committed by every consumer group of their topic and at least this old move from the
  // log into compressed segments (<log dir>/archive/<topic>/), which a consumer reads before the log
  // when it is behind them (a replay from the first event). Zero: they stay in the log.
  std::chrono::milliseconds archive_after{0};
  // Per topic, the archive's oldest segments are deleted past this size (0: no cap).
  std::uintmax_t archive_max_bytes = 0;
  // With an archive: its segments are deleted this long after they were written. Without one:
  // events this old are deleted from the log once every consumer group committed them. Zero: kept.
  std::chrono::milliseconds retention{0};
  // How often a publisher moves or deletes such events (it does so right after a publish).
  std::chrono::milliseconds prune_interval = std::chrono::minutes(1);
  // Sync the log at every commit (survives power loss), not only at checkpoints (survives crashes).
  bool synchronous_full = false;
};

std::unique_ptr<Bus> make_embedded_bus(const std::string& path, EmbeddedLogOptions options = {});

}  // namespace cinema::events
