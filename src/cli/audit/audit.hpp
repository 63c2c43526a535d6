#pragma once
// `cinema audit`: reconciles what every service stored with what the others stored. The checks are
// pure functions of plain values (the rows as read, see audit_sources.hpp), so each one is tested
// with hand-made inconsistent data. A finding is an `error` (the sources contradict each other) or
// `pending` (something is in flight: a reservation being paid or cancelled, an outbox not yet
// published, a consumer behind the log); either makes the audit unclean.
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace cinema::audit {

// ---- what the stores hold (only the columns the checks need) ----

struct Reservation {
  std::int64_t rsv_id = 0;
  std::int64_t movie_id = 0;
  std::int64_t screening_id = 0;
  std::string customer_id;
  std::string status;  // reqReserve | reserved | rejected | reqCancel | cancelled
  std::optional<std::int64_t> pay_id;
  std::int64_t amount = 0;
  std::vector<std::string> seats;  // as stored (a JSON array in reservations.seats)
};

struct SeatHold {  // a row of reservation's seat_holds
  std::int64_t screening_id = 0;
  std::string seat;
  std::int64_t rsv_id = 0;
};

struct Screening {  // reservation's replica of a screening: its seat map
  std::int64_t screening_id = 0;
  std::int64_t movie_id = 0;
  std::int64_t rows = 0;
  std::int64_t cols = 0;
};

struct ReservationStore {
  std::vector<Reservation> reservations;
  std::vector<SeatHold> holds;
  std::vector<Screening> screenings;
  std::set<std::int64_t> deleted_movies;  // the replica's movies marked deleted
  // The ids read once more after payment.db: a payment of a reservation created in between is
  // then not taken for an orphan.
  std::set<std::int64_t> later_ids;
};

struct Payment {
  std::int64_t pay_id = 0;
  std::int64_t rsv_id = 0;
  std::int64_t movie_id = 0;
  std::string status;  // pending | paid | declined | cancelled
  std::int64_t amount = 0;
  std::string customer_id;
  std::string reason;
};

struct Message {
  std::int64_t message_id = 0;
  std::int64_t rsv_id = 0;
  std::string kind;  // the event type it reports
};

struct AudienceMember {  // movie's replica of a confirmed reservation
  std::int64_t rsv_id = 0;
  std::int64_t movie_id = 0;
  std::int64_t seats = 0;
  std::string status;  // reserved | cancelled
};

struct MovieStore {
  std::set<std::int64_t> movies;  // not deleted (a deleted movie's row is gone)
  std::vector<AudienceMember> audience;
  std::map<std::int64_t, std::int64_t> reserved_seats;  // movie_seats: movie -> seats reserved
};

struct ScreeningView {
  std::int64_t screening_id = 0;
  std::int64_t movie_id = 0;
  std::int64_t seats_taken = 0;
};

struct ReservationView {
  std::int64_t rsv_id = 0;
  std::string status;          // empty: only a payment event was seen
  std::string payment_status;  // empty: no payment event seen
};

struct ViewStore {
  std::vector<ScreeningView> screenings;
  std::vector<ReservationView> reservations;
  std::set<std::int64_t> deleted_movies;
};

struct DeadLetter {  // an event a consumer group gave up on, from <topic>.DLT
  std::string event_id;
  std::string event_type;
  std::string group;
  std::string error;
};

// Everything one pass read. A store is absent when its file does not exist (the service never ran,
// e.g. `cinema up --only`); the checks that need it are skipped.
struct Sources {
  std::optional<ReservationStore> reservation;
  std::optional<std::vector<Payment>> payment;
  std::optional<std::vector<Message>> message;
  std::optional<MovieStore> movie;
  std::optional<ViewStore> viewpage;
  std::map<std::string, std::int64_t> outbox;  // service -> events committed, not yet published
  // consumer group -> events of the topic it has not applied; nullopt when the bus did not tell.
  // Only for groups whose service's store exists.
  std::map<std::string, std::optional<std::int64_t>> lag;
  std::vector<DeadLetter> dead_letters;
};

// ---- what the audit finds ----

enum class Severity { error, pending };
std::string_view severity_name(Severity severity);

struct Finding {
  std::string check;  // a stable name, e.g. "seat_double_booked"
  Severity severity = Severity::error;
  std::string message;  // one readable sentence
  // What it is about; 0 or empty when it does not apply.
  std::int64_t rsv_id = 0;
  std::int64_t pay_id = 0;
  std::int64_t movie_id = 0;
  std::int64_t screening_id = 0;
  std::string seat;
  std::string service;  // or consumer group
  friend bool operator==(const Finding&, const Finding&) = default;
};

struct Counts {
  std::map<std::string, std::int64_t> reservations;  // by status
  std::int64_t seat_holds = 0;
  std::map<std::string, std::int64_t> payments;  // by status
  std::map<std::string, std::int64_t> messages;  // by kind
  std::int64_t movies = 0;
  std::map<std::string, std::int64_t> outbox;        // by service
  std::map<std::string, std::int64_t> consumer_lag;  // by group, where the bus tells
  std::int64_t dead_letters = 0;
};

struct Report {
  std::vector<Finding> findings;
  Counts counts;
  std::vector<std::string> stores_read;     // "reservation", ...
  std::vector<std::string> stores_missing;  // files that do not exist
  [[nodiscard]] bool clean() const { return findings.empty(); }
  [[nodiscard]] bool has_pending() const;
};

// ---- the checks (audit.cpp, audit_checks.cpp) ----

using Findings = std::vector<Finding>;

// Seats: each (screening, seat) held by at most one live reservation (reqReserve, reserved,
// reqCancel), under any spelling of its name; holds agree with their reservations; names canonical.
void check_seats(const ReservationStore& reservations, Findings& out);
// Reservations and payments: in-flight states, one paid payment per reserved reservation with its
// amount and customer, none paid for a rejected or cancelled one, none without a reservation.
void check_payments(const ReservationStore& reservations, const std::vector<Payment>& payments, Findings& out);
// Movie's audience and seats per movie against a recount from the reservations.
void check_movie(const Sources& sources, const MovieStore& movie, Findings& out);
// The view page's seats per screening and reservation/payment statuses against the sources.
void check_view(const Sources& sources, const ViewStore& view, Findings& out);
// One message per state change that message's policy notifies, none for a change that did not happen.
void check_messages(const Sources& sources, const std::vector<Message>& messages, Findings& out);
// Outbox backlog and consumer lag (pending), dead letters (errors).
void check_bus(const Sources& sources, Findings& out);

// Every check whose sources were read, in a stable order, with the counts.
Report audit(const Sources& sources);

// ---- helpers the checks share, exposed for tests ----

// What a finding is about (Finding's fields after its message).
struct Subject {
  std::int64_t rsv_id = 0;
  std::int64_t pay_id = 0;
  std::int64_t movie_id = 0;
  std::int64_t screening_id = 0;
  std::string seat;
  std::string service;
};
Finding make_finding(std::string check, Severity severity, Subject about, std::string message);

// "A1": a row letter A-Z and a column number without leading zeros.
bool is_canonical_seat(std::string_view seat);
// The canonical spelling of a seat name written loosely ("a01" -> "A1"); `seat` itself when it is
// not a seat name at all.
std::string canonical_seat(std::string_view seat);
// Statuses in which a reservation holds its seats: being paid, reserved, being cancelled.
bool holds_seats(std::string_view reservation_status);
// Statuses in which its seats count as sold on movie and the view page: confirmed, not yet cancelled.
bool counts_as_sold(std::string_view reservation_status);
// Whether state derived from events by `group` may still be catching up: an outbox holds events, or
// the group is behind the log (or the bus cannot tell). Decides `pending` over `error`.
bool may_lag(const Sources& sources, const std::string& group);

}  // namespace cinema::audit
