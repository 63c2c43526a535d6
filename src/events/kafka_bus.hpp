#pragma once
// Kafka backend of the event bus (librdkafka), selected with event.bus=kafka.
#include <memory>
#include <string>

#include "events/bus.hpp"

namespace cinema::events {

struct KafkaOptions {
  std::string brokers;
  std::string client_id;
  int message_timeout_ms = 300000;
};

std::unique_ptr<Bus> make_kafka_bus(KafkaOptions options);

}  // namespace cinema::events
