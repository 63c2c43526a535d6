#include "core/http/beast_convert.hpp"

namespace cinema::http {
namespace bhttp = boost::beast::http;

namespace {
template <class Message>
Headers copy_headers(const Message& message) {
  Headers headers;
  for (const auto& field : message) headers.add(std::string(field.name_string()), std::string(field.value()));
  return headers;
}

template <class Message>
void apply_headers(const Headers& headers, Message& message) {
  for (const auto& [name, value] : headers) message.insert(name, value);
}
}  // namespace

Request from_beast_request(BeastRequest&& message) {
  Request request;
  request.method = std::string(message.method_string());
  request.target = std::string(message.target());
  request.headers = copy_headers(message);
  request.body = std::move(message.body());
  return request;
}

BeastRequest to_beast_request(Request&& request, std::string_view host) {
  BeastRequest message;
  message.version(11);
  message.method_string(request.method);
  message.target(request.target);
  apply_headers(request.headers, message);
  if (message[bhttp::field::host].empty()) message.set(bhttp::field::host, host);
  message.body() = std::move(request.body);
  message.prepare_payload();
  message.keep_alive(true);
  return message;
}

BeastResponse to_beast_response(Response&& response, unsigned version, bool keep_alive, bool head) {
  BeastResponse message{static_cast<bhttp::status>(response.status), version};
  apply_headers(response.headers, message);
  message.body() = std::move(response.body);
  message.prepare_payload();
  if (head) {
    auto length = message.body().size();
    message.body().clear();
    message.content_length(length);
  }
  message.keep_alive(keep_alive);
  return message;
}

Response from_beast_response(BeastResponse&& message) {
  Response response;
  response.status = static_cast<int>(message.result_int());
  response.headers = copy_headers(message);
  response.body = std::move(message.body());
  return response;
}

}  // namespace cinema::http
