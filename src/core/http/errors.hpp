#pragma once
// Typed errors that one boundary (the server's dispatch) maps to a status and a JSON body
// {"error": code, "message": text}. Expected business outcomes are values, not these.
#include <stdexcept>
#include <string>

namespace cinema::http {

class HttpError : public std::runtime_error {
 public:
  HttpError(int status, std::string code, const std::string& message)
      : std::runtime_error(message), status_(status), code_(std::move(code)) {}
  [[nodiscard]] int status() const { return status_; }
  [[nodiscard]] const std::string& code() const { return code_; }

 private:
  int status_;
  std::string code_;
};

// 400 with the offending field named in the message and kept for clients.
class BadRequest : public HttpError {
 public:
  BadRequest(std::string field, const std::string& message)
      : HttpError(400, "bad_request", field.empty() ? message : "field '" + field + "': " + message),
        field_(std::move(field)) {}
  [[nodiscard]] const std::string& field() const { return field_; }

 private:
  std::string field_;
};

struct NotFound : HttpError {
  explicit NotFound(const std::string& message) : HttpError(404, "not_found", message) {}
};
struct Conflict : HttpError {
  explicit Conflict(const std::string& message) : HttpError(409, "conflict", message) {}
};
struct UnsupportedMediaType : HttpError {
  explicit UnsupportedMediaType(const std::string& message) : HttpError(415, "unsupported_media_type", message) {}
};
struct ServiceUnavailable : HttpError {
  explicit ServiceUnavailable(const std::string& message) : HttpError(503, "service_unavailable", message) {}
};

// The JSON body every error response carries.
std::string error_body(std::string_view code, std::string_view message);
// The "error" field of such a body; empty when the body is not one.
std::string error_code_of(std::string_view body);

}  // namespace cinema::http
