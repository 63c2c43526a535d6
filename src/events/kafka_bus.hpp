#pragma once
// Kafka backend of the event bus (librdkafka), selected with event.bus=kafka.
#include <memory>
#include <string>

#include "events/bus.hpp"

namespace cinema::events {

struct KafkaOptions {
  std::string brokers;    // bootstrap.servers, "host:port,..."
  std::string client_id;  // shown in broker logs and metrics; librdkafka's default when empty
  // How long publish keeps retrying one event before it fails. Keep it well above the broker outages
  // to ride out: a shorter timeout turns an outage into failed publishes (FACTS.md).
  int message_timeout_ms = 300000;
};

std::unique_ptr<Bus> make_kafka_bus(KafkaOptions options);

}  // namespace cinema::events
