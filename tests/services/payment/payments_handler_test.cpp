// Component tier: /payments through the router and the request pipeline (errors become statuses as
// in the server), on a real SQLite file; the outbox shows what would be published.
#include <future>
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "contracts/payment_api.hpp"
#include "core/time.hpp"
#include "services/payment/payment_decider.hpp"
#include "core/http/pipeline.hpp"
#include "core/json.hpp"
#include "core/log.hpp"
#include "core/security/guard.hpp"
#include "core/metrics.hpp"
#include "payment_fixture.hpp"
#include "services/payment/payments_handler.hpp"

namespace cinema::payment {
namespace {
using namespace std::chrono_literals;

constexpr auto kHang = 50ms;
const security::TokenSettings kTokens{.secret = std::string(32, 's')};
const security::TokenMinter kMinter{kTokens};

std::string bearer(const std::string& sub, security::Role role) {
  return "Bearer " + kMinter.mint({sub, role}, std::chrono::hours(1), security::Clock::now());
}

std::string body(std::int64_t rsv_id, std::int64_t amount = 24000, std::string card = "") {
  return contracts::payment_request_to_json({rsv_id, 1, amount, "kim", std::move(card)});
}

class PaymentsHandlerTest : public PaymentDatabaseTest {
 protected:
  void SetUp() override {
    PaymentDatabaseTest::SetUp();
    commits_.emplace(*db_, io_.get_executor());
    handler_.emplace(*commits_, *payments_, *sink_, PaymentsHandlerOptions{kHang});
    handler_->register_routes(router_);
    router_.set_authenticator(&authenticator_);
  }

  // Charges as the reservation service sends them, with its service token; reads as the gateway
  // forwards a manager's.
  static http::Request request(std::string method, std::string target, std::string body = {}) {
    bool read = method == "GET";
    http::Request r{.method = std::move(method), .target = std::move(target), .body = std::move(body)};
    r.headers.set("Authorization", bearer(read ? "gateway" : "reservation", security::Role::service));
    if (read) {
      r.headers.set(security::kRoleHeader, "manager");
      r.headers.set(security::kSubjectHeader, "m1");
    }
    return r;
  }
  std::future<http::Response> spawn(http::Request& request) {
    return boost::asio::co_spawn(io_, pipeline_.handle(request), boost::asio::use_future);
  }
  http::Response call(std::string method, std::string target, std::string body = {}) {
    auto req = request(std::move(method), std::move(target), std::move(body));
    auto answer = spawn(req);
    io_.restart();
    io_.run();
    return answer.get();
  }
  http::Response post(std::string body) { return call("POST", "/payments", std::move(body)); }
  std::int64_t stored_payments() { return static_cast<std::int64_t>(payments_->list(std::nullopt, std::nullopt, 1000, 0).size()); }

  Logger log_{"test", LogLevel::error};
  MetricsRegistry metrics_;
  http::Router router_;
  security::TokenVerifier verifier_{kTokens};
  security::PeerAuthenticator authenticator_{security::Mode::enforce, verifier_};
  http::Pipeline pipeline_{router_, log_, metrics_};
  boost::asio::io_context io_;
  std::optional<store::CommitGroup> commits_;
  std::optional<PaymentsHandler> handler_;
};

TEST_F(PaymentsHandlerTest, FirstPaymentIsCreatedPaidAndRepeatReturnsItWithoutChargingAgain) {
  auto first = post(body(1));
  ASSERT_EQ(first.status, 201) << first.body;
  auto paid = contracts::payment_from_json(first.body);
  EXPECT_EQ(paid.status, "paid");
  EXPECT_EQ(first.headers.get("Location").value_or(""), "/payments/" + std::to_string(paid.pay_id));

  auto repeat = call("POST", "/payments", body(1));
  ASSERT_EQ(repeat.status, 200) << repeat.body;
  EXPECT_EQ(contracts::payment_from_json(repeat.body).pay_id, paid.pay_id);
  EXPECT_EQ(repeat.headers.get("Idempotent-Replayed").value_or(""), "true");
  EXPECT_EQ(stored_payments(), 1);
  EXPECT_EQ(outbox_types(), std::vector<std::string>{"PaymentApproved"});
  auto event = contracts::payment_state_of(outbox_->oldest(1).front().event);
  EXPECT_EQ(event.pay_id, paid.pay_id);
  EXPECT_EQ(event.rsv_id, 1);
}

TEST_F(PaymentsHandlerTest, IdempotencyKeyHeaderRepeatGetsTheSameStoredPayment) {
  auto first = request("POST", "/payments", body(4));
  first.headers.set("Idempotency-Key", "rsv-4");
  auto again = first;
  auto first_answer = spawn(first);
  io_.run();
  io_.restart();
  auto again_answer = spawn(again);
  io_.run();
  EXPECT_EQ(first_answer.get().status, 201);
  EXPECT_EQ(again_answer.get().status, 200);
  EXPECT_EQ(stored_payments(), 1);
}

TEST_F(PaymentsHandlerTest, DeclinedCardIsStoredAndAnswered402WithThePayment) {
  auto answer = post(body(2, 24000, "4000000000000002"));
  ASSERT_EQ(answer.status, 402) << answer.body;
  auto error = json::Json::parse(answer.body);
  EXPECT_EQ(error["error"], "payment_declined");
  EXPECT_EQ(error["message"], "card declined");
  auto declined = contracts::payment_from_json(answer.body);
  EXPECT_EQ(declined.status, "declined");
  EXPECT_EQ(declined.reason, "card_declined");
  EXPECT_EQ(declined.rsv_id, 2);
  ASSERT_TRUE(payments_->find(declined.pay_id));
  EXPECT_EQ(outbox_types(), std::vector<std::string>{"PaymentDeclined"});

  EXPECT_EQ(post(body(2, 24000, "4000000000000002")).status, 402) << "a repeat keeps the outcome";
  EXPECT_EQ(outbox_types().size(), 1u);
}

TEST_F(PaymentsHandlerTest, RepeatWithAnotherAmountIsAConflictAndChangesNothing) {
  ASSERT_EQ(post(body(3, 24000)).status, 201);
  auto conflict = post(body(3, 30000));
  EXPECT_EQ(conflict.status, 409) << conflict.body;
  EXPECT_EQ(payments_->find_by_rsv(3)->amount, 24000);
  EXPECT_EQ(outbox_types().size(), 1u);
}

TEST_F(PaymentsHandlerTest, BadRequestNamesTheField) {
  auto bad_rsv = post(R"({"rsvId":"x","movieId":1})");
  EXPECT_EQ(bad_rsv.status, 400);
  EXPECT_NE(bad_rsv.body.find("'rsvId'"), std::string::npos) << bad_rsv.body;
  auto no_movie = post(R"({"rsvId":1})");
  EXPECT_EQ(no_movie.status, 400);
  EXPECT_NE(no_movie.body.find("'movieId'"), std::string::npos) << no_movie.body;
  auto negative = post(R"({"rsvId":1,"movieId":1,"amount":-5})");
  EXPECT_EQ(negative.status, 400);
  EXPECT_NE(negative.body.find("'amount'"), std::string::npos) << negative.body;
  EXPECT_EQ(stored_payments(), 0);
}

TEST_F(PaymentsHandlerTest, GetFindsAPaymentAndUnknownIdIs404) {
  auto created = contracts::payment_from_json(post(body(5)).body);
  auto found = call("GET", "/payments/" + std::to_string(created.pay_id));
  ASSERT_EQ(found.status, 200);
  EXPECT_EQ(contracts::payment_from_json(found.body).rsv_id, 5);
  EXPECT_EQ(call("GET", "/payments/999").status, 404);
}

TEST_F(PaymentsHandlerTest, ListIsNewestLastAndFiltersByReservation) {
  for (std::int64_t rsv_id : {6, 7, 8}) ASSERT_EQ(post(body(rsv_id)).status, 201);
  auto all = json::Json::parse(call("GET", "/payments").body);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all.back()["rsvId"], 8);
  auto one = json::Json::parse(call("GET", "/payments?rsvId=7").body);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one.front()["rsvId"], 7);
  EXPECT_EQ(json::Json::parse(call("GET", "/payments?limit=1&offset=2").body).front()["rsvId"], 8);
  EXPECT_EQ(call("GET", "/payments?rsvId=abc").status, 400);
}

TEST_F(PaymentsHandlerTest, HangingCardIsPendingUntilDecidedAsProcessorTimeout) {
  auto answer = post(body(9, 24000, "4000000000000119"));
  ASSERT_EQ(answer.status, 202) << "payment answers at once; the processor's slowness is not payment's" << answer.body;
  EXPECT_EQ(contracts::payment_from_json(answer.body).status, "pending");
  EXPECT_TRUE(outbox_types().empty()) << "nothing decided, nothing announced";
  EXPECT_EQ(post(body(9, 24000, "4000000000000119")).status, 202) << "a repeat while pending";
  PaymentDecider decider(*db_, *payments_, *sink_, log_);
  EXPECT_EQ(decider.decide_due(std::chrono::system_clock::now() - 1h), 0) << "not due yet";
  EXPECT_EQ(decider.decide_due(std::chrono::system_clock::now() + 1h), 1);
  auto later = post(body(9, 24000, "4000000000000119"));
  ASSERT_EQ(later.status, 402) << later.body;
  EXPECT_EQ(contracts::payment_from_json(later.body).reason, "processor_timeout");
  EXPECT_EQ(outbox_types(), std::vector<std::string>{"PaymentDeclined"});
}

TEST_F(PaymentsHandlerTest, OnlyAPeerServiceCharges) {
  auto answer = [&](http::Request r) {
    auto future = spawn(r);
    io_.restart();
    io_.run();
    return future.get().status;
  };
  http::Request anonymous{.method = "POST", .target = "/payments", .body = body(11)};
  EXPECT_EQ(answer(anonymous), 401);
  auto customer = request("POST", "/payments", body(11));
  customer.headers.set("Authorization", bearer("kim", security::Role::customer));
  EXPECT_EQ(answer(customer), 403) << "an end user's token is not a service's";
  auto through_gateway = request("POST", "/payments", body(11));
  through_gateway.headers.set("Authorization", bearer("gateway", security::Role::service));
  through_gateway.headers.set(security::kRoleHeader, "manager");
  through_gateway.headers.set(security::kSubjectHeader, "m1");
  EXPECT_EQ(answer(through_gateway), 403) << "the gateway speaks for its end user, who may not charge";
  auto forged = request("POST", "/payments", body(11));
  forged.headers.set("Authorization", "Bearer " + security::TokenMinter({.secret = std::string(32, 'x')})
                                                      .mint({"reservation", security::Role::service}, std::chrono::hours(1),
                                                            security::Clock::now()));
  EXPECT_EQ(answer(forged), 401);
  http::Request void_anonymous{.method = "POST", .target = "/payments/void", .body = body(11)};
  EXPECT_EQ(answer(void_anonymous), 401);
  EXPECT_EQ(stored_payments(), 0);
}

TEST_F(PaymentsHandlerTest, VoidAnswersTheChargeMadeOrMakesSureNoneFollows) {
  ASSERT_EQ(post(body(12)).status, 201);
  auto made = call("POST", "/payments/void", body(12));
  EXPECT_EQ(made.status, 200) << made.body;
  EXPECT_EQ(contracts::payment_from_json(made.body).status, "paid");

  auto voided = call("POST", "/payments/void", body(13));
  ASSERT_EQ(voided.status, 402) << voided.body;
  EXPECT_EQ(contracts::payment_from_json(voided.body).reason, "not_received");
  auto late_charge = post(body(13));
  EXPECT_EQ(late_charge.status, 402) << "the charge that arrives after the void is not made";
  EXPECT_EQ(payments_->find_by_rsv(13)->status, "declined");
}

TEST_F(PaymentsHandlerTest, RepeatForAnotherCustomerIsAConflict) {
  ASSERT_EQ(post(body(14)).status, 201);
  auto other = post(contracts::payment_request_to_json({14, 1, 24000, "mallory", ""}));
  EXPECT_EQ(other.status, 409) << other.body;
}

TEST_F(PaymentsHandlerTest, AmountsBeyondTheBoundsOfMoneyAreRefused) {
  auto huge = post(body(15, INT64_MAX));
  EXPECT_EQ(huge.status, 400) << huge.body;
  EXPECT_EQ(stored_payments(), 0);
}

}  // namespace
}  // namespace cinema::payment
