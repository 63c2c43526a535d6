// Component tier: the senders against a real file and a tiny in-process HTTP server.
#include "services/message/message_sender.hpp"
#include "services/message/message_json.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "core/http/server.hpp"
#include "core/json.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "core/test_server.hpp"

namespace cinema::message {
namespace {
using namespace std::chrono_literals;

Message sample_message() {
  Message message;
  message.id = 7;
  message.event_id = "e7";
  message.customer_id = "kim";
  message.rsv_id = 3;
  message.movie_id = 2;
  message.kind = "ReservationCancelled";
  message.text = "Reservation 3 was cancelled; your payment 1 was refunded.";
  message.created_at = "2022-04-07T07:06:36Z";
  return message;
}

// A webhook receiver on a free port: /hook answers `status` and keeps what it received; /slow
// answers only after a second.
class WebhookReceiver {
 public:
  WebhookReceiver() {
    router_.add_sync("POST", "/hook", cinema::security::Access::open, [this](http::Request& request) {
      std::lock_guard lock(mutex_);
      received_.push_back(request);
      return http::Response::empty(status);
    });
    router_.add("POST", "/slow", cinema::security::Access::open, [](http::Request&) -> http::Awaitable {
      boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, 1s);
      co_await timer.async_wait(boost::asio::use_awaitable);
      co_return http::Response::empty(204);
    });
    port_ = server_.start();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~WebhookReceiver() {
    io_.stop();
    thread_.join();
  }
  std::string url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
  }
  std::vector<http::Request> received() const {
    std::lock_guard lock(mutex_);
    return received_;
  }

  int status = 204;

 private:
  Logger log_{"test", LogLevel::error};
  MetricsRegistry metrics_;
  http::Router router_;
  boost::asio::io_context io_;
  http::Server server_{io_, http::ServerOptions{.host = "127.0.0.1"}, router_, log_, metrics_};
  std::uint16_t port_ = 0;
  mutable std::mutex mutex_;
  std::vector<http::Request> received_;
  std::thread thread_;
};

TEST(WebhookSenderTest, PostsTheMessageAsJson) {
  WebhookReceiver receiver;
  WebhookSender sender(parse_webhook_url(receiver.url("/hook")), 2s);
  auto result = sender.send(sample_message());
  EXPECT_TRUE(result.delivered) << result.error;
  auto received = receiver.received();
  ASSERT_EQ(received.size(), 1u);
  const auto& request = received.front();
  EXPECT_EQ(request.headers.get("Content-Type").value_or(""), "application/json");
  auto body = json::Json::parse(request.body);
  EXPECT_EQ(body["messageId"], 7);
  EXPECT_EQ(body["customerId"], "kim");
  EXPECT_EQ(body["rsvId"], 3);
  EXPECT_EQ(body["movieId"], 2);
  EXPECT_EQ(body["kind"], "ReservationCancelled");
  EXPECT_EQ(body["text"], "Reservation 3 was cancelled; your payment 1 was refunded.");
  EXPECT_EQ(body["createdAt"], "2022-04-07T07:06:36Z");
}

TEST(WebhookSenderTest, ErrorAnswerIsNotADelivery) {
  WebhookReceiver receiver;
  receiver.status = 503;
  auto result = WebhookSender(parse_webhook_url(receiver.url("/hook")), 2s).send(sample_message());
  EXPECT_FALSE(result.delivered);
  EXPECT_NE(result.error.find("503"), std::string::npos) << result.error;
}

TEST(WebhookSenderTest, ReceiverThatDoesNotAnswerFailsAfterTheTimeout) {
  WebhookReceiver receiver;
  auto started = std::chrono::steady_clock::now();
  auto result = WebhookSender(parse_webhook_url(receiver.url("/slow")), 100ms).send(sample_message());
  EXPECT_FALSE(result.delivered);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 900ms);
}

TEST(WebhookSenderTest, UnreachableReceiverIsNotADelivery) {
  test_support::RefusingPort refusing;
  auto url = "http://" + refusing.upstream() + "/hook";
  auto result = WebhookSender(parse_webhook_url(url), 500ms).send(sample_message());
  EXPECT_FALSE(result.delivered);
  EXPECT_FALSE(result.error.empty());
}

TEST(WebhookUrlTest, SplitsHostPortAndPath) {
  auto target = parse_webhook_url("http://127.0.0.1:9000/hook/sms");
  EXPECT_EQ(target.upstream, "127.0.0.1:9000");
  EXPECT_EQ(target.target, "/hook/sms");
  EXPECT_EQ(parse_webhook_url("http://notify:80").target, "/");
}

TEST(WebhookUrlTest, RejectsWhatTheClientCannotCall) {
  for (auto url : {"https://host:443/hook", "host:9000/hook", "http://host/hook", "http://:9000/hook",
                   "http://host:/hook", "http://host:90x0/hook"})
    EXPECT_THROW(parse_webhook_url(url), std::invalid_argument) << url;
}

class LogFileSenderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("message-log-" + std::to_string(::getpid()) + "-" +
                                                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::vector<std::int64_t> ids_in(const std::string& name) const {
    std::ifstream file(dir_ / name);
    std::vector<std::int64_t> ids;
    for (std::string line; std::getline(file, line);) ids.push_back(json::Json::parse(line)["messageId"].get<std::int64_t>());
    return ids;
  }
  std::filesystem::path dir_;
};

TEST_F(LogFileSenderTest, AppendsOneJsonLinePerMessage) {
  LogFileSender sender((dir_ / "messages.log").string());
  auto first = sample_message();
  auto second = sample_message();
  second.id = 8;
  EXPECT_TRUE(sender.send(first).delivered);
  EXPECT_TRUE(sender.send(second).delivered);
  std::ifstream file(dir_ / "messages.log");
  std::vector<json::Json> lines;
  for (std::string line; std::getline(file, line);) lines.push_back(json::Json::parse(line));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["messageId"], 7);
  EXPECT_EQ(lines[1]["messageId"], 8);
  EXPECT_EQ(lines[1]["text"], first.text);
}

TEST_F(LogFileSenderTest, AFileRotatedAwayIsOpenedAgainAndLosesNoLine) {
  auto now = std::chrono::steady_clock::time_point(1h);  // moved by the test only
  DeliveryClock clock;
  clock.steady = [&now] { return now; };
  LogFileSender sender((dir_ / "messages.log").string(), {}, clock);
  auto message = sample_message();
  EXPECT_TRUE(sender.send(message).delivered);
  std::filesystem::rename(dir_ / "messages.log", dir_ / "messages.log.1");
  message.id = 8;
  now += 999ms;
  EXPECT_TRUE(sender.send(message).delivered);  // within the second: still into the rotated file
  now += 1ms;
  message.id = 9;
  EXPECT_TRUE(sender.send(message).delivered);
  EXPECT_EQ(ids_in("messages.log.1"), (std::vector<std::int64_t>{7, 8}));
  EXPECT_EQ(ids_in("messages.log"), (std::vector<std::int64_t>{9}));
}

// Disk is bounded by default: past its size the file becomes .1, .1 becomes .2, and the oldest
// beyond max_files is deleted; no line is ever split between two files.
TEST_F(LogFileSenderTest, ItsFileIsRotatedBySizeKeepingMaxFiles) {
  auto line_bytes = message_to_json(sample_message()).size() + 1;
  LogFileSender sender((dir_ / "messages.log").string(),
                       MessageFileLimits{.max_file_bytes = 2 * line_bytes + 1, .max_files = 2});
  auto message = sample_message();
  for (std::int64_t id = 1; id <= 7; ++id) {
    message.id = id;
    EXPECT_TRUE(sender.send(message).delivered);
  }
  EXPECT_EQ(ids_in("messages.log"), (std::vector<std::int64_t>{7}));
  EXPECT_EQ(ids_in("messages.log.1"), (std::vector<std::int64_t>{5, 6}));
  EXPECT_EQ(ids_in("messages.log.2"), (std::vector<std::int64_t>{3, 4}));
  EXPECT_FALSE(std::filesystem::exists(dir_ / "messages.log.3")) << "1 and 2, the oldest, were deleted";
}

TEST_F(LogFileSenderTest, UnwritableFileIsNotADelivery) {
  auto result = LogFileSender((dir_ / "missing" / "messages.log").string()).send(sample_message());
  EXPECT_FALSE(result.delivered);
  EXPECT_NE(result.error.find("missing"), std::string::npos) << result.error;
}

}  // namespace
}  // namespace cinema::message
