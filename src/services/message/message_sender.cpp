#include "services/message/message_sender.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "core/http/client.hpp"
#include "services/message/message_json.hpp"

namespace cinema::message {

DeliveryResult LogFileSender::send(const Message& message) {
  auto line = message_to_json(message) + "\n";
  std::FILE* file = std::fopen(path_.c_str(), "a");
  if (!file) return {false, "cannot open " + path_ + ": " + std::strerror(errno)};
  bool written = std::fwrite(line.data(), 1, line.size(), file) == line.size();
  // A line is delivered only once it reached the file, so a failed close counts as a failure.
  bool closed = std::fclose(file) == 0;
  if (!written || !closed) return {false, "cannot write " + path_};
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
