#pragma once
// The seed's event shape, shared by every producer: {"eventType", "timestamp" (yyyyMMddHHmmss, UTC),
// <the aggregate's fields>, "eventId", "correlationId", "version"}. The bus key is the movie id.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "events/event.hpp"

namespace cinema::contracts {

using Fields = nlohmann::ordered_json;

std::string seed_timestamp(std::chrono::system_clock::time_point when);

struct EventOrigin {
  std::string trace_id;  // the request's trace: becomes correlationId and the traceparent header
  std::chrono::system_clock::time_point when;
};

events::Event make_event(std::string_view type, std::int64_t movie_id, Fields fields, std::int64_t version,
                         const EventOrigin& origin);

// The payload of a consumed event as JSON; throws if it is not a JSON object.
Fields payload_of(const events::Event& event);

}  // namespace cinema::contracts
