#pragma once
// An in-process Kafka cluster: librdkafka's mock brokers, speaking the real protocol on loopback TCP,
// so `cinema dev-kafka`, kcat and the tests get Kafka without a broker installed. It keeps data in
// memory only and lives as long as this object. Fault injection follows FACTS.md "Kafka without a
// broker": pin leaders and the coordinator before a fault test, as the mock places them at random.
#include <cstddef>
#include <memory>
#include <string>

struct rd_kafka_s;
struct rd_kafka_mock_cluster_s;

namespace cinema::events {

// Kafka protocol error codes the mock can answer Produce requests with (the numbers on the wire).
enum class KafkaErrorCode : int {
  not_leader_for_partition = 6,
  request_timed_out = 7,
  not_enough_replicas = 19,
};

class MockKafkaCluster {
 public:
  explicit MockKafkaCluster(int brokers = 3);  // broker ids are 1..brokers
  ~MockKafkaCluster();
  MockKafkaCluster(const MockKafkaCluster&) = delete;
  MockKafkaCluster& operator=(const MockKafkaCluster&) = delete;

  [[nodiscard]] std::string bootstraps() const;  // "127.0.0.1:port,..." for bootstrap.servers

  // A down broker drops its connections and refuses new ones; its partitions stall (leaders do not
  // move by themselves) and resume when it is up again, with nothing lost.
  void broker_down(int broker_id);
  void broker_up(int broker_id);
  void set_partition_leader(const std::string& topic, int partition, int broker_id);
  void set_coordinator(const std::string& group, int broker_id);
  // The next `count` Produce requests, on any broker, fail with `error`.
  void push_produce_errors(std::size_t count, KafkaErrorCode error);
  void create_topic(const std::string& topic, int partitions, int replication);

 private:
  struct HandleDeleter {
    void operator()(rd_kafka_s* handle) const;
  };
  struct ClusterDeleter {
    void operator()(rd_kafka_mock_cluster_s* cluster) const;
  };
  // The cluster is bound to the handle it was made on, so it is declared after it: destroyed first.
  std::unique_ptr<rd_kafka_s, HandleDeleter> handle_;
  std::unique_ptr<rd_kafka_mock_cluster_s, ClusterDeleter> cluster_;
};

}  // namespace cinema::events
