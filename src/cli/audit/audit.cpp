// The checks that need reservation.db and payment.db only (seats, payments), the helpers every
// check shares, and the audit of a whole pass. Movie, view page, messages and bus: audit_checks.cpp.
#include "cli/audit/audit.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "contracts/reservation_events.hpp"

namespace cinema::audit {
namespace {
namespace status = contracts::reservation_status;
// payment's statuses (services/payment/payment.hpp), and `pending` for a charge in flight.
constexpr std::string_view kPaid = "paid", kPaymentPending = "pending";

Finding error(std::string check, Subject about, std::string message) {
  return make_finding(std::move(check), Severity::error, std::move(about), std::move(message));
}

template <class T>
std::map<std::int64_t, const T*> by_rsv_id(const std::vector<T>& rows) {
  std::map<std::int64_t, const T*> index;
  for (const auto& row : rows) index.emplace(row.rsv_id, &row);
  return index;
}

// Row and column of a seat name (canonical or loosely written); nullopt when it is not one.
struct SeatPosition {
  std::int64_t row = 0;  // 0 for A
  std::int64_t col = 0;  // 1-based
};
std::optional<SeatPosition> seat_position(std::string_view seat) {
  if (seat.size() < 2 || seat.size() > 8 || !std::isalpha(static_cast<unsigned char>(seat[0]))) return std::nullopt;
  auto digits = seat.substr(1);
  if (!std::all_of(digits.begin(), digits.end(), [](unsigned char c) { return std::isdigit(c); })) return std::nullopt;
  return SeatPosition{std::toupper(static_cast<unsigned char>(seat[0])) - 'A', std::stoll(std::string(digits))};
}

bool outside(std::string_view seat, const Screening& screening) {
  auto position = seat_position(seat);
  return position && (position->row >= screening.rows || position->col < 1 || position->col > screening.cols);
}

// Names are checked on the reservations; a hold's name is checked against its reservation's.
void check_seat_names(const ReservationStore& store, Findings& out) {
  std::map<std::int64_t, const Screening*> screenings;
  for (const auto& s : store.screenings) screenings.emplace(s.screening_id, &s);
  for (const auto& r : store.reservations) {
    std::set<std::string> seen;
    auto screening = screenings.find(r.screening_id);
    for (const auto& seat : r.seats) {
      Subject about{.rsv_id = r.rsv_id, .movie_id = r.movie_id, .screening_id = r.screening_id, .seat = seat};
      if (!is_canonical_seat(seat))
        out.push_back(error("seat_name_not_canonical", about,
                            fmt::format("reservation {} names seat '{}', not a row letter A-Z and a column number "
                                        "without leading zeros (canonical: '{}')",
                                        r.rsv_id, seat, canonical_seat(seat))));
      if (!seen.insert(canonical_seat(seat)).second)
        out.push_back(error("seat_double_booked", about, fmt::format("reservation {} lists seat {} twice", r.rsv_id, seat)));
      if (screening != screenings.end() && outside(seat, *screening->second))
        out.push_back(error("seat_outside_screening", about,
                            fmt::format("reservation {} holds seat {}, outside the {}x{} seat map of screening {}",
                                        r.rsv_id, seat, screening->second->rows, screening->second->cols,
                                        r.screening_id)));
    }
  }
}

void check_holds(const ReservationStore& store, Findings& out) {
  auto reservations = by_rsv_id(store.reservations);
  for (const auto& h : store.holds) {
    Subject about{.rsv_id = h.rsv_id, .screening_id = h.screening_id, .seat = h.seat};
    const auto where = fmt::format("seat {} of screening {}", h.seat, h.screening_id);
    auto found = reservations.find(h.rsv_id);
    if (found == reservations.end()) {
      out.push_back(error("seat_hold_orphan", about,
                          fmt::format("{} is held by reservation {}, which does not exist", where, h.rsv_id)));
      continue;
    }
    const auto& r = *found->second;
    about.movie_id = r.movie_id;
    if (!holds_seats(r.status))
      out.push_back(error("seat_held_by_dead_reservation", about,
                          fmt::format("{} is still held by reservation {}, which is {}", where, r.rsv_id, r.status)));
    else if (h.screening_id != r.screening_id || std::find(r.seats.begin(), r.seats.end(), h.seat) == r.seats.end())
      out.push_back(error("seat_hold_mismatch", about,
                          fmt::format("{} is held by reservation {}, which is for seats {} of screening {}", where,
                                      r.rsv_id, fmt::join(r.seats, ","), r.screening_id)));
  }
}

// Every seat of a live reservation has its hold, and no seat (under any spelling) has two.
void check_live_seats(const ReservationStore& store, Findings& out) {
  std::map<std::pair<std::int64_t, std::string>, std::int64_t> hold_owner;
  for (const auto& h : store.holds) hold_owner.emplace(std::pair(h.screening_id, h.seat), h.rsv_id);
  std::map<std::pair<std::int64_t, std::string>, std::set<std::int64_t>> holders;  // by canonical name
  for (const auto& r : store.reservations) {
    if (!holds_seats(r.status)) continue;
    for (const auto& seat : r.seats) {
      holders[{r.screening_id, canonical_seat(seat)}].insert(r.rsv_id);
      auto owner = hold_owner.find({r.screening_id, seat});
      if (owner != hold_owner.end() && owner->second == r.rsv_id) continue;
      out.push_back(error("seat_not_held",
                          {.rsv_id = r.rsv_id, .movie_id = r.movie_id, .screening_id = r.screening_id, .seat = seat},
                          fmt::format("reservation {} is {} but holds no row for its seat {} of screening {}",
                                      r.rsv_id, r.status, seat, r.screening_id)));
    }
  }
  for (const auto& [key, ids] : holders)
    if (ids.size() > 1)
      out.push_back(error("seat_double_booked", {.rsv_id = *ids.begin(), .screening_id = key.first, .seat = key.second},
                          fmt::format("seat {} of screening {} is taken by {} live reservations: {}", key.second,
                                      key.first, ids.size(), fmt::join(ids, ", "))));
}

// A reservation that is (or was until its cancel request) reserved has one paid payment with its
// amount, customer and id.
void check_paid(const Reservation& r, const Payment* p, Findings& out) {
  Subject about{.rsv_id = r.rsv_id, .pay_id = p ? p->pay_id : 0, .movie_id = r.movie_id};
  bool refunded_for_cancel = p && r.status == status::cancel_requested && p->status == "cancelled";
  if (!p || (p->status != kPaid && !refunded_for_cancel)) {
    out.push_back(error("reserved_without_payment", about,
                        fmt::format("reservation {} is {} but its payment is {}", r.rsv_id, r.status,
                                    p ? p->status : std::string("missing"))));
    return;
  }
  if (p->amount != r.amount || p->customer_id != r.customer_id || r.pay_id != p->pay_id)
    out.push_back(error("payment_mismatch", about,
                        fmt::format("reservation {} ({} for customer '{}', payId {}) has payment {} of {} for "
                                    "customer '{}'",
                                    r.rsv_id, r.amount, r.customer_id, r.pay_id ? std::to_string(*r.pay_id) : "null",
                                    p->pay_id, p->amount, p->customer_id)));
}

// In-flight states, and the payment each reservation's status calls for.
void check_reservations_paid(const ReservationStore& store, const std::vector<Payment>& payments, Findings& out) {
  auto payment_of = by_rsv_id(payments);
  for (const auto& r : store.reservations) {
    auto found = payment_of.find(r.rsv_id);
    const Payment* p = found == payment_of.end() ? nullptr : found->second;
    if (r.status == status::requested || r.status == status::cancel_requested)
      out.push_back(make_finding("reservation_in_flight", Severity::pending, {.rsv_id = r.rsv_id, .movie_id = r.movie_id},
                                 fmt::format("reservation {} is {}: {}", r.rsv_id, r.status,
                                             r.status == status::requested ? "being paid" : "being cancelled")));
    if (counts_as_sold(r.status)) check_paid(r, p, out);
    if ((r.status == status::rejected || r.status == status::cancelled) && p && p->status == kPaid)
      out.push_back(error("paid_but_not_reserved", {.rsv_id = r.rsv_id, .pay_id = p->pay_id, .movie_id = r.movie_id},
                          fmt::format("reservation {} is {} but its payment {} is still paid", r.rsv_id, r.status,
                                      p->pay_id)));
  }
}

// Each payment row: in flight, of an existing reservation, the only one of its reservation.
void check_payment_rows(const ReservationStore& store, const std::vector<Payment>& payments, Findings& out) {
  auto reservations = by_rsv_id(store.reservations);
  std::map<std::int64_t, int> rows_per_reservation;
  for (const auto& p : payments) {
    Subject about{.rsv_id = p.rsv_id, .pay_id = p.pay_id, .movie_id = p.movie_id};
    if (p.status == kPaymentPending)
      out.push_back(make_finding("payment_in_flight", Severity::pending, about,
                                 fmt::format("payment {} of reservation {} is pending", p.pay_id, p.rsv_id)));
    if (!reservations.contains(p.rsv_id) && !store.later_ids.contains(p.rsv_id))
      out.push_back(error("payment_orphan", about,
                          fmt::format("payment {} ({}, {}) is for reservation {}, which does not exist", p.pay_id,
                                      p.status, p.amount, p.rsv_id)));
    if (++rows_per_reservation[p.rsv_id] == 2)
      out.push_back(error("payment_duplicate", about, fmt::format("reservation {} has more than one payment", p.rsv_id)));
  }
}

Counts count(const Sources& sources) {
  Counts counts;
  if (sources.reservation) {
    for (const auto& r : sources.reservation->reservations) ++counts.reservations[r.status];
    counts.seat_holds = static_cast<std::int64_t>(sources.reservation->holds.size());
  }
  if (sources.payment)
    for (const auto& p : *sources.payment) ++counts.payments[p.status];
  if (sources.message)
    for (const auto& m : *sources.message) ++counts.messages[m.kind];
  if (sources.movie) counts.movies = static_cast<std::int64_t>(sources.movie->movies.size());
  counts.outbox = sources.outbox;
  for (const auto& [group, lag] : sources.lag)
    if (lag) counts.consumer_lag[group] = *lag;
  counts.dead_letters = static_cast<std::int64_t>(sources.dead_letters.size());
  return counts;
}
}  // namespace

std::string_view severity_name(Severity severity) { return severity == Severity::error ? "error" : "pending"; }

Finding make_finding(std::string check, Severity severity, Subject about, std::string message) {
  return Finding{.check = std::move(check),
                 .severity = severity,
                 .message = std::move(message),
                 .rsv_id = about.rsv_id,
                 .pay_id = about.pay_id,
                 .movie_id = about.movie_id,
                 .screening_id = about.screening_id,
                 .seat = std::move(about.seat),
                 .service = std::move(about.service)};
}

bool Report::has_pending() const {
  return std::any_of(findings.begin(), findings.end(), [](const Finding& f) { return f.severity == Severity::pending; });
}

bool is_canonical_seat(std::string_view seat) {
  return seat.size() >= 2 && seat[0] >= 'A' && seat[0] <= 'Z' && seat[1] >= '1' && seat[1] <= '9' &&
         std::all_of(seat.begin() + 1, seat.end(), [](unsigned char c) { return std::isdigit(c); });
}

std::string canonical_seat(std::string_view seat) {
  auto position = seat_position(seat);
  if (!position || position->row < 0 || position->row >= 26) return std::string(seat);
  return std::string(1, static_cast<char>('A' + position->row)) + std::to_string(position->col);
}

bool holds_seats(std::string_view s) {
  return s == status::requested || s == status::reserved || s == status::cancel_requested;
}

bool counts_as_sold(std::string_view s) { return s == status::reserved || s == status::cancel_requested; }

bool may_lag(const Sources& sources, const std::string& group) {
  for (const auto& [service, rows] : sources.outbox)
    if (rows > 0) return true;
  auto lag = sources.lag.find(group);
  return lag == sources.lag.end() || !lag->second || *lag->second > 0;
}

void check_seats(const ReservationStore& store, Findings& out) {
  check_seat_names(store, out);
  check_holds(store, out);
  check_live_seats(store, out);
}

void check_payments(const ReservationStore& store, const std::vector<Payment>& payments, Findings& out) {
  check_reservations_paid(store, payments, out);
  check_payment_rows(store, payments, out);
}

Report audit(const Sources& sources) {
  Report report;
  auto read = [&](std::string name, bool present) {
    (present ? report.stores_read : report.stores_missing).push_back(std::move(name));
  };
  read("movie", sources.movie.has_value());
  read("reservation", sources.reservation.has_value());
  read("payment", sources.payment.has_value());
  read("message", sources.message.has_value());
  read("viewpage", sources.viewpage.has_value());
  auto& found = report.findings;
  if (sources.reservation) check_seats(*sources.reservation, found);
  if (sources.reservation && sources.payment) check_payments(*sources.reservation, *sources.payment, found);
  if (sources.movie) check_movie(sources, *sources.movie, found);
  if (sources.viewpage) check_view(sources, *sources.viewpage, found);
  if (sources.message) check_messages(sources, *sources.message, found);
  check_bus(sources, found);
  report.counts = count(sources);
  return report;
}

}  // namespace cinema::audit
