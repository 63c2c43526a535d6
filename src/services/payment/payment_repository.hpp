#pragma once
// Where payments live. One payment per reservation: rsv_id is UNIQUE in the table, so the database
// itself refuses a second charge for the same reservation, across threads and processes.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "contracts/payment_events.hpp"
#include "store/database.hpp"

namespace cinema::payment {

std::span<const store::Migration> payment_migrations();

class PaymentRepository {
 public:
  explicit PaymentRepository(store::Database& db) : db_(db) {}

  // Returns it with its new payId; store::ConstraintViolation when the rsvId already has a payment.
  // `decide_at` (ISO UTC): when a pending payment is decided; empty for a decided one.
  contracts::PaymentState insert(const contracts::PaymentState& payment, const std::string& decide_at = {});
  // The same, unless the rsvId has a payment already (recorded meanwhile by another process of
  // the service, which this one waited for at the unique key): then nullopt, and nothing changed.
  std::optional<contracts::PaymentState> insert_first(const contracts::PaymentState& payment,
                                                      const std::string& decide_at = {});
  // Pending payments whose decide_at is reached (at most 100, oldest first).
  [[nodiscard]] std::vector<contracts::PaymentState> due_pending(const std::string& now_iso) const;
  [[nodiscard]] std::optional<contracts::PaymentState> find(std::int64_t pay_id) const;
  [[nodiscard]] std::optional<contracts::PaymentState> find_by_rsv(std::int64_t rsv_id) const;
  // Oldest first; `rsv_id` / `customer_id` set: only that reservation's or customer's payments.
  [[nodiscard]] std::vector<contracts::PaymentState> list(std::optional<std::int64_t> rsv_id,
                                                         const std::optional<std::string>& customer_id,
                                                         std::int64_t limit, std::int64_t offset) const;
  // Writes status, reason and version, the next one after the version read; false (nothing
  // written) when the payment does not exist or changed since it was read: another instance of
  // payment (sharing the database) decided or refunded it first.
  [[nodiscard]] bool update(const contracts::PaymentState& payment);

 private:
  store::Database& db_;
};

}  // namespace cinema::payment
