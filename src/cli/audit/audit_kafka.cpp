#include "cli/audit/audit_kafka.hpp"

#include <librdkafka/rdkafka.h>

#include <memory>
#include <stdexcept>

namespace cinema::audit {
namespace {
constexpr int kBrokerWaitMs = 5000;

struct HandleDeleter {
  void operator()(rd_kafka_t* handle) const { rd_kafka_destroy(handle); }
};
struct PartitionsDeleter {
  void operator()(rd_kafka_topic_partition_list_t* list) const { rd_kafka_topic_partition_list_destroy(list); }
};
using Handle = std::unique_ptr<rd_kafka_t, HandleDeleter>;
using Partitions = std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionsDeleter>;

// A consumer handle that never subscribes: with a group id it can fetch that group's committed
// offsets, but it never joins the group, so the group's members keep their partitions.
Handle consumer(const std::string& brokers, const std::string& group) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char error[512];
  for (auto [name, value] : {std::pair<const char*, std::string>{"bootstrap.servers", brokers},
                             {"group.id", group.empty() ? "cinema-audit" : group},
                             {"enable.auto.commit", "false"}})
    if (rd_kafka_conf_set(conf, name, value.c_str(), error, sizeof error) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      throw std::runtime_error(std::string("kafka setting ") + name + ": " + error);
    }
  Handle handle(rd_kafka_new(RD_KAFKA_CONSUMER, conf, error, sizeof error));
  if (!handle) {
    rd_kafka_conf_destroy(conf);
    throw std::runtime_error(std::string("kafka client: ") + error);
  }
  return handle;
}

struct Watermark {
  std::int64_t low = 0, high = 0;
};

// Per partition of `topic` (none when it does not exist); nullopt when the cluster does not answer.
std::optional<std::map<std::int32_t, Watermark>> watermarks(rd_kafka_t* handle, const std::string& topic) {
  rd_kafka_topic_t* named = rd_kafka_topic_new(handle, topic.c_str(), nullptr);
  const rd_kafka_metadata_t* metadata = nullptr;
  auto error = rd_kafka_metadata(handle, 0, named, &metadata, kBrokerWaitMs);
  rd_kafka_topic_destroy(named);
  if (error) return std::nullopt;
  std::optional<std::map<std::int32_t, Watermark>> marks{std::in_place};
  for (int t = 0; t < metadata->topic_cnt && marks; ++t) {
    const auto& found = metadata->topics[t];
    if (found.err || topic != found.topic) continue;
    for (int p = 0; p < found.partition_cnt && marks; ++p) {
      Watermark mark;
      if (rd_kafka_query_watermark_offsets(handle, topic.c_str(), found.partitions[p].id, &mark.low, &mark.high,
                                           kBrokerWaitMs))
        marks.reset();
      else
        (*marks)[found.partitions[p].id] = mark;
    }
  }
  rd_kafka_metadata_destroy(metadata);
  return marks;
}

std::optional<std::int64_t> group_lag(const std::string& brokers, const std::string& group, const std::string& topic,
                                      const std::map<std::int32_t, Watermark>& marks) {
  auto handle = consumer(brokers, group);
  Partitions partitions(rd_kafka_topic_partition_list_new(static_cast<int>(marks.size())));
  for (const auto& [partition, mark] : marks) rd_kafka_topic_partition_list_add(partitions.get(), topic.c_str(), partition);
  if (rd_kafka_committed(handle.get(), partitions.get(), kBrokerWaitMs)) return std::nullopt;
  std::int64_t behind = 0;
  for (int i = 0; i < partitions->cnt; ++i) {
    const auto& committed = partitions->elems[i];
    const auto& mark = marks.at(committed.partition);
    behind += mark.high - (committed.offset >= 0 ? committed.offset : mark.low);  // none: from the start
  }
  return behind;
}
}  // namespace

std::map<std::string, std::optional<std::int64_t>> kafka_lag(const std::string& brokers, const std::string& topic,
                                                             const std::vector<std::string>& groups) {
  auto marks = watermarks(consumer(brokers, "").get(), topic);
  std::map<std::string, std::optional<std::int64_t>> lag;
  for (const auto& group : groups) lag[group] = marks ? group_lag(brokers, group, topic, *marks) : std::nullopt;
  return lag;
}

std::optional<std::int64_t> kafka_topic_size(const std::string& brokers, const std::string& topic) {
  auto marks = watermarks(consumer(brokers, "").get(), topic);
  if (!marks) return std::nullopt;
  std::int64_t size = 0;
  for (const auto& [partition, mark] : *marks) size += mark.high - mark.low;
  return size;
}

}  // namespace cinema::audit
