#pragma once
// What the audit needs of a Kafka cluster, read without touching it: the committed position of each
// consumer group (an offset fetch, without joining the group) and how many dead letters there are
// (the dead-letter topic's watermarks). Reading the letters themselves is audit_sources.hpp's
// read_dead_letters, through the bus's own consumer.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace cinema::audit {

// Per consumer group: events of `topic` it has not committed; nullopt when the cluster did not answer.
std::map<std::string, std::optional<std::int64_t>> kafka_lag(const std::string& brokers, const std::string& topic,
                                                             const std::vector<std::string>& groups);
// Events held in `topic` (0 when it does not exist); nullopt when the cluster did not answer.
std::optional<std::int64_t> kafka_topic_size(const std::string& brokers, const std::string& topic);

}  // namespace cinema::audit
