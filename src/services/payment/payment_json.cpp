#include "services/payment/payment_json.hpp"

#include "core/json.hpp"

namespace cinema::payment {
namespace {
using cinema::json::Json;

// Through the contract's own writer, so every answer spells a payment exactly as the API does.
Json payment_object(const contracts::PaymentState& payment) { return Json::parse(contracts::payment_to_json(payment)); }
}  // namespace

std::string payments_to_json(const std::vector<contracts::PaymentState>& payments) {
  return json::dump_list(payments, payment_object);
}

std::string declined_to_json(const contracts::PaymentState& payment) {
  Json body{{"error", "payment_declined"}, {"message", "card declined"}};
  body.update(payment_object(payment));
  return json::dump(body);
}

}  // namespace cinema::payment
