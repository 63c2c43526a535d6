#include "traffic.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "cinema_process.hpp"

namespace cinema::testing::chaos {
namespace {
using nlohmann::json;
constexpr const char* kDeclinedCard = "4000000000000002";
constexpr const char* kApprovedCard = "4242424242424242";

// Longer than the gateway's own upstream timeout: a request the gateway gave up on is its answer,
// not ours.
constexpr auto kClientTimeout = std::chrono::seconds(20);

bool is_turned_away(const Answer& answer) { return answer.status == 503 || answer.status == 429; }

bool designed(const Answer& answer) {
  if (is_turned_away(answer)) return answer.retry_after;
  if (answer.what == "cancel") return answer.status == 200;
  return answer.status == 201 || answer.status == 402 || answer.status == 409;
}

std::string error_code(const std::string& body) {
  auto parsed = json::parse(body, nullptr, false);
  return parsed.is_object() && parsed.contains("error") && parsed["error"].is_string() ? parsed["error"].get<std::string>()
                                                                                      : std::string{};
}
}  // namespace

Traffic::Traffic(std::string gateway, std::vector<std::int64_t> screenings, int rows, int cols, TrafficOptions options)
    : gateway_(std::move(gateway)), screenings_(std::move(screenings)), rows_(rows), cols_(cols), options_(options) {}

Traffic::~Traffic() { stop(); }

void Traffic::start() {
  began_ = std::chrono::steady_clock::now();
  running_ = true;
  for (int i = 0; i < options_.clients; ++i) clients_.emplace_back([this, i] { run_client(i); });
}

void Traffic::stop() {
  running_ = false;
  for (auto& client : clients_)
    if (client.joinable()) client.join();
  clients_.clear();
}

double Traffic::now() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - began_).count();
}

std::vector<Answer> Traffic::answers() const {
  std::lock_guard lock(mutex_);
  return answers_;
}

void Traffic::record(Answer answer) {
  answer.at = now();
  std::lock_guard lock(mutex_);
  answers_.push_back(std::move(answer));
}

std::optional<std::string> Traffic::next_seat(std::int64_t& screening) {
  long seat = seats_used_++;
  long per_screening = static_cast<long>(rows_) * cols_;
  if (seat >= per_screening * static_cast<long>(screenings_.size())) return std::nullopt;
  screening = screenings_[static_cast<std::size_t>(seat / per_screening)];
  long in_screening = seat % per_screening;
  return fmt::format("{}{}", static_cast<char>('A' + in_screening / cols_), in_screening % cols_ + 1);
}

void Traffic::run_client(int index) {
  auto customer = fmt::format("chaos-{}", index);
  int requests = 0, reserved = 0;
  auto exchange = [&](const char* what, const std::string& method, const std::string& target, const json& body,
                      http::Headers headers) {
    Answer answer{.what = what};
    try {
      headers.set("Content-Type", "application/json");
      http::Request request{.method = method, .target = target, .headers = std::move(headers), .body = body.dump()};
      auto response = http::blocking_send(gateway_, std::move(request), kClientTimeout);
      answer.status = response.status;
      answer.retry_after = response.headers.get("Retry-After").has_value();
      answer.detail = error_code(response.body);
      record(answer);
      return response;
    } catch (const std::exception& error) {
      answer.detail = error.what();
      record(answer);
      return http::Response{};
    }
  };
  while (running_) {
    std::int64_t screening = 0;
    auto seat = next_seat(screening);
    if (!seat) break;
    ++requests;
    bool declined = options_.declined_every > 0 && requests % options_.declined_every == 0;
    json body{{"screeningId", screening}, {"seats", {*seat}}, {"customerId", customer},
              {"cardNumber", declined ? kDeclinedCard : kApprovedCard}};
    http::Headers headers;
    headers.set("Idempotency-Key", fmt::format("{}-{}", customer, requests));
    auto response = exchange("reserve", "POST", "/reservations", body, std::move(headers));
    if (response.status == 201 && options_.cancel_every > 0 && ++reserved % options_.cancel_every == 0) {
      auto id = json::parse(response.body, nullptr, false);
      if (id.is_object() && id.contains("rsvId"))
        exchange("cancel", "PATCH", fmt::format("/reservations/{}", id["rsvId"].get<std::int64_t>()),
                 json{{"status", "reqCancel"}}, {});
    }
    std::this_thread::sleep_for(options_.pause);
  }
}

std::vector<std::string> undesigned(const std::vector<Answer>& answers, double from, double to) {
  std::vector<std::string> failures;
  for (const auto& answer : answers)
    if (answer.at >= from && answer.at < to && !designed(answer))
      failures.push_back(fmt::format("{:.3f}s {} -> {}{} {}", answer.at, answer.what, answer.status,
                                     answer.retry_after ? " (Retry-After)" : "", answer.detail));
  return failures;
}

int turned_away(const std::vector<Answer>& answers, double from, double to) {
  int count = 0;
  for (const auto& answer : answers)
    if (answer.at >= from && answer.at < to && answer.what == "reserve" && is_turned_away(answer)) ++count;
  return count;
}

std::optional<double> back_at(const std::vector<Answer>& answers, double from) {
  double last_refused = from;
  for (const auto& answer : answers)
    if (answer.at >= from && answer.what == "reserve" && (is_turned_away(answer) || answer.status == 0 || answer.status >= 500))
      last_refused = std::max(last_refused, answer.at);
  for (const auto& answer : answers)
    if (answer.at >= last_refused && answer.what == "reserve" && answer.status == 201) return answer.at;
  return std::nullopt;
}

std::string timeline(const std::vector<Answer>& answers, double from, double to) {
  std::string lines;
  for (const auto& answer : answers)
    if (answer.at >= from && answer.at < to)
      lines += fmt::format("  {:.3f} {} {}{} {}\n", answer.at, answer.what, answer.status,
                           answer.retry_after ? " retry-after" : "", answer.detail);
  return lines;
}

}  // namespace cinema::testing::chaos
