#pragma once
// The seed's event shape, shared by every producer: {"eventType", "timestamp" (yyyyMMddHHmmss, UTC),
// <the aggregate's fields>, "eventId", "correlationId", "version"}. The bus key is the movie id.
#include <chrono>
#include <cstdint>
#include <optional>
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

// An integer field of what another service sent: `fallback` when absent (without one, absent throws
// std::out_of_range, as at() does); std::invalid_argument unless it is a JSON integer within int64.
// A float or a number past 2^63 is refused, never cast: the cast would be undefined behaviour
// (the event fuzzer found `"version":7.7e22` reaching one).
std::int64_t integer_field(const Fields& payload, const char* field, std::optional<std::int64_t> fallback = std::nullopt);

}  // namespace cinema::contracts
