#include "adversarial_model.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <set>

namespace cinema::testing::adversarial {
using nlohmann::json;

const char* op_name(Op op) {
  switch (op) {
    case Op::setup: return "setup";
    case Op::reserve: return "reserve";
    case Op::cancel: return "cancel";
    case Op::delete_movie: return "delete";
    case Op::review: return "review";
    case Op::pay_gateway: return "pay-gateway";
    case Op::pay_direct: return "pay-direct";
  }
  return "?";
}

json Exchange::answer_json() const { return json::parse(answer, nullptr, false); }

std::string Exchange::error_code() const {
  auto parsed = answer_json();
  return parsed.is_object() && parsed.contains("error") && parsed["error"].is_string() ? parsed["error"].get<std::string>()
                                                                                      : std::string{};
}

std::int64_t Exchange::answered_rsv() const {
  auto parsed = answer_json();
  if (!parsed.is_object() || !parsed.contains("rsvId")) return 0;
  const auto& id = parsed["rsvId"];
  if (id.is_number_integer()) return id.get<std::int64_t>();
  if (id.is_string()) return std::atoll(id.get<std::string>().c_str());
  return 0;
}

bool unknown_outcome(const Exchange& exchange) {
  // The gateway's 503 service_unavailable covers a connection that dropped after the request went
  // out: the service may have acted on it before it died.
  return exchange.status == 0 || exchange.status == 500 || exchange.status == 502 || exchange.status == 504 ||
         (exchange.status == 503 && exchange.error_code() == "service_unavailable");
}

std::string describe(const Exchange& e) {
  char times[64];
  std::snprintf(times, sizeof times, "t=%.3fs..%.3fs", e.sent_at, e.answered_at);
  std::string line = "#" + std::to_string(e.id) + (e.client >= 0 ? " c" + std::to_string(e.client) : " ctl") + " " +
                     times + " " + e.method + " " + e.upstream + e.target;
  if (!e.body.empty()) line += " " + e.body;
  if (!e.idempotency_key.empty()) line += " [Idempotency-Key: " + e.idempotency_key + "]";
  if (!e.service_token.empty()) line += " [X-Service-Token: " + e.service_token + "]";
  auto answer = e.answer.size() > 400 ? e.answer.substr(0, 400) + "..." : e.answer;
  line += " -> " + (e.status ? std::to_string(e.status) : std::string("no answer")) + " " + answer;
  if (e.replayed) line += " [replayed]";
  if (!e.note.empty()) line += " (" + e.note + ")";
  return line;
}

std::size_t Journal::add(Exchange exchange) {
  std::lock_guard lock(mutex_);
  exchange.id = exchanges_.size();
  exchanges_.push_back(std::move(exchange));
  return exchanges_.back().id;
}

std::vector<Exchange> Journal::snapshot() const {
  std::lock_guard lock(mutex_);
  return exchanges_;
}

const Screening* World::screening(std::int64_t id) const {
  auto it = std::find_if(screenings.begin(), screenings.end(), [&](const Screening& s) { return s.id == id; });
  return it == screenings.end() ? nullptr : &*it;
}

std::optional<std::string> normalized_seat(const std::string& spelling) {
  auto first = spelling.find_first_not_of(' ');
  auto last = spelling.find_last_not_of(' ');
  if (first == std::string::npos || last - first + 1 < 2) return std::nullopt;
  auto text = spelling.substr(first, last - first + 1);
  char row = text[0];
  if (row >= 'a' && row <= 'z') row = static_cast<char>(row - 'a' + 'A');
  if (row < 'A' || row > 'Z') return std::nullopt;
  auto digits = text.substr(1);
  if (digits.size() > 6 || digits.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  return std::string(1, row) + std::to_string(std::stoll(digits));
}

SeatShape seat_shape(const json& seats, const Screening& screening) {
  if (!seats.is_array() || seats.empty()) return SeatShape::invalid;
  bool exact = true;
  std::set<std::string> seen;
  for (const auto& seat : seats) {
    if (!seat.is_string()) return SeatShape::invalid;
    auto spelling = seat.get<std::string>();
    auto normal = normalized_seat(spelling);
    if (!normal) return SeatShape::invalid;
    auto col = std::stoll(normal->substr(1));
    if ((*normal)[0] - 'A' >= screening.rows || col < 1 || col > screening.cols) return SeatShape::invalid;
    if (!seen.insert(*normal).second) return SeatShape::invalid;
    exact = exact && spelling == *normal;
  }
  return exact ? SeatShape::canonical : SeatShape::variant;
}

std::vector<std::string> normalized_seats(const json& seats) {
  std::vector<std::string> out;
  if (!seats.is_array()) return out;
  for (const auto& seat : seats) {
    auto spelling = seat.is_string() ? seat.get<std::string>() : seat.dump();
    out.push_back(normalized_seat(spelling).value_or(spelling));
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace cinema::testing::adversarial
