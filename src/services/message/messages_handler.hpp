#pragma once
// HTTP <-> domain for /messages (read only: messages are made from events, never posted).
#include "core/http/router.hpp"
#include "services/message/message_repository.hpp"

namespace cinema::message {

class MessagesHandler final {
 public:
  explicit MessagesHandler(const MessageRepository& messages) : messages_(messages) {}
  void register_routes(http::Router& router);

 private:
  // GET /messages?customerId=kim[&rsvId=1][&limit=&offset=]: oldest first.
  http::Response list(const http::Request& request) const;
  http::Response get(const http::Request& request) const;

  const MessageRepository& messages_;
};

}  // namespace cinema::message
