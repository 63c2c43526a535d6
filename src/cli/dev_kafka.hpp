#pragma once
// `cinema dev-kafka`: a development Kafka (librdkafka's mock cluster, real protocol on loopback) with
// fault commands read from standard input, for demos and fault drills.
#include <string>

namespace cinema::cli {

struct DevKafkaOptions {
  int brokers = 3;
  int partitions = 3;
  std::string topic = "cinema";
};

int run_dev_kafka(const DevKafkaOptions& options);

}  // namespace cinema::cli
