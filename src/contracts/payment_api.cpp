#include "contracts/payment_api.hpp"

#include "core/http/errors.hpp"
#include "core/json.hpp"

namespace cinema::contracts {

std::string payment_request_to_json(const PaymentRequest& request) {
  Fields body{{"rsvId", request.rsv_id},
              {"movieId", request.movie_id},
              {"amount", request.amount},
              {"customerId", request.customer_id}};
  if (!request.card_number.empty()) body["cardNumber"] = request.card_number;
  return body.dump();
}

PaymentRequest payment_request_from_json(std::string_view body) {
  auto object = json::parse_object(body);
  json::reject_unknown_fields(object, {"rsvId", "movieId", "amount", "customerId", "cardNumber", "status"});
  PaymentRequest request;
  request.rsv_id = json::require_id(object, "rsvId");
  request.movie_id = json::require_id(object, "movieId");
  request.amount = json::optional_integer(object, "amount").value_or(0);
  if (request.amount < 0) throw http::BadRequest("amount", "must not be negative");
  request.customer_id = json::optional_string(object, "customerId").value_or("");
  request.card_number = json::optional_string(object, "cardNumber").value_or("");
  return request;
}

std::string payment_to_json(const PaymentState& payment) {
  Fields body{{"payId", payment.pay_id},   {"rsvId", payment.rsv_id},
              {"movieId", payment.movie_id}, {"status", payment.status},
              {"amount", payment.amount},  {"customerId", payment.customer_id}};
  if (!payment.reason.empty()) body["reason"] = payment.reason;
  return body.dump();
}

PaymentState payment_from_json(std::string_view body) { return payment_from_fields(Fields::parse(body)); }

PaymentState payment_from_fields(const Fields& object) {
  return PaymentState{integer_field(object, "payId"),
                      integer_field(object, "rsvId"),
                      integer_field(object, "movieId", 0),
                      object.value("status", ""),
                      integer_field(object, "amount", 0),
                      object.value("customerId", ""),
                      object.value("reason", ""),
                      integer_field(object, "version", 0)};
}

}  // namespace cinema::contracts
