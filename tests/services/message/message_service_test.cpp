// Component tier: the service as make_message_service wires it, on real files with the embedded
// bus: an event published on the bus becomes a message, is delivered to messages.log, listed over
// /messages, and announced with MessageSent.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>

#include "core/http/pipeline.hpp"
#include "core/json.hpp"
#include "events/runtime.hpp"
#include "message_fixture.hpp"
#include "services/message/message_service.hpp"

namespace cinema::message {
namespace {
using namespace std::chrono_literals;

std::vector<SettingSpec> all_settings() {
  std::vector<SettingSpec> specs;
  for (const auto& group : {common_settings(), events::event_settings(), message_settings()})
    specs.insert(specs.end(), group.settings.begin(), group.settings.end());
  return specs;
}

class MessageServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (std::filesystem::temp_directory_path() / ("message-service-" + std::to_string(::getpid()))).string();
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Calls `check` until it holds or 5 s passed.
  template <typename Check>
  static bool eventually(Check check) {
    auto deadline = std::chrono::steady_clock::now() + 5s;
    while (!check()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(10ms);
    }
    return true;
  }
  std::vector<std::string> log_lines() const {
    std::ifstream file(std::filesystem::path(dir_) / "messages.log");
    std::vector<std::string> lines;
    for (std::string line; std::getline(file, line);) lines.push_back(line);
    return lines;
  }

  std::string dir_;
};

TEST_F(MessageServiceTest, ReservationConfirmedOnTheBusIsStoredDeliveredListedAndAnnounced) {
  auto config = Config::load(all_settings(), "", [this](const std::string& name) -> std::optional<std::string> {
    if (name == "DATA_DIR") return dir_;
    return std::nullopt;
  });
  Logger log("message", LogLevel::error);
  MetricsRegistry metrics;
  boost::asio::io_context io;
  http::Client client(io);
  http::Router router;
  Actuator actuator({"message", "test", 0}, metrics);
  std::vector<std::function<void()>> stop_hooks;
  ServiceContext context{config, log,      metrics, io, client, router, actuator, dir_,
                         [&](std::function<void()> hook) { stop_hooks.push_back(std::move(hook)); }};
  auto service = make_message_service(context);

  auto bus = events::make_bus(config, dir_);
  auto event = MessageDatabaseTest::reservation_event("ReservationConfirmed", 1);
  bus->publisher()->publish("cinema", std::vector{event, event});  // a redelivery has no effect
  ASSERT_TRUE(eventually([&] { return !log_lines().empty(); })) << "nothing delivered to messages.log";
  auto delivered = json::Json::parse(log_lines().front());
  EXPECT_EQ(delivered["text"], "Reservation 1 confirmed: seats A1, A2 for movie 1.");

  http::Pipeline pipeline(router, log, metrics);
  auto list = [&] {
    http::Request request{.method = "GET", .target = "/messages?customerId=kim"};
    auto answer = boost::asio::co_spawn(io, pipeline.handle(request), boost::asio::use_future);
    io.restart();
    io.run();
    return json::Json::parse(answer.get().body);
  };
  ASSERT_TRUE(eventually([&] { return list()[0]["delivery"] == "delivered"; }));
  EXPECT_EQ(list().size(), 1u);

  auto announcements = bus->consumer("probe", "cinema");
  EXPECT_TRUE(eventually([&] {
    for (const auto& seen : announcements->poll(100ms))
      if (seen.event_type == "MessageSent") return true;
    return false;
  })) << "MessageSent was not published";

  for (auto& hook : stop_hooks) hook();
  service.reset();
  EXPECT_EQ(log_lines().size(), 1u);
}

}  // namespace
}  // namespace cinema::message
