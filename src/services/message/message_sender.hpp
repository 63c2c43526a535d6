#pragma once
// How a message reaches the customer. The dispatcher only knows this interface; the service picks
// a webhook when `message.webhook_url` is set, otherwise a log file (the local stand-in for SMS/mail).
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "services/message/message.hpp"

namespace cinema::message {

// Where delivery reads the time: the wall clock dates attempts and schedules retries, the steady
// clock measures intervals. The system's clocks in production; a test passes clocks it advances by
// hand, so it steps through retries and intervals instead of sleeping through them.
struct DeliveryClock {
  std::function<std::chrono::system_clock::time_point()> wall = [] { return std::chrono::system_clock::now(); };
  std::function<std::chrono::steady_clock::time_point()> steady = [] { return std::chrono::steady_clock::now(); };
};

struct DeliveryResult {
  bool delivered = false;
  std::string error;  // why not, when not delivered
};

class MessageSender {
 public:
  virtual ~MessageSender() = default;
  // May block (the dispatcher calls it on its own thread); never throws.
  virtual DeliveryResult send(const Message& message) = 0;
};

// How large the file of delivered messages may grow: past `max_file_bytes` it becomes `<path>.1`
// (as a service's log does, core/log.hpp), so it keeps at most (max_files + 1) x max_file_bytes.
struct MessageFileLimits {
  std::uint64_t max_file_bytes = 64ull << 20;  // 0: never rotated here
  int max_files = 3;
};

// Appends the message as one JSON line to a file. The file stays open (opening and closing it per
// message was an eighth of the service's CPU under load); when the path stops naming it (rotated
// by someone else, or removed), it is opened again within a second.
class LogFileSender final : public MessageSender {
 public:
  explicit LogFileSender(std::string path, MessageFileLimits limits = {}, DeliveryClock clock = {})
      : path_(std::move(path)), limits_(limits), clock_(std::move(clock)) {}
  ~LogFileSender() override;
  LogFileSender(const LogFileSender&) = delete;
  LogFileSender& operator=(const LogFileSender&) = delete;
  DeliveryResult send(const Message& message) override;

 private:
  // Empty when the file is open for appending, else why it is not.
  std::string open_current_file();
  void close_file();

  std::string path_;
  MessageFileLimits limits_;
  DeliveryClock clock_;
  int fd_ = -1;
  std::uint64_t size_ = 0;  // of the open file
  std::chrono::steady_clock::time_point next_path_check_{};
};

// "http://host:port/path" split into what the HTTP client needs.
struct WebhookTarget {
  std::string upstream;  // "host:port"
  std::string target;    // "/path"
};
// Throws std::invalid_argument saying what is wrong: only plain http with host, port and path.
WebhookTarget parse_webhook_url(const std::string& url);

// POSTs the message JSON; any 2xx answer is a delivery.
class WebhookSender final : public MessageSender {
 public:
  WebhookSender(WebhookTarget target, std::chrono::milliseconds timeout)
      : target_(std::move(target)), timeout_(timeout) {}
  DeliveryResult send(const Message& message) override;

 private:
  WebhookTarget target_;
  std::chrono::milliseconds timeout_;
};

}  // namespace cinema::message
