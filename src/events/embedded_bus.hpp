#pragma once
// The embedded event log: one SQLite file (WAL) shared by every process of `cinema up`, holding
// every topic's events in append order with their offset, key and headers, plus each consumer
// group's committed offset. A consumer sleeps on inotify and wakes as soon as a writer commits,
// so delivery latency is that of a file write, not of a polling interval.
#include <memory>
#include <string>

#include "events/bus.hpp"

namespace cinema::events {

std::unique_ptr<Bus> make_embedded_bus(const std::string& path);

}  // namespace cinema::events
