// The checks of state other services derive from events (movie's audience and seats, the view
// page, messages) and of the bus itself. A derived value that differs from its source is `pending`
// while the consumer may still be catching up (may_lag), an `error` once nothing is in flight.
#include <algorithm>

#include <fmt/format.h>

#include "cli/audit/audit.hpp"
#include "contracts/reservation_events.hpp"

namespace cinema::audit {
namespace {
namespace status = contracts::reservation_status;

const std::vector<Reservation>& reservations_of(const Sources& sources) {
  static const std::vector<Reservation> none;
  return sources.reservation ? sources.reservation->reservations : none;
}

// Seats sold (reserved or being cancelled) per key of a reservation: movie or screening.
template <class Key>
std::map<std::int64_t, std::int64_t> sold_seats(const Sources& sources, Key key) {
  std::map<std::int64_t, std::int64_t> sold;
  for (const auto& r : reservations_of(sources))
    if (counts_as_sold(r.status)) sold[key(r)] += static_cast<std::int64_t>(r.seats.size());
  return sold;
}

// Whether any source knows the movie as deleted (movie.db no longer has it): its seat counts are
// not kept up to date.
bool is_deleted(const Sources& sources, std::int64_t movie_id) {
  return (sources.reservation && sources.reservation->deleted_movies.contains(movie_id)) ||
         (sources.viewpage && sources.viewpage->deleted_movies.contains(movie_id)) ||
         (sources.movie && !sources.movie->movies.contains(movie_id));
}

// What movie's audience should say of a reservation in `status`: a member with its seats, or not.
bool audience_agrees(const Reservation& r, const AudienceMember* member) {
  if (counts_as_sold(r.status))
    return member && member->status == "reserved" && member->seats == static_cast<std::int64_t>(r.seats.size());
  if (r.status == status::cancelled) return !member || member->status == "cancelled";
  return !member;
}

// message's policy (services/message/message.hpp, kKinds): the events that become a message.
// A charge voided by recovery (not_received) is announced like any decline; the marker payment
// records for a rejected reservation it never charged (reservation_rejected) is not.
std::set<std::string> expected_messages(const Reservation& r) {
  if (r.status == status::rejected) return {"ReservationRejected"};
  if (r.status == status::cancelled) return {"ReservationConfirmed", "ReservationCancelled"};
  if (counts_as_sold(r.status)) return {"ReservationConfirmed"};
  return {};
}
std::set<std::string> expected_messages(const Payment& p) {
  if (p.status == "cancelled") return {"PaymentCancelled"};
  if (p.status == "declined" && p.reason != "reservation_rejected")
    return {"PaymentDeclined"};
  return {};
}
bool is_payment_kind(std::string_view kind) { return kind.starts_with("Payment"); }

Severity lag_severity(const Sources& sources, const std::string& group) {
  return may_lag(sources, group) ? Severity::pending : Severity::error;
}

void check_audience(const Sources& sources, const MovieStore& movie, Findings& out) {
  std::map<std::int64_t, const AudienceMember*> audience;
  for (const auto& m : movie.audience) audience.emplace(m.rsv_id, &m);
  for (const auto& r : reservations_of(sources)) {
    auto found = audience.find(r.rsv_id);
    const AudienceMember* member = found == audience.end() ? nullptr : found->second;
    if (member) audience.erase(found);
    if (audience_agrees(r, member)) continue;
    auto shown = member ? fmt::format("{} with {} seats", member->status, member->seats) : std::string("absent");
    out.push_back(make_finding("audience_mismatch", lag_severity(sources, "movie"),
                               {.rsv_id = r.rsv_id, .movie_id = r.movie_id},
                               fmt::format("reservation {} is {} with {} seats; movie's audience has it {}", r.rsv_id,
                                           r.status, r.seats.size(), shown)));
  }
  for (const auto& [rsv_id, member] : audience)  // what is left has no reservation
    out.push_back(make_finding("audience_mismatch", Severity::error, {.rsv_id = rsv_id, .movie_id = member->movie_id},
                               fmt::format("movie's audience has reservation {}, which does not exist", rsv_id)));
}

void check_view_seats(const Sources& sources, const ViewStore& view, Findings& out) {
  auto sold = sold_seats(sources, [](const Reservation& r) { return r.screening_id; });
  std::map<std::int64_t, std::pair<std::int64_t, std::int64_t>> screenings;  // id -> movie, seats taken
  for (const auto& r : reservations_of(sources)) screenings.emplace(r.screening_id, std::pair(r.movie_id, 0));
  for (const auto& s : view.screenings) screenings[s.screening_id] = {s.movie_id, s.seats_taken};
  for (const auto& [id, shown] : screenings)
    if (!is_deleted(sources, shown.first) && shown.second != sold[id])
      out.push_back(make_finding("view_seats_mismatch", lag_severity(sources, "viewpage"),
                                 {.movie_id = shown.first, .screening_id = id},
                                 fmt::format("the view shows {} seats taken of screening {}, the reservations {}",
                                             shown.second, id, sold[id])));
}

void check_view_statuses(const Sources& sources, const ViewStore& view, Findings& out) {
  std::map<std::int64_t, const ReservationView*> views;
  for (const auto& v : view.reservations) views.emplace(v.rsv_id, &v);
  auto compare = [&](std::int64_t rsv_id, std::string_view what, const std::string& source, auto shown_of) {
    auto found = views.find(rsv_id);
    std::string shown = found == views.end() ? "" : shown_of(*found->second);
    if (shown != source)
      out.push_back(make_finding("view_status_mismatch", lag_severity(sources, "viewpage"), {.rsv_id = rsv_id},
                                 fmt::format("reservation {}: the view shows {} {}, the source {}", rsv_id, what,
                                             shown.empty() ? "nothing" : shown, source)));
  };
  for (const auto& r : reservations_of(sources))
    if (r.status != status::requested)  // not announced before payment answered
      compare(r.rsv_id, "status", r.status, [](const ReservationView& v) { return v.status; });
  if (sources.payment)
    for (const auto& p : *sources.payment)
      if (p.status == "paid" || !expected_messages(p).empty())  // an evented payment
        compare(p.rsv_id, "payment", p.status, [](const ReservationView& v) { return v.payment_status; });
  if (!sources.reservation) return;
  std::set<std::int64_t> known(sources.reservation->later_ids);
  for (const auto& r : sources.reservation->reservations) known.insert(r.rsv_id);
  for (const auto& v : view.reservations)
    if (!known.contains(v.rsv_id))
      out.push_back(make_finding("view_status_mismatch", Severity::error, {.rsv_id = v.rsv_id},
                                 fmt::format("the view shows reservation {}, which does not exist", v.rsv_id)));
}

// (rsvId, kind) of every message the sources call for.
std::set<std::pair<std::int64_t, std::string>> messages_due(const Sources& sources) {
  std::set<std::pair<std::int64_t, std::string>> due;
  for (const auto& r : reservations_of(sources))
    for (const auto& kind : expected_messages(r)) due.insert({r.rsv_id, kind});
  if (sources.payment)
    for (const auto& p : *sources.payment)
      for (const auto& kind : expected_messages(p)) due.insert({p.rsv_id, kind});
  return due;
}
}  // namespace

void check_movie(const Sources& sources, const MovieStore& movie, Findings& out) {
  auto sold = sold_seats(sources, [](const Reservation& r) { return r.movie_id; });
  for (auto id : movie.movies) {
    auto counted = movie.reserved_seats.contains(id) ? movie.reserved_seats.at(id) : 0;
    if (counted != sold[id])
      out.push_back(make_finding("movie_seats_mismatch", lag_severity(sources, "movie"), {.movie_id = id},
                                 fmt::format("movie {} counts {} reserved seats, the reservations {}", id, counted,
                                             sold[id])));
  }
  if (sources.reservation) check_audience(sources, movie, out);
}

void check_view(const Sources& sources, const ViewStore& view, Findings& out) {
  check_view_seats(sources, view, out);
  check_view_statuses(sources, view, out);
}

void check_messages(const Sources& sources, const std::vector<Message>& messages, Findings& out) {
  std::map<std::pair<std::int64_t, std::string>, int> sent;  // (rsvId, kind) -> messages
  for (const auto& m : messages) ++sent[{m.rsv_id, m.kind}];
  auto due = messages_due(sources);
  for (const auto& [rsv_id, kind] : due)
    if (!sent.contains({rsv_id, kind}))
      out.push_back(make_finding("message_missing", lag_severity(sources, "message"), {.rsv_id = rsv_id},
                                 fmt::format("reservation {} has no {} message", rsv_id, kind)));
  for (const auto& [key, count] : sent) {
    const auto& [rsv_id, kind] = key;
    if (count > 1)
      out.push_back(make_finding("message_duplicate", Severity::error, {.rsv_id = rsv_id},
                                 fmt::format("reservation {} has {} {} messages", rsv_id, count, kind)));
    // Messages are read before the reservations and payments they report: a message is never newer.
    bool source_read = is_payment_kind(kind) ? sources.payment.has_value() : sources.reservation.has_value();
    if (source_read && !due.contains(key))
      out.push_back(make_finding("message_unexpected", Severity::error, {.rsv_id = rsv_id},
                                 fmt::format("reservation {} has a {} message, but that change is not in the sources",
                                             rsv_id, kind)));
  }
}

void check_bus(const Sources& sources, Findings& out) {
  for (const auto& [service, rows] : sources.outbox)
    if (rows > 0)
      out.push_back(make_finding("outbox_backlog", Severity::pending, {.service = service},
                                 fmt::format("{} has {} events in its outbox, not yet published", service, rows)));
  for (const auto& [group, lag] : sources.lag)
    if (lag && *lag > 0)
      out.push_back(make_finding("consumer_lag", Severity::pending, {.service = group},
                                 fmt::format("consumer group {} has {} events of the log to apply", group, *lag)));
  for (const auto& letter : sources.dead_letters)
    out.push_back(make_finding("dead_letter", Severity::error, {.service = letter.group},
                               fmt::format("group {} gave up on {} {}: {}", letter.group, letter.event_type,
                                           letter.event_id, letter.error)));
}

}  // namespace cinema::audit
