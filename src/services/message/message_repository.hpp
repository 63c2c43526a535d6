#pragma once
// Where messages live. Hides the SQL (named statements in message_repository.cpp) behind methods
// that take and return domain values.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "services/message/message.hpp"
#include "store/database.hpp"

namespace cinema::message {

std::span<const store::Migration> message_migrations();

class MessageRepository {
 public:
  explicit MessageRepository(store::Database& db) : db_(db) {}

  // Returns it with its new id; nullopt when a message for the same event is already stored.
  std::optional<Message> insert(const Message& message);
  [[nodiscard]] std::optional<Message> find(std::int64_t id) const;
  // A customer's messages, oldest first, optionally of one reservation.
  [[nodiscard]] std::vector<Message> list(const std::string& customer_id, std::optional<std::int64_t> rsv_id,
                                          std::int64_t limit, std::int64_t offset) const;
  // Pending messages whose next attempt is due at `now_ms`, earliest first.
  [[nodiscard]] std::vector<Message> due(std::int64_t now_ms, std::int64_t limit) const;
  // Writes the delivery state (delivery, attempts, next attempt) of a stored message.
  void record_attempt(const Message& message);

 private:
  store::Database& db_;
};

}  // namespace cinema::message
