#pragma once
// A notification to a customer and the rules of its delivery, as plain values: no JSON, no SQL,
// no clock (times are passed in).
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cinema::message {

namespace delivery {
inline constexpr std::string_view pending = "pending";
inline constexpr std::string_view delivered = "delivered";
inline constexpr std::string_view failed = "failed";
}  // namespace delivery

// The kinds of event that produce a message (SPEC FR 4 and 6, NFR 5); `kind` is the event type.
inline constexpr std::string_view kKinds[] = {"ReservationConfirmed", "ReservationRejected", "ReservationCancelled",
                                              "PaymentDeclined", "PaymentCancelled"};
bool is_notified_kind(std::string_view event_type);

// What happened, taken from the event that reports it.
struct Notice {
  std::string kind;
  std::string customer_id;
  std::int64_t rsv_id = 0;
  std::int64_t movie_id = 0;
  std::vector<std::string> seats;      // reservation events
  std::optional<std::int64_t> pay_id;  // null when the event names no payment
  std::string reason;                  // why a payment was declined
};

struct Message {
  std::int64_t id = 0;
  std::string event_id;  // the event it reports: one message per event
  std::string customer_id;
  std::int64_t rsv_id = 0;
  std::int64_t movie_id = 0;
  std::string kind;
  std::string text;
  std::string created_at;  // ISO 8601 UTC
  std::string trace_id;    // correlation id of the event, carried on to MessageSent
  std::string delivery = std::string(delivery::pending);
  std::int64_t attempts = 0;
  std::int64_t next_attempt_ms = 0;  // Unix time in ms before which no attempt is made
};

// The sentence the customer reads, e.g. "Reservation 1 confirmed: seats A1, A2 for movie 1."
std::string notice_text(const Notice& notice);

// A pending message due at once.
Message new_message(const Notice& notice, std::string event_id, std::string created_at, std::string trace_id);

struct RetryPolicy {
  std::chrono::milliseconds base{500};
  std::int64_t max_attempts = 8;
};
inline constexpr std::chrono::milliseconds kMaxRetryDelay{60'000};

// Wait before the next attempt when `earlier_attempts` attempts failed before the one that just
// failed: base × 2^earlier_attempts, at most kMaxRetryDelay.
std::chrono::milliseconds retry_delay(std::int64_t earlier_attempts, std::chrono::milliseconds base);

// The message after one attempt made at `now_ms`: delivered, or pending until its next attempt,
// or failed once `policy.max_attempts` attempts failed.
Message after_attempt(Message message, bool delivered, std::int64_t now_ms, const RetryPolicy& policy);

}  // namespace cinema::message
