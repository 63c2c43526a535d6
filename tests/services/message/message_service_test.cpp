// Component tier: the service as make_message_service wires it, on real files with the embedded
// bus: an event published on the bus becomes a message, is delivered to messages.log, listed over
// /messages, and announced with MessageSent.
#include "services/message/message_service.hpp"

#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "core/http/pipeline.hpp"
#include "core/json.hpp"
#include "core/security/guard.hpp"
#include "events/runtime.hpp"
#include "message_fixture.hpp"
#include "store/service_database.hpp"

namespace cinema::message {
namespace {
using namespace std::chrono_literals;

std::vector<SettingSpec> all_settings() {
  std::vector<SettingSpec> specs;
  for (const auto& group : {common_settings(), events::event_settings(), message_settings()})
    specs.insert(specs.end(), group.settings.begin(), group.settings.end());
  return specs;
}

// What ServiceHost gives a service, without the server: the test calls the routes itself.
struct Host {
  explicit Host(const std::map<std::string, std::string>& environment)
      : config(Config::load(all_settings(), "",
                            [&](const std::string& name) -> std::optional<std::string> {
                              if (auto it = environment.find(name); it != environment.end()) return it->second;
                              return std::nullopt;
                            })),
        context{config,
                log,
                metrics,
                io,
                client,
                router,
                actuator,
                security,
                config.text("data.dir"),
                [this](std::function<void()> hook) { stop_hooks.push_back(std::move(hook)); }} {}
  json::Json get(std::string target) {
    http::Request request{.method = "GET", .target = std::move(target)};
    auto answer = boost::asio::co_spawn(io, pipeline.handle(request), boost::asio::use_future);
    io.restart();
    io.run();
    return json::Json::parse(answer.get().body);
  }
  void stop() {
    for (auto& hook : stop_hooks) hook();
  }

  Config config;
  Logger log{"message", LogLevel::error};
  MetricsRegistry metrics;
  boost::asio::io_context io;
  http::Client client{io};
  http::Router router;
  Actuator actuator{{"message", "test", 0}, metrics};
  security::Security security{security::SecurityOptions{.tokens = {.secret = std::string(32, 's')}}, "message"};
  http::Pipeline pipeline{router, log, metrics};
  std::vector<std::function<void()>> stop_hooks;
  ServiceContext context;
};

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
  Host host({{"DATA_DIR", dir_}});
  auto service = make_message_service(host.context);

  auto bus = events::make_bus(host.config, dir_);
  auto event = reservation_event("ReservationConfirmed", 1);
  bus->publisher()->publish("cinema", std::vector{event, event});  // a redelivery has no effect
  ASSERT_TRUE(eventually([&] { return !log_lines().empty(); })) << "nothing delivered to messages.log";
  EXPECT_EQ(json::Json::parse(log_lines().front())["text"], "Reservation 1 confirmed: seats A1, A2 for movie 1.");
  ASSERT_TRUE(eventually([&] { return host.get("/messages?customerId=kim")[0]["delivery"] == "delivered"; }));
  EXPECT_EQ(host.get("/messages?customerId=kim").size(), 1u);

  auto announcements = bus->consumer("probe", "cinema");
  EXPECT_TRUE(eventually([&] {
    for (const auto& seen : announcements->poll(100ms))
      if (seen.event_type == "MessageSent") return true;
    return false;
  })) << "MessageSent was not published";

  host.stop();
  service.reset();
  EXPECT_EQ(log_lines().size(), 1u);
}

TEST_F(MessageServiceTest, WebhookUrlTheClientCannotCallFailsAtStartNamingTheSetting) {
  Host host({{"DATA_DIR", dir_}, {"MESSAGE_WEBHOOK_URL", "https://notify.example/hook"}});
  try {
    make_message_service(host.context);
    FAIL() << "started with an https webhook";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("message.webhook_url"), std::string::npos) << e.what();
  }
}

// Every service opens its database through open_service_database, so the message service's file
// stands for all of them.
TEST_F(MessageServiceTest, DataSynchronousDecidesWhetherEveryCommitIsSynced) {
  constexpr std::int64_t normal = 1, full = 2;
  auto synchronous = [](Host& host) {
    auto db = store::open_service_database(host.context, "message.db_file", {});
    return db->query("PRAGMA synchronous").at(0).integer(0);
  };
  Host by_default({{"DATA_DIR", dir_}});
  EXPECT_EQ(synchronous(by_default), normal);
  Host durable({{"DATA_DIR", dir_}, {"DATA_SYNCHRONOUS", "full"}});
  EXPECT_EQ(synchronous(durable), full);
}

}  // namespace
}  // namespace cinema::message
