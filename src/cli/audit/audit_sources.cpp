#include "cli/audit/audit_sources.hpp"

#include <unistd.h>

#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/audit/audit_kafka.hpp"
#include "events/bus.hpp"
#include "store/database.hpp"

namespace cinema::audit {
namespace {
using Db = store::Database;

// Each service's tables as its migrations create them (src/services/<name>/*_repository.cpp). Only
// the columns the checks need, so columns added later change nothing.
constexpr std::string_view kHasTable = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = $1";
constexpr std::string_view kHasTablePostgres =
    "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1";
constexpr std::string_view kReservations =
    "SELECT rsv_id, movie_id, screening_id, customer_id, status, pay_id, amount, seats FROM reservations "
    "ORDER BY rsv_id";
constexpr std::string_view kReservationIds = "SELECT rsv_id FROM reservations";
constexpr std::string_view kSeatHolds = "SELECT screening_id, seat, rsv_id FROM seat_holds ORDER BY screening_id, seat";
constexpr std::string_view kScreeningSeatMaps = "SELECT screening_id, movie_id, seat_rows, seat_cols FROM screenings";
constexpr std::string_view kReplicaDeletedMovies = "SELECT movie_id FROM movies WHERE deleted <> 0";
constexpr std::string_view kPayments =
    "SELECT pay_id, rsv_id, movie_id, status, amount, customer_id, reason FROM payments ORDER BY pay_id";
constexpr std::string_view kMessages = "SELECT message_id, rsv_id, kind FROM messages ORDER BY message_id";
constexpr std::string_view kMovies = "SELECT movie_id FROM movies";
constexpr std::string_view kAudience = "SELECT rsv_id, movie_id, seats, status FROM audience";
constexpr std::string_view kMovieSeats = "SELECT movie_id, reserved FROM movie_seats";
constexpr std::string_view kScreeningViews = "SELECT screening_id, movie_id, seats_taken FROM screening_views";
constexpr std::string_view kReservationViews = "SELECT rsv_id, status, payment_status FROM reservation_views";
constexpr std::string_view kViewDeletedMovies = "SELECT movie_id FROM movie_views WHERE deleted <> 0";
constexpr std::string_view kOutboxRows = "SELECT count(*) FROM outbox";
// The embedded log (src/events/embedded_bus.cpp).
constexpr std::string_view kCommitted = "SELECT committed FROM group_offsets WHERE group_name = $1 AND topic = $2";
constexpr std::string_view kEventsAfter = "SELECT count(*) FROM events WHERE topic = $1 AND log_offset > $2";
constexpr std::string_view kTopicEvents =
    "SELECT event_id, event_type, payload FROM events WHERE topic = $1 ORDER BY log_offset";

// A SQLite URI, so the backend opens the file read-only (Debian's SQLite interprets URIs).
std::string read_only_uri(const std::filesystem::path& path) {
  std::string uri = "file:";
  for (char c : std::filesystem::absolute(path).string()) {
    if (c == '%' || c == '?' || c == '#')
      uri += fmt::format("%{:02X}", static_cast<unsigned char>(c));
    else
      uri += c;
  }
  return uri + "?mode=ro";
}

std::unique_ptr<Db> open_read_only(const std::filesystem::path& path) {
  if (path.empty() || !std::filesystem::exists(path)) return nullptr;
  return store::open_sqlite(read_only_uri(path));
}

// A read transaction: every query inside sees the same committed state of the store.
class ReadSnapshot {
 public:
  explicit ReadSnapshot(Db& db) : db_(db) {
    db_.execute(db.backend() == "postgres" ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN");
  }
  ~ReadSnapshot() {
    try {
      db_.execute("COMMIT");
    } catch (const store::StoreError&) {  // nothing was written: nothing to lose
    }
  }
  ReadSnapshot(const ReadSnapshot&) = delete;
  ReadSnapshot& operator=(const ReadSnapshot&) = delete;

 private:
  Db& db_;
};

// The rows of `sql`, or none when `table` does not exist yet (a service that never migrated it).
store::Rows rows_of(Db& db, std::string_view table, std::string_view sql) {
  auto has_table = db.backend() == "postgres" ? kHasTablePostgres : kHasTable;
  if (db.query(has_table, {std::string(table)}).at(0).integer(0) == 0) return {};
  return db.query(sql);
}

std::vector<std::string> seats_of(const std::string& stored) {
  auto parsed = nlohmann::json::parse(stored, nullptr, false);
  std::vector<std::string> seats;
  if (!parsed.is_array()) return {stored};  // not a JSON array: shown as is, and never canonical
  for (const auto& seat : parsed) seats.push_back(seat.is_string() ? seat.get<std::string>() : seat.dump());
  return seats;
}

ReservationStore read_reservations(Db& db) {
  ReadSnapshot snapshot(db);
  ReservationStore store;
  for (const auto& r : rows_of(db, "reservations", kReservations))
    store.reservations.push_back(Reservation{r.integer(0), r.integer(1), r.integer(2), r.text(3), r.text(4),
                                             r.optional_integer(5), r.integer(6), seats_of(r.text(7))});
  for (const auto& r : rows_of(db, "seat_holds", kSeatHolds))
    store.holds.push_back(SeatHold{r.integer(0), r.text(1), r.integer(2)});
  for (const auto& r : rows_of(db, "screenings", kScreeningSeatMaps))
    store.screenings.push_back(Screening{r.integer(0), r.integer(1), r.integer(2), r.integer(3)});
  for (const auto& r : rows_of(db, "movies", kReplicaDeletedMovies)) store.deleted_movies.insert(r.integer(0));
  return store;
}

std::vector<Payment> read_payments(Db& db) {
  std::vector<Payment> payments;
  for (const auto& r : rows_of(db, "payments", kPayments))
    payments.push_back(Payment{r.integer(0), r.integer(1), r.integer(2), r.text(3), r.integer(4), r.text(5), r.text(6)});
  return payments;
}

std::vector<Message> read_messages(Db& db) {
  std::vector<Message> messages;
  for (const auto& r : rows_of(db, "messages", kMessages)) messages.push_back(Message{r.integer(0), r.integer(1), r.text(2)});
  return messages;
}

MovieStore read_movie(Db& db) {
  ReadSnapshot snapshot(db);
  MovieStore movie;
  for (const auto& r : rows_of(db, "movies", kMovies)) movie.movies.insert(r.integer(0));
  for (const auto& r : rows_of(db, "audience", kAudience))
    movie.audience.push_back(AudienceMember{r.integer(0), r.integer(1), r.integer(2), r.text(3)});
  for (const auto& r : rows_of(db, "movie_seats", kMovieSeats)) movie.reserved_seats[r.integer(0)] = r.integer(1);
  return movie;
}

ViewStore read_view(Db& db) {
  ReadSnapshot snapshot(db);
  ViewStore view;
  for (const auto& r : rows_of(db, "screening_views", kScreeningViews))
    view.screenings.push_back(ScreeningView{r.integer(0), r.integer(1), r.integer(2)});
  for (const auto& r : rows_of(db, "reservation_views", kReservationViews))
    view.reservations.push_back(ReservationView{r.integer(0), r.text(1), r.text(2)});
  for (const auto& r : rows_of(db, "movie_views", kViewDeletedMovies)) view.deleted_movies.insert(r.integer(0));
  return view;
}

// Consumer lag and dead letters from the embedded log.
void read_log(Db& log, const std::string& topic, const std::vector<std::string>& groups, Sources& sources) {
  ReadSnapshot snapshot(log);
  for (const auto& group : groups) {
    auto committed = log.query(kCommitted, {group, topic});  // none: the group never committed
    std::int64_t position = committed.empty() ? 0 : committed.front().integer(0);
    sources.lag[group] = log.query(kEventsAfter, {topic, position}).at(0).integer(0);
  }
  for (const auto& r : log.query(kTopicEvents, {topic + ".DLT"}))
    sources.dead_letters.push_back(dead_letter_of(r.text(0), r.text(1), r.text(2)));
}
}  // namespace

std::map<std::string, std::string> database_urls(const std::filesystem::path& data_dir) {
  std::map<std::string, std::string> urls;
  std::ifstream file(data_dir / "stores.json");
  if (!file) return urls;
  auto parsed = nlohmann::json::parse(file, nullptr, false);
  if (!parsed.is_object()) return urls;
  for (const auto& [service, url] : parsed.items())
    if (url.is_string()) urls[service] = url.get<std::string>();
  return urls;
}

DeadLetter dead_letter_of(const std::string& event_id, const std::string& event_type, const std::string& payload) {
  auto letter = nlohmann::json::parse(payload, nullptr, false);
  if (!letter.is_object()) return DeadLetter{event_id, event_type, "?", payload};
  return DeadLetter{event_id, event_type, letter.value("group", "?"), letter.value("error", "")};
}

Sources read_sources(const StoreFiles& files) {
  // Every file is opened first; then the derived stores are read, then their sources.
  struct Store {
    std::string service;  // also its consumer group's name
    std::unique_ptr<Db> db;
  };
  std::vector<Store> stores;
  const std::pair<const char*, const std::filesystem::path*> paths[] = {
      {"message", &files.message}, {"viewpage", &files.viewpage}, {"movie", &files.movie},
      {"reservation", &files.reservation}, {"payment", &files.payment}};
  for (const auto& [service, path] : paths) {
    if (auto url = files.database_urls.find(service); url != files.database_urls.end())
      stores.push_back({service, store::open_postgres(url->second, {.pool_threads = 1})});
    else if (auto db = open_read_only(*path))
      stores.push_back({service, std::move(db)});
  }
  auto db_of = [&](std::string_view service) -> Db* {
    for (auto& store : stores)
      if (store.service == service) return store.db.get();
    return nullptr;
  };
  Sources sources;
  if (auto* db = db_of("message")) sources.message = read_messages(*db);
  if (auto* db = db_of("viewpage")) sources.viewpage = read_view(*db);
  if (auto* db = db_of("movie")) sources.movie = read_movie(*db);
  if (auto* db = db_of("reservation")) sources.reservation = read_reservations(*db);
  if (auto* db = db_of("payment")) sources.payment = read_payments(*db);
  if (auto* db = db_of("reservation"))
    for (const auto& r : rows_of(*db, "reservations", kReservationIds)) sources.reservation->later_ids.insert(r.integer(0));
  std::vector<std::string> groups;
  for (auto& store : stores) {
    auto rows = rows_of(*store.db, "outbox", kOutboxRows);
    sources.outbox[store.service] = rows.empty() ? 0 : rows.front().integer(0);
    groups.push_back(store.service);
    sources.lag[store.service] = std::nullopt;  // unless the log tells
  }
  if (auto log = open_read_only(files.event_log))
    read_log(*log, files.topic, groups, sources);
  else if (!files.kafka_brokers.empty())
    sources.lag = kafka_lag(files.kafka_brokers, files.topic, groups);
  return sources;
}

std::vector<DeadLetter> read_dead_letters(events::Bus& bus, const std::string& dead_letter_topic,
                                          std::optional<std::int64_t> expected, std::chrono::milliseconds give_up) {
  auto consumer = bus.consumer("cinema-audit-" + std::to_string(::getpid()), dead_letter_topic);
  auto deadline = std::chrono::steady_clock::now() + give_up;
  std::vector<DeadLetter> letters;
  auto all_read = [&] { return expected && static_cast<std::int64_t>(letters.size()) >= *expected; };
  while (!all_read()) {
    auto batch = consumer->poll(std::chrono::seconds(1));
    for (const auto& event : batch) letters.push_back(dead_letter_of(event.event_id, event.event_type, event.payload));
    if (batch.empty() && ((!letters.empty() && !expected) || std::chrono::steady_clock::now() > deadline)) break;
  }
  while (!all_read()) letters.push_back(DeadLetter{"", "", "?", "a dead letter that was not read in time"});
  return letters;
}

}  // namespace cinema::audit
