#include "services/message/message.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

namespace cinema::message {
namespace {
std::string confirmed_text(const Notice& n) {
  if (n.seats.empty()) return fmt::format("Reservation {} confirmed for movie {}.", n.rsv_id, n.movie_id);
  return fmt::format("Reservation {} confirmed: seats {} for movie {}.", n.rsv_id, fmt::join(n.seats, ", "),
                     n.movie_id);
}

std::string cancelled_text(const Notice& n) {
  if (!n.pay_id) return fmt::format("Reservation {} was cancelled.", n.rsv_id);
  return fmt::format("Reservation {} was cancelled; your payment {} was refunded.", n.rsv_id, *n.pay_id);
}

std::string payment_text(const Notice& n, std::string_view outcome) {
  auto text = fmt::format("Payment {} for reservation {} was {}", n.pay_id.value_or(0), n.rsv_id, outcome);
  if (!n.reason.empty()) text += fmt::format(" ({})", n.reason);
  return text + ".";
}
}  // namespace

bool is_notified_kind(std::string_view event_type) {
  return std::find(std::begin(kKinds), std::end(kKinds), event_type) != std::end(kKinds);
}

std::string notice_text(const Notice& notice) {
  if (notice.kind == "ReservationConfirmed") return confirmed_text(notice);
  if (notice.kind == "ReservationRejected")
    return fmt::format("Reservation {} for movie {} was rejected; no seats were taken.", notice.rsv_id,
                       notice.movie_id);
  if (notice.kind == "ReservationCancelled") return cancelled_text(notice);
  if (notice.kind == "PaymentDeclined") return payment_text(notice, "declined");
  if (notice.kind == "PaymentCancelled") return payment_text(notice, "refunded");
  return fmt::format("Reservation {}: {}.", notice.rsv_id, notice.kind);
}

Message new_message(const Notice& notice, std::string event_id, std::string created_at, std::string trace_id) {
  Message message;
  message.event_id = std::move(event_id);
  message.customer_id = notice.customer_id;
  message.rsv_id = notice.rsv_id;
  message.movie_id = notice.movie_id;
  message.kind = notice.kind;
  message.text = notice_text(notice);
  message.created_at = std::move(created_at);
  message.trace_id = std::move(trace_id);
  return message;
}

std::chrono::milliseconds retry_delay(std::int64_t earlier_attempts, std::chrono::milliseconds base) {
  auto delay = base;
  for (std::int64_t i = 0; i < earlier_attempts && delay < kMaxRetryDelay; ++i) delay *= 2;
  return std::min(delay, kMaxRetryDelay);
}

Message after_attempt(Message message, bool delivered, std::int64_t now_ms, const RetryPolicy& policy) {
  auto earlier_attempts = message.attempts++;
  if (delivered) {
    message.delivery = delivery::delivered;
  } else if (message.attempts >= policy.max_attempts) {
    message.delivery = delivery::failed;
  } else {
    message.next_attempt_ms = now_ms + retry_delay(earlier_attempts, policy.base).count();
  }
  return message;
}

}  // namespace cinema::message
