// Component tier: /messages through the router and the request pipeline (errors become statuses as
// in the server), on a real SQLite file.
#include "services/message/messages_handler.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "core/http/pipeline.hpp"
#include "core/json.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "message_fixture.hpp"

namespace cinema::message {
namespace {

class MessagesHandlerTest : public MessageDatabaseTest {
 protected:
  void SetUp() override {
    MessageDatabaseTest::SetUp();
    handler_.emplace(*messages_);
    handler_->register_routes(router_);
  }
  http::Response get(std::string target) {
    http::Request request{.method = "GET", .target = std::move(target)};
    auto answer = boost::asio::co_spawn(io_, pipeline_.handle(request), boost::asio::use_future);
    io_.restart();
    io_.run();
    return answer.get();
  }
  json::Json get_json(std::string target) {
    auto response = get(std::move(target));
    EXPECT_EQ(response.status, 200) << response.body;
    return json::Json::parse(response.body);
  }

  Logger log_{"test", LogLevel::error};
  MetricsRegistry metrics_;
  http::Router router_;
  http::Pipeline pipeline_{router_, log_, metrics_};
  boost::asio::io_context io_;
  std::optional<MessagesHandler> handler_;
};

TEST_F(MessagesHandlerTest, ListsOneCustomersMessagesOldestFirstWithTheSeedFieldNames) {
  messages_->insert(stored_message("e1", "kim", 1));
  messages_->insert(stored_message("e2", "lee", 2));
  messages_->insert(stored_message("e3", "kim", 3));
  auto list = get_json("/messages?customerId=kim");
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0]["messageId"], 1);
  EXPECT_EQ(list[1]["messageId"], 3);
  const auto& first = list[0];
  EXPECT_EQ(first["customerId"], "kim");
  EXPECT_EQ(first["rsvId"], 1);
  EXPECT_EQ(first["movieId"], 1);
  EXPECT_EQ(first["kind"], "ReservationConfirmed");
  EXPECT_EQ(first["text"], "Reservation 1 confirmed for movie 1.");
  EXPECT_EQ(first["createdAt"], "2022-04-07T07:02:50Z");
  EXPECT_EQ(first["delivery"], "pending");
  EXPECT_EQ(first["attempts"], 0);
  EXPECT_EQ(get_json("/messages?customerId=nobody"), json::Json::array());
}

TEST_F(MessagesHandlerTest, ListFiltersByReservationAndPages) {
  for (auto [event, rsv_id] : {std::pair{"e1", 1}, {"e2", 2}, {"e3", 1}})
    messages_->insert(stored_message(event, "kim", rsv_id));
  auto of_rsv_1 = get_json("/messages?customerId=kim&rsvId=1");
  ASSERT_EQ(of_rsv_1.size(), 2u);
  EXPECT_EQ(of_rsv_1[1]["messageId"], 3);
  auto page = get_json("/messages?customerId=kim&limit=1&offset=1");
  ASSERT_EQ(page.size(), 1u);
  EXPECT_EQ(page[0]["messageId"], 2);
}

TEST_F(MessagesHandlerTest, ListWithoutCustomerIdIs400NamingTheField) {
  for (auto target : {"/messages", "/messages?customerId=", "/messages?rsvId=1"}) {
    auto response = get(target);
    EXPECT_EQ(response.status, 400) << target;
    EXPECT_NE(response.body.find("'customerId'"), std::string::npos) << response.body;
  }
}

TEST_F(MessagesHandlerTest, BadFilterOrPageIs400NamingTheParameter) {
  for (auto [target, name] : {std::pair{"/messages?customerId=kim&rsvId=x", "'rsvId'"},
                              {"/messages?customerId=kim&limit=0", "'limit'"},
                              {"/messages?customerId=kim&offset=-1", "'offset'"}}) {
    auto response = get(target);
    EXPECT_EQ(response.status, 400) << target;
    EXPECT_NE(response.body.find(name), std::string::npos) << response.body;
  }
}

TEST_F(MessagesHandlerTest, GetFindsAMessageAndUnknownIdIs404) {
  messages_->insert(stored_message("e1", "kim", 4));
  auto found = get_json("/messages/1");
  EXPECT_EQ(found["messageId"], 1);
  EXPECT_EQ(found["rsvId"], 4);
  EXPECT_EQ(get("/messages/999").status, 404);
  auto bad = get("/messages/abc");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("'messageId'"), std::string::npos) << bad.body;
}

}  // namespace
}  // namespace cinema::message
