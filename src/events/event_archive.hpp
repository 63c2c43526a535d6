#pragma once
// Consumed events of the embedded log, moved out of it into gzip-compressed segment files:
// <archive dir>/<topic>/<first offset>-<last offset>.jsonl.gz, one JSON object per event, offsets
// zero-padded so the names sort by offset. A segment is written whole (a temporary file, fsync,
// rename) before the rows it holds leave the log, so an event is always in the log, the archive or
// both, never in neither. A replay from the first event reads the archive, then the log.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "events/event.hpp"

namespace cinema::events {

struct ArchiveSegment {
  std::int64_t first = 0;
  std::int64_t last = 0;
  std::filesystem::path path;
};

class EventArchive {
 public:
  explicit EventArchive(std::filesystem::path dir) : dir_(std::move(dir)) {}

  // Writes `events` (one topic, in offset order, with their offsets) as one segment. Throws
  // std::runtime_error when it cannot (a full disk): nothing of it is left behind then.
  ArchiveSegment write(const std::string& topic, std::span<const Event> events) const;
  // The topic's segments in offset order.
  [[nodiscard]] std::vector<ArchiveSegment> segments(const std::string& topic) const;
  // Up to `limit` events of `topic` after `offset`, from the first segment that has any; none when
  // no segment goes past `offset`. The last segment read stays decoded for the next call.
  std::vector<Event> read_after(const std::string& topic, std::int64_t offset, std::size_t limit);
  // Deletes the topic's oldest segments while they hold more than `max_bytes` (0: no cap) or were
  // written more than `max_age` ago (0: no limit). Returns how many went.
  std::size_t trim(const std::string& topic, std::uintmax_t max_bytes, std::chrono::seconds max_age) const;

 private:
  std::filesystem::path dir_;
  std::filesystem::path decoded_path_;  // the segment `decoded_` holds
  std::vector<Event> decoded_;
};

}  // namespace cinema::events
