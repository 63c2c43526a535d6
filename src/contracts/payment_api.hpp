#pragma once
// The synchronous reservation -> payment call (POST /payments), shared by the client side
// (reservation) and the server side (payment) so both read and write the same JSON.
//   request:  {"rsvId":1,"movieId":1,"amount":24000,"customerId":"kim","cardNumber":"4111..."}
//   201/200:  {"payId":1,"rsvId":1,"movieId":1,"status":"paid","amount":24000,"customerId":"kim"}
//   402:      {"error":"payment_declined","message":..,"payId":2,"rsvId":..,"status":"declined","reason":..}
// The call is idempotent per rsvId: repeating it returns the first outcome and never charges twice.
#include <cstdint>
#include <string>
#include <string_view>

#include "contracts/payment_events.hpp"

namespace cinema::contracts {

// Bounds on money, in the smallest currency unit: a seat costs at most kMaxPrice and one charge is
// at most kMaxAmount, so no total of a reservation can overflow and both services check the same.
inline constexpr std::int64_t kMaxPrice = 1'000'000'000;
inline constexpr std::int64_t kMaxAmount = 100'000'000'000;

// The reason of a decline that payment records when recovery asks it to settle a charge it never
// received (POST /payments/void): no card was charged, and none can be for that reservation.
inline constexpr std::string_view kNotReceived = "not_received";

struct PaymentRequest {
  std::int64_t rsv_id = 0;
  std::int64_t movie_id = 0;
  std::int64_t amount = 0;
  std::string customer_id;
  std::string card_number;  // empty: the customer's default card (approved)
};

std::string payment_request_to_json(const PaymentRequest& request);
// Throws http::BadRequest naming the field.
PaymentRequest payment_request_from_json(std::string_view body);

std::string payment_to_json(const PaymentState& payment);
// Reads a 200/201/402 answer of POST /payments, GET /payments/{id}, or a payment event payload.
PaymentState payment_from_json(std::string_view body);
PaymentState payment_from_fields(const Fields& object);  // the same, parsed already

}  // namespace cinema::contracts
