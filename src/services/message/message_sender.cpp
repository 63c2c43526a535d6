#include "services/message/message_sender.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "core/log.hpp"

#include "core/http/client.hpp"
#include "services/message/message_json.hpp"

namespace cinema::message {

LogFileSender::~LogFileSender() { close_file(); }

void LogFileSender::close_file() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

std::string LogFileSender::open_current_file() {
  auto now = clock_.steady();
  if (fd_ >= 0) {
    if (now < next_path_check_) return {};
    struct stat named {}, open_file {};
    if (::stat(path_.c_str(), &named) == 0 && ::fstat(fd_, &open_file) == 0 && named.st_dev == open_file.st_dev &&
        named.st_ino == open_file.st_ino) {
      next_path_check_ = now + std::chrono::seconds(1);
      return {};
    }
    close_file();
  }
  fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) return "cannot open " + path_ + ": " + std::strerror(errno);
  struct stat opened {};
  size_ = ::fstat(fd_, &opened) == 0 ? static_cast<std::uint64_t>(opened.st_size) : 0;
  next_path_check_ = now + std::chrono::seconds(1);
  return {};
}

DeliveryResult LogFileSender::send(const Message& message) {
  auto line = message_to_json(message) + "\n";
  if (fd_ >= 0 && limits_.max_file_bytes > 0 && size_ > 0 && size_ + line.size() > limits_.max_file_bytes) {
    rotate_numbered_files(path_, limits_.max_files);
    close_file();
  }
  if (auto error = open_current_file(); !error.empty()) return {false, error};
  // A line is delivered once the file has all of it (O_APPEND: each write lands at the end).
  for (std::string_view rest = line; !rest.empty();) {
    auto written = ::write(fd_, rest.data(), rest.size());
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) {
      auto error = "cannot write " + path_ + ": " + std::strerror(errno);
      close_file();
      return {false, error};
    }
    rest.remove_prefix(static_cast<std::size_t>(written));
    size_ += static_cast<std::uint64_t>(written);
  }
  return {true, {}};
}

WebhookTarget parse_webhook_url(const std::string& url) {
  constexpr std::string_view scheme = "http://";
  if (!url.starts_with(scheme)) throw std::invalid_argument("must start with http:// (https is not supported)");
  auto rest = std::string_view(url).substr(scheme.size());
  auto slash = rest.find('/');
  auto upstream = rest.substr(0, slash);
  auto colon = upstream.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == upstream.size())
    throw std::invalid_argument("must name a host and a port: http://host:port/path");
  if (upstream.substr(colon + 1).find_first_not_of("0123456789") != std::string_view::npos)
    throw std::invalid_argument("port must be a number");
  auto target = slash == std::string_view::npos ? std::string_view("/") : rest.substr(slash);
  return WebhookTarget{std::string(upstream), std::string(target)};
}

DeliveryResult WebhookSender::send(const Message& message) {
  http::Request request{.method = "POST", .target = target_.target, .body = message_to_json(message)};
  request.headers.set("Content-Type", "application/json");
  try {
    auto response = http::blocking_send(target_.upstream, std::move(request), timeout_);
    if (response.status >= 200 && response.status < 300) return {true, {}};
    return {false, "webhook answered " + std::to_string(response.status)};
  } catch (const std::exception& e) {
    return {false, e.what()};
  }
}

}  // namespace cinema::message
