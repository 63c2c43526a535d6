#pragma once
// One domain event as it travels: the seed-style JSON payload plus the metadata every bus carries
// as headers (eventId for idempotent consumers, eventType for routing, traceparent for correlation).
#include <cstdint>
#include <string>

namespace cinema::events {

struct Event {
  std::string event_id;     // UUID v7, unique per event; consumers skip ids they already applied
  std::string event_type;   // "MovieRegistered", ...
  std::string key;          // partition key: the movie id, so one movie's events stay in order
  std::string payload;      // the JSON object: {"eventType":..,"timestamp":..,<seed fields>,"eventId":..}
  std::string traceparent;  // W3C trace context of the request that caused the event
  std::int64_t offset = -1; // position in the log; set when consumed
};

std::string new_event_id();  // UUID v7 text: ordered by creation time (ms), then random

}  // namespace cinema::events
