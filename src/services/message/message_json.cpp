#include "services/message/message_json.hpp"

#include "core/json.hpp"

namespace cinema::message {
namespace {
using cinema::json::Json;

Json to_object(const Message& m) {
  return Json{{"messageId", m.id},
              {"customerId", m.customer_id},
              {"rsvId", m.rsv_id},
              {"movieId", m.movie_id},
              {"kind", m.kind},
              {"text", m.text},
              {"createdAt", m.created_at},
              {"delivery", m.delivery},
              {"attempts", m.attempts}};
}
}  // namespace

std::string message_to_json(const Message& message) { return json::dump(to_object(message)); }

std::string messages_to_json(const std::vector<Message>& messages) {
  return json::dump_list(messages, to_object);
}

events::Event message_sent_event(const Message& m, const contracts::EventOrigin& origin) {
  contracts::Fields fields{{"messageId", m.id}, {"customerId", m.customer_id}, {"rsvId", m.rsv_id}, {"kind", m.kind}};
  return contracts::make_event("MessageSent", m.movie_id, std::move(fields), 1, origin);
}

}  // namespace cinema::message
