#include "services/viewpage/event_tail.hpp"

#include <charconv>

#include "core/http/errors.hpp"
#include "core/json.hpp"

namespace cinema::viewpage {

void EventTail::record(const events::Event& event) {
  std::lock_guard lock(mutex_);
  // A replay reads the log again from its first event: the tail starts over with it.
  if (!entries_.empty() && event.offset < entries_.front().offset) entries_.clear();
  if (!entries_.empty() && event.offset <= entries_.back().offset) return;
  entries_.push_back(Entry{event.offset, event.event_type, event.payload});
  if (entries_.size() > kKept) entries_.pop_front();
}

std::vector<EventTail::Entry> EventTail::after(std::int64_t offset, std::size_t limit) const {
  std::lock_guard lock(mutex_);
  std::vector<Entry> found;
  if (offset < 0) {  // no position yet: the newest ones
    auto first = entries_.size() > limit ? entries_.end() - static_cast<std::ptrdiff_t>(limit) : entries_.begin();
    return {first, entries_.end()};
  }
  for (const auto& entry : entries_) {
    if (entry.offset <= offset) continue;
    found.push_back(entry);
    if (found.size() == limit) break;
  }
  return found;
}

void EventTailHandler::register_routes(http::Router& router) {
  router.add_sync("GET", "/viewpage/events", http::Access::manager, [this](http::Request& r) { return events(r); });
}

http::Response EventTailHandler::events(const http::Request& request) const {
  std::int64_t after = -1;  // offsets start at 0
  if (auto text = request.query_param("after")) {
    auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), after);
    if (error != std::errc() || end != text->data() + text->size() || after < 0)
      throw http::BadRequest("after", "must be an event offset (0 or more)");
  }
  auto list = json::Json::array();
  for (const auto& entry : tail_.after(after, 100)) {
    auto payload = json::Json::parse(entry.payload, nullptr, false);
    list.push_back({{"offset", entry.offset},
                    {"eventType", entry.event_type},
                    {"event", payload.is_discarded() ? json::Json(entry.payload) : std::move(payload)}});
  }
  auto response = http::Response::json(200, json::dump(list));
  response.headers.set("Cache-Control", "no-store");
  return response;
}

}  // namespace cinema::viewpage
