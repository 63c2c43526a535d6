// Decoding what another service sent: an integer field is a JSON integer within int64 or the
// decode fails; nothing is cast from a float or wrapped from a number past 2^63.
#include <gtest/gtest.h>

#include "contracts/payment_api.hpp"
#include "contracts/reservation_events.hpp"

namespace cinema::contracts {
namespace {

events::Event event_with(const std::string& payload) { return events::Event{"id", "T", "1", payload, "", 0}; }

TEST(EventPayload, AnIntegerFieldIsReadAsSentOrItsFallbackWhenAbsent) {
  auto payload = Fields::parse(R"({"rsvId":9223372036854775807,"movieId":-3})");
  EXPECT_EQ(integer_field(payload, "rsvId"), INT64_MAX);
  EXPECT_EQ(integer_field(payload, "movieId"), -3);
  EXPECT_EQ(integer_field(payload, "version", 0), 0);
  EXPECT_THROW((void)integer_field(payload, "version"), std::out_of_range);
}

TEST(EventPayload, AFloatANumberPast64BitsOrAStringIsRefusedNotCast) {
  for (const char* value : {"7.7777777777777770e22", "1.5", "9223372036854775808", "18446744073709551615", "\"7\"",
                            "null", "true"}) {
    auto payload = Fields::parse(std::string(R"({"version":)") + value + "}");
    EXPECT_THROW((void)integer_field(payload, "version", 0), std::invalid_argument) << value;
  }
}

TEST(EventPayload, TheFuzzersFindingFailsToDecodeInsteadOfBeingUndefined) {
  // tests/fuzz/corpus/event_payloads/version-past-64-bits: UBSan reported the double-to-long cast.
  auto event = event_with(R"({"eventType":"ReservationConfirmed","timestamp":"00000355357174","rsvId":1,)"
                          R"("movieId":1,"status":"reserved","version":77777777777777700000002})");
  EXPECT_THROW((void)reservation_state_of(event), std::invalid_argument);
  auto decoded = reservation_state_of(event_with(R"({"rsvId":1,"movieId":2,"payId":null,"version":4})"));
  EXPECT_EQ(decoded.version, 4);
  EXPECT_FALSE(decoded.pay_id);
}

TEST(EventPayload, PaymentsAnswerWithAnOversizedAmountIsRefused) {
  EXPECT_THROW((void)payment_from_json(R"({"payId":1,"rsvId":2,"amount":1e300})"), std::invalid_argument);
  EXPECT_EQ(payment_from_json(R"({"payId":1,"rsvId":2,"amount":12000})").amount, 12000);
}

}  // namespace
}  // namespace cinema::contracts
