#include "services/message/message_policy.hpp"

#include <algorithm>
#include <cctype>

#include "contracts/payment_events.hpp"
#include "contracts/reservation_events.hpp"
#include "core/time.hpp"

namespace cinema::message {
namespace {
// Payment events carry the payment, the others the reservation.
Notice notice_of(const events::Event& event, const contracts::Fields& payload) {
  if (event.event_type.starts_with("Payment")) {
    auto p = contracts::payment_state_of(payload);
    return Notice{event.event_type, p.customer_id, p.rsv_id, p.movie_id, {}, p.pay_id, p.reason};
  }
  auto r = contracts::reservation_state_of(payload);
  return Notice{event.event_type, r.customer_id, r.rsv_id, r.movie_id, r.seats, r.pay_id, {}};
}

// The seed's "20220407070250" as "2022-04-07T07:02:50Z"; nullopt unless it is a real UTC time.
std::optional<std::string> iso_of_seed_timestamp(const std::string& stamp) {
  if (stamp.size() != 14 || !std::all_of(stamp.begin(), stamp.end(), [](unsigned char c) { return std::isdigit(c); }))
    return std::nullopt;
  auto iso = stamp.substr(0, 4) + "-" + stamp.substr(4, 2) + "-" + stamp.substr(6, 2) + "T" + stamp.substr(8, 2) + ":" +
             stamp.substr(10, 2) + ":" + stamp.substr(12, 2) + "Z";
  if (!parse_iso_utc(iso)) return std::nullopt;
  return iso;
}
}  // namespace

bool MessagePolicy::apply(const events::Event& event, std::chrono::system_clock::time_point now) {
  if (!is_notified_kind(event.event_type)) return false;
  auto payload = contracts::payload_of(event);
  auto created_at = iso_of_seed_timestamp(payload.value("timestamp", "")).value_or(iso_utc(now));
  auto message =
      new_message(notice_of(event, payload), event.event_id, std::move(created_at), payload.value("correlationId", ""));
  return messages_.insert(message).has_value();
}

}  // namespace cinema::message
