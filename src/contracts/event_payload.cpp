#include "contracts/event_payload.hpp"

#include <stdexcept>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "core/json.hpp"
#include "core/trace.hpp"

namespace cinema::contracts {

std::string seed_timestamp(std::chrono::system_clock::time_point when) {
  return fmt::format("{:%Y%m%d%H%M%S}", fmt::gmtime(std::chrono::system_clock::to_time_t(when)));
}

events::Event make_event(std::string_view type, std::int64_t movie_id, Fields fields, std::int64_t version,
                         const EventOrigin& origin) {
  auto event_id = events::new_event_id();
  Fields payload{{"eventType", type}, {"timestamp", seed_timestamp(origin.when)}};
  for (auto& [key, value] : fields.items()) payload[key] = value;
  payload["eventId"] = event_id;
  payload["correlationId"] = origin.trace_id;
  payload["version"] = version;
  auto traceparent = origin.trace_id.empty() ? std::string{} : format_traceparent({origin.trace_id, new_span_id()});
  return events::Event{event_id, std::string(type), std::to_string(movie_id), payload.dump(), traceparent, -1};
}

Fields payload_of(const events::Event& event) {
  auto payload = Fields::parse(event.payload, nullptr, false);
  if (!payload.is_object()) throw std::invalid_argument("event " + event.event_id + " has no JSON object payload");
  return payload;
}

std::int64_t integer_field(const Fields& payload, const char* field, std::optional<std::int64_t> fallback) {
  auto found = payload.find(field);
  if (found == payload.end()) {
    if (fallback) return *fallback;
    throw std::out_of_range(fmt::format("field {} is missing", field));
  }
  if (!json::is_int64(*found)) throw std::invalid_argument(fmt::format("field {} is not an integer within 64 bits", field));
  return found->get<std::int64_t>();
}

}  // namespace cinema::contracts
