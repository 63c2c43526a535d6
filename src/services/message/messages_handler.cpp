#include "services/message/messages_handler.hpp"

#include "contracts/customer_id.hpp"
#include "core/http/errors.hpp"
#include "core/http/query.hpp"
#include "core/json.hpp"
#include "core/security/ownership.hpp"
#include "services/message/message_json.hpp"

namespace cinema::message {
void MessagesHandler::register_routes(http::Router& router) {
  router.add_sync("GET", "/messages", http::Access::signed_in, [this](http::Request& r) { return list(r); });
  router.add_sync("GET", "/messages/{id}", http::Access::signed_in, [this](http::Request& r) { return get(r); });
}

http::Response MessagesHandler::list(const http::Request& request) const {
  // Required (a customer's own by default): an unfiltered list of everyone's has no use.
  auto customer_id = security::customer_filter(request.caller, contracts::customer_id_query(request));
  if (!customer_id || customer_id->empty()) throw http::BadRequest("customerId", "is required");
  std::optional<std::int64_t> rsv_id;
  if (auto text = request.query_param("rsvId")) rsv_id = json::parse_id(*text, "rsvId");
  auto page = http::page_of(request);
  return http::Response::json(200, messages_to_json(messages_.list(*customer_id, rsv_id, page.limit, page.offset)));
}

http::Response MessagesHandler::get(const http::Request& request) const {
  auto id = json::parse_id(request.path_param("id"), "messageId");
  auto message = messages_.find(id);
  if (!message) throw http::NotFound("message " + std::to_string(id) + " does not exist");
  security::require_owner(request.caller, message->customer_id, "message " + std::to_string(id));
  return http::Response::json(200, message_to_json(*message));
}

}  // namespace cinema::message
