#include "events/event.hpp"

#include <chrono>
#include <random>

#include <fmt/format.h>

namespace cinema::events {

// UUID version 7 (RFC 9562): the Unix time in milliseconds, then 74 random bits. Ids that grow
// with time land at the end of every index keyed by them (the inboxes, messages.event_id), so a
// batch of events dirties a page or two there instead of one random page each.
std::string new_event_id() {
  thread_local std::mt19937_64 generator{std::random_device{}()};
  auto ms = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
  std::uint64_t high = (ms << 16) | 0x7000ULL | (generator() & 0x0FFFULL);
  std::uint64_t low = (generator() & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;  // the RFC's variant bits
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", high >> 32, (high >> 16) & 0xFFFF, high & 0xFFFF,
                     low >> 48, low & 0xFFFFFFFFFFFFULL);
}

}  // namespace cinema::events
