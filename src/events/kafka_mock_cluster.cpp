#include "events/kafka_mock_cluster.hpp"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <vector>

#include "events/bus.hpp"

namespace cinema::events {
namespace {
// RD_KAFKAP_Produce: the protocol's ApiKey of Produce, not in librdkafka's public headers.
constexpr std::int16_t kProduceApiKey = 0;

void check(rd_kafka_resp_err_t error, const std::string& what) {
  if (error) throw BusError("mock kafka " + what + ": " + rd_kafka_err2str(error));
}

// The mock needs a client handle to run on; it neither connects nor produces anything itself.
rd_kafka_t* make_host_handle() {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char error[512];
  // Below warnings: spares the notice that this handle has no bootstrap.servers, which it never needs.
  rd_kafka_conf_set(conf, "log_level", "4", error, sizeof error);
  rd_kafka_t* handle = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
  if (!handle) {
    rd_kafka_conf_destroy(conf);  // only a successful rd_kafka_new takes it over
    throw BusError(std::string("mock kafka: ") + error);
  }
  return handle;
}
}  // namespace

void MockKafkaCluster::HandleDeleter::operator()(rd_kafka_s* handle) const { rd_kafka_destroy(handle); }

void MockKafkaCluster::ClusterDeleter::operator()(rd_kafka_mock_cluster_s* cluster) const {
  rd_kafka_mock_cluster_destroy(cluster);
}

MockKafkaCluster::MockKafkaCluster(int brokers) : handle_(make_host_handle()) {
  cluster_.reset(rd_kafka_mock_cluster_new(handle_.get(), brokers));
  if (!cluster_) throw BusError("mock kafka: cannot start " + std::to_string(brokers) + " brokers");
}

MockKafkaCluster::~MockKafkaCluster() = default;

std::string MockKafkaCluster::bootstraps() const { return rd_kafka_mock_cluster_bootstraps(cluster_.get()); }

void MockKafkaCluster::broker_down(int broker_id) {
  check(rd_kafka_mock_broker_set_down(cluster_.get(), broker_id), "broker down");
}

void MockKafkaCluster::broker_up(int broker_id) {
  check(rd_kafka_mock_broker_set_up(cluster_.get(), broker_id), "broker up");
}

void MockKafkaCluster::set_partition_leader(const std::string& topic, int partition, int broker_id) {
  check(rd_kafka_mock_partition_set_leader(cluster_.get(), topic.c_str(), partition, broker_id), "partition leader");
}

void MockKafkaCluster::set_coordinator(const std::string& group, int broker_id) {
  check(rd_kafka_mock_coordinator_set(cluster_.get(), "group", group.c_str(), broker_id), "coordinator");
}

void MockKafkaCluster::push_produce_errors(std::size_t count, KafkaErrorCode error) {
  std::vector<rd_kafka_resp_err_t> errors(count, static_cast<rd_kafka_resp_err_t>(error));
  rd_kafka_mock_push_request_errors_array(cluster_.get(), kProduceApiKey, errors.size(), errors.data());
}

void MockKafkaCluster::create_topic(const std::string& topic, int partitions, int replication) {
  check(rd_kafka_mock_topic_create(cluster_.get(), topic.c_str(), partitions, replication), "create topic");
}

}  // namespace cinema::events
