#pragma once
// The message as clients, webhooks and the MessageSent event see it (seed-style camelCase:
// messageId, customerId, rsvId, movieId, kind, text, createdAt, delivery, attempts).
#include <string>
#include <vector>

#include "contracts/event_payload.hpp"
#include "services/message/message.hpp"

namespace cinema::message {

std::string message_to_json(const Message& message);
std::string messages_to_json(const std::vector<Message>& messages);

// MessageSent, published once a message was delivered: {messageId, customerId, rsvId, kind}.
events::Event message_sent_event(const Message& message, const contracts::EventOrigin& origin);

}  // namespace cinema::message
