// The final state the adversarial checks read, and the scan of the data directory for card numbers.
#include <algorithm>
#include <fstream>
#include <iterator>
#include <set>

#include "adversarial_checks.hpp"
#include "cinema_process.hpp"

namespace cinema::testing::adversarial {
using nlohmann::json;

const json* FinalState::reservation(std::int64_t rsv) const {
  auto it = reservations.find(rsv);
  return it == reservations.end() ? nullptr : &it->second;
}

std::string FinalState::status(std::int64_t rsv) const {
  const auto* r = reservation(rsv);
  return r ? r->value("status", "") : "";
}

bool FinalState::paid(std::int64_t rsv) const {
  auto it = payments.find(rsv);
  if (it == payments.end()) return false;
  return std::any_of(it->second.begin(), it->second.end(), [](const json& p) { return p.value("status", "") == "paid"; });
}

bool FinalState::refunded(std::int64_t rsv) const {
  auto it = payments.find(rsv);
  if (it == payments.end() || paid(rsv)) return false;
  return std::any_of(it->second.begin(), it->second.end(), [](const json& p) { return p.value("status", "") == "cancelled"; });
}

std::vector<std::int64_t> FinalState::unsettled() const {
  std::vector<std::int64_t> ids;
  for (const auto& [rsv, r] : reservations)
    if (r.value("status", "") == "reqReserve" || r.value("status", "") == "reqCancel") ids.push_back(rsv);
  return ids;
}

std::string FinalState::summary(std::int64_t rsv) const {
  const auto* r = reservation(rsv);
  std::string text = "reservation " + std::to_string(rsv) + " " + (r ? r->dump() : std::string("(absent)")) + ", payments [";
  if (auto it = payments.find(rsv); it != payments.end())
    for (std::size_t i = 0; i < it->second.size(); ++i) text += (i ? ", " : "") + it->second[i].dump();
  return text + "]";
}

namespace {
// Every item of a paged collection; false if a page could not be read.
bool read_pages(const std::string& gateway, const std::string& path, std::vector<json>& items) {
  for (std::int64_t offset = 0;; offset += 1000) {
    http::Response page;
    try {
      page = send(gateway, "GET", path + "?limit=1000&offset=" + std::to_string(offset));
    } catch (const std::exception&) {
      return false;
    }
    auto parsed = json::parse(page.body, nullptr, false);
    if (page.status != 200 || !parsed.is_array()) return false;
    items.insert(items.end(), parsed.begin(), parsed.end());
    if (parsed.size() < 1000) return true;
  }
}

int status_of(const std::string& gateway, const std::string& target, json* body = nullptr) {
  try {
    auto response = send(gateway, "GET", target);
    if (body) *body = json::parse(response.body, nullptr, false);
    return response.status;
  } catch (const std::exception&) {
    return 0;
  }
}
}  // namespace

FinalState read_final_state(const std::string& gateway, const World& world) {
  FinalState state;
  std::vector<json> reservations, payments;
  if (!read_pages(gateway, "/reservations", reservations)) state.error = "GET /reservations failed";
  if (!read_pages(gateway, "/payments", payments)) state.error = "GET /payments failed";
  for (const auto& r : reservations) state.reservations[r.value("rsvId", std::int64_t{0})] = r;
  for (const auto& p : payments) state.payments[p.value("rsvId", std::int64_t{0})].push_back(p);
  for (auto movie : world.movies) {
    auto id = std::to_string(movie);
    auto found = status_of(gateway, "/movies/" + id);
    if (found == 404) state.movies_gone.insert(movie);
    else if (found != 200) state.error = "GET /movies/" + id + " answered " + std::to_string(found);
    json reviews;
    auto listed = status_of(gateway, "/movies/" + id + "/reviews", &reviews);
    if (listed == 200 && reviews.is_array()) state.reviews[movie] = reviews;
    else if (found == 200) state.error = "GET /movies/" + id + "/reviews answered " + std::to_string(listed);
  }
  return state;
}

std::vector<Problem> probe_free_seats(const std::string& gateway, const Screening& screening, const FinalState& state) {
  std::set<std::string> held;
  for (const auto& [rsv, r] : state.reservations) {
    auto status = r.value("status", "");
    if (r.value("screeningId", std::int64_t{0}) != screening.id || status == "rejected" || status == "cancelled") continue;
    for (const auto& seat : r.value("seats", json::array()))
      held.insert(normalized_seat(seat.is_string() ? seat.get<std::string>() : seat.dump()).value_or(""));
  }
  std::vector<Problem> problems;
  for (int row = 0; row < screening.rows; ++row)
    for (int col = 1; col <= screening.cols; ++col) {
      auto seat = std::string(1, static_cast<char>('A' + row)) + std::to_string(col);
      if (held.count(seat)) continue;
      json request{{"screeningId", screening.id}, {"seats", {seat}}, {"cardNumber", kNormalCard}};
      http::Response answer;
      try {
        answer = send(gateway, "POST", "/reservations", request.dump());
      } catch (const std::exception& error) {
        answer.status = 0;
        answer.body = error.what();
      }
      if (answer.status != 201)
        problems.push_back({answer.status == 409 ? "phantom-hold" : "probe",
                            "seat " + seat + " of screening " + std::to_string(screening.id) +
                                ", held by no live reservation, could not be reserved: POST /reservations " +
                                request.dump() + " -> " + std::to_string(answer.status) + " " + answer.body, {}});
    }
  return problems;
}

std::vector<Problem> card_numbers_at_rest(const std::filesystem::path& data_dir) {
  static const std::string cards[] = {kNormalCard, kDeclinedCard, kHangingCard};
  std::vector<Problem> problems;
  std::error_code ec;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(data_dir, ec)) {
    if (!entry.is_regular_file(ec)) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (const auto& card : cards)
      if (auto at = bytes.find(card); at != std::string::npos) {
        auto from = at > 60 ? at - 60 : 0;
        auto context = bytes.substr(from, 140);
        for (auto& c : context)
          if (c < 32 || c > 126) c = '.';
        problems.push_back({"card-at-rest", entry.path().string() + " holds card number " + card + ": ..." + context + "...", {}});
      }
  }
  return problems;
}

}  // namespace cinema::testing::adversarial
