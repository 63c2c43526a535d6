#include "cli/audit/audit_report.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace cinema::audit {
namespace {
using nlohmann::ordered_json;

ordered_json finding_json(const Finding& f) {
  ordered_json json{{"check", f.check}, {"severity", severity_name(f.severity)}, {"message", f.message}};
  // Only what the finding is about, with the API's field names.
  if (f.rsv_id != 0) json["rsvId"] = f.rsv_id;
  if (f.pay_id != 0) json["payId"] = f.pay_id;
  if (f.movie_id != 0) json["movieId"] = f.movie_id;
  if (f.screening_id != 0) json["screeningId"] = f.screening_id;
  if (!f.seat.empty()) json["seat"] = f.seat;
  if (!f.service.empty()) json["service"] = f.service;
  return json;
}

ordered_json counts_json(const Counts& c) {
  return ordered_json{{"reservations", c.reservations}, {"seatHolds", c.seat_holds}, {"payments", c.payments},
                      {"messages", c.messages},         {"movies", c.movies},         {"outbox", c.outbox},
                      {"consumerLag", c.consumer_lag},  {"deadLetters", c.dead_letters}};
}

// "3 reserved, 1 cancelled", or "none"; names with a count of 0 are left out.
std::string tally(const std::map<std::string, std::int64_t>& by_name) {
  std::string text;
  for (const auto& [name, count] : by_name)
    if (count != 0) text += fmt::format("{}{} {}", text.empty() ? "" : ", ", count, name);
  return text.empty() ? "none" : text;
}

std::string joined(const std::vector<std::string>& names) {
  std::string text;
  for (const auto& name : names) text += (text.empty() ? "" : ", ") + name;
  return text.empty() ? "none" : text;
}
}  // namespace

ordered_json to_json(const Report& report, const RunInfo& run) {
  auto findings = ordered_json::array();
  for (const auto& f : report.findings) findings.push_back(finding_json(f));
  return ordered_json{{"clean", report.clean()},
                      {"findings", std::move(findings)},
                      {"counts", counts_json(report.counts)},
                      {"stores", {{"read", report.stores_read}, {"missing", report.stores_missing}}},
                      {"dataDir", run.data_dir},
                      {"bus", run.bus},
                      {"passes", run.passes},
                      {"seconds", run.seconds}};
}

std::string to_text(const Report& report, const RunInfo& run) {
  const auto& c = report.counts;
  auto text = fmt::format("cinema audit of {} (event bus: {}), {} pass{} in {:.1f} s\n", run.data_dir, run.bus,
                          run.passes, run.passes == 1 ? "" : "es", run.seconds);
  text += fmt::format("  stores read: {}; missing: {}\n", joined(report.stores_read), joined(report.stores_missing));
  text += fmt::format("  reservations: {}; seat holds: {}\n", tally(c.reservations), c.seat_holds);
  text += fmt::format("  payments: {}\n  messages: {}\n", tally(c.payments), tally(c.messages));
  text += fmt::format("  movies: {}; outbox backlog: {}; consumer lag: {}; dead letters: {}\n", c.movies,
                      tally(c.outbox), tally(c.consumer_lag), c.dead_letters);
  if (report.clean()) return text + "CLEAN: every source agrees with the others.\n";
  auto errors = std::count_if(report.findings.begin(), report.findings.end(),
                              [](const Finding& f) { return f.severity == Severity::error; });
  text += fmt::format("NOT CLEAN: {} error(s), {} pending\n", errors,
                      static_cast<std::int64_t>(report.findings.size()) - errors);
  for (const auto& f : report.findings)
    text += fmt::format("  {:<8} {:<30} {}\n", severity_name(f.severity), f.check, f.message);
  return text;
}

}  // namespace cinema::audit
