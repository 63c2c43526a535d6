#pragma once
// Answers of /payments beyond the shared request/payment JSON (contracts/payment_api.hpp, which
// this service reads and writes unchanged):
//   list:     [{"payId":1,"rsvId":1,"movieId":1,"status":"paid","amount":24000,"customerId":"kim"}, ...]
//   declined: {"error":"payment_declined","message":"card declined","payId":2,"rsvId":2,...,
//              "status":"declined","reason":"card_declined"}
#include <string>
#include <vector>

#include "contracts/payment_api.hpp"

namespace cinema::payment {

std::string payments_to_json(const std::vector<contracts::PaymentState>& payments);
// The 402 body: the pipeline's error shape plus every field of the declined payment.
std::string declined_to_json(const contracts::PaymentState& payment);

}  // namespace cinema::payment
