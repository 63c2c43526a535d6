#include "services/message/message_service.hpp"

#include <filesystem>
#include <optional>

#include "events/runtime.hpp"
#include "services/message/dispatcher.hpp"
#include "services/message/message.hpp"
#include "services/message/message_policy.hpp"
#include "services/message/message_repository.hpp"
#include "services/message/message_sender.hpp"
#include "services/message/messages_handler.hpp"
#include "store/service_database.hpp"

namespace cinema::message {
namespace {
std::unique_ptr<MessageSender> make_sender(const ServiceContext& context) {
  const auto& url = context.config.text("message.webhook_url");
  if (url.empty()) {
    auto path = std::filesystem::path(context.data_dir) / context.config.text("message.log_file");
    MessageFileLimits limits{
        .max_file_bytes = static_cast<std::uint64_t>(context.config.integer("message.log_max_mb")) << 20,
        .max_files = static_cast<int>(context.config.integer("message.log_max_files"))};
    return std::make_unique<LogFileSender>(path.string(), limits);
  }
  try {
    auto timeout = std::chrono::milliseconds(context.config.integer("message.webhook_timeout_ms"));
    return std::make_unique<WebhookSender>(parse_webhook_url(url), timeout);
  } catch (const std::invalid_argument& e) {
    throw ConfigError("message.webhook_url: " + std::string(e.what()));
  }
}

RetryPolicy retry_policy(const Config& config) {
  return RetryPolicy{std::chrono::milliseconds(config.integer("message.retry_base_ms")),
                     config.integer("message.max_attempts")};
}
}  // namespace

// Members are destroyed in reverse order: the consumer (in events_, declared last) stops before the
// policy and the dispatcher it calls go away. The dispatcher, which publishes through events_, is
// stopped by the destructor first; it is built in the body because it needs events_ constructed.
class MessageService {
 public:
  MessageService(ServiceContext& context, std::unique_ptr<store::Database> db)
      : db_(std::move(db)),
        messages_(*db_),
        sender_(make_sender(context)),
        handler_(messages_),
        policy_(messages_),
        events_(context, *db_) {
    dispatcher_.emplace(*db_, messages_, *sender_, events_, context.log, context.metrics, retry_policy(context.config));
  }
  ~MessageService() { dispatcher_->stop(); }

  void start(ServiceContext& context) {
    handler_.register_routes(context.router);
    dispatcher_->start();
    events_.consume(
        "message",
        [this](const events::Event& event) {
          if (policy_.apply(event, std::chrono::system_clock::now())) dispatcher_->notify();
        },
        is_notified_kind);
    context.on_stop([this] { dispatcher_->stop(); });
  }

 private:
  std::unique_ptr<store::Database> db_;
  MessageRepository messages_;
  std::unique_ptr<MessageSender> sender_;
  MessagesHandler handler_;
  MessagePolicy policy_;
  std::optional<Dispatcher> dispatcher_;
  events::EventRuntime events_;
};

SettingGroup message_settings() {
  using T = SettingType;
  return SettingGroup{
      "message",
      {
          {"message.db_file", T::string, "message.db",
           "SQLite file of the message service, relative to data.dir unless absolute."},
          {"message.log_file", T::string, "messages.log",
           "Without a webhook, messages are delivered as JSON lines to this file (relative to data.dir unless "
           "absolute)."},
          {"message.log_max_mb", T::integer, "64",
           "Past this size the file of messages becomes <file>.1 (and .1 becomes .2, ...); 0: never rotated.", 0,
           1'000'000},
          {"message.log_max_files", T::integer, "3",
           "Rotated files of messages kept (<file>.1 .. <file>.N, the oldest deleted).", 0, 100},
          {"message.webhook_url", T::string, "",
           "When set (http://host:port/path), each message is POSTed there as JSON instead."},
          {"message.webhook_timeout_ms", T::integer, "2000", "How long one webhook call may take.", 1, 600'000},
          {"message.retry_base_ms", T::integer, "500",
           "Delivery tick, and the first retry delay (doubling per failure, at most 60 s).", 1, 60'000},
          {"message.max_attempts", T::integer, "8", "Delivery attempts before a message is marked failed.", 1, 1000},
      }};
}

std::shared_ptr<MessageService> make_message_service(ServiceContext& context) {
  auto db = store::open_service_database(context, "message.db_file", message_migrations());
  auto service = std::make_shared<MessageService>(context, std::move(db));
  service->start(context);
  return service;
}

}  // namespace cinema::message
