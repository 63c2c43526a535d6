#pragma once
// Reads what the audit checks from the services' SQLite files and the event log, read-only: each
// file is opened through the store's SQLite backend with `mode=ro` (nothing is migrated, written or
// checkpointed; SQLite itself may create an empty -wal/-shm beside a file no one has open), and
// each store is read inside one read transaction, so its tables agree.
#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "cli/audit/audit.hpp"

namespace cinema::events {
class Bus;
}

namespace cinema::audit {

// Where a system keeps its data (from the settings: data.dir, <service>.db_file, event.*).
struct StoreFiles {
  std::filesystem::path movie, reservation, payment, message, viewpage;
  std::filesystem::path event_log;  // the embedded log (events.db); empty when the bus is Kafka
  std::string kafka_brokers;        // when the bus is Kafka
  std::string topic;                // event.topic; dead letters are on <topic>.DLT
  // Services on PostgreSQL: their database URL, read instead of their file.
  std::map<std::string, std::string> database_urls;
};

// <data>/stores.json, which `cinema up` writes: the database URL of each service it put on
// PostgreSQL. Empty when there is none (every service on SQLite).
std::map<std::string, std::string> database_urls(const std::filesystem::path& data_dir);

// One pass over every file that exists. Derived stores (message, view page, movie) are read
// before the sources they derive from, and payments before the reservations are listed again, so
// a change that lands during the pass is never mistaken for a contradiction in that direction.
// Consumer lag comes from the embedded log or from Kafka's committed offsets (audit_kafka.hpp);
// on Kafka, dead letters are read separately (read_dead_letters), once.
Sources read_sources(const StoreFiles& files);

// Dead letters from a bus (Kafka): a consumer group of its own that never commits reads the
// dead-letter topic from its beginning. It stops once `expected` letters came, at the first quiet
// second once some came, or after `give_up` (a Kafka group takes a few seconds to join); letters
// expected and not read by then are reported as unread.
std::vector<DeadLetter> read_dead_letters(events::Bus& bus, const std::string& dead_letter_topic,
                                          std::optional<std::int64_t> expected, std::chrono::milliseconds give_up);

// A dead letter's payload ({"group","error","offset","event"}), as the consumer runner writes it.
DeadLetter dead_letter_of(const std::string& event_id, const std::string& event_type, const std::string& payload);

}  // namespace cinema::audit
