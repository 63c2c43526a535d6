#include "events/embedded_bus.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <array>
#include <filesystem>

#include "events/event_archive.hpp"
#include "store/database.hpp"

namespace cinema::events {
namespace {
constexpr store::Migration kLogMigrations[] = {
    {1, "create event log", R"sql(
      CREATE TABLE events (
        log_offset  INTEGER PRIMARY KEY AUTOINCREMENT,
        topic       TEXT NOT NULL,
        event_key   TEXT NOT NULL,
        event_id    TEXT NOT NULL,
        event_type  TEXT NOT NULL,
        traceparent TEXT NOT NULL,
        payload     TEXT NOT NULL
      );
      CREATE INDEX events_by_topic ON events (topic, log_offset);
      CREATE TABLE group_offsets (
        group_name TEXT NOT NULL,
        topic      TEXT NOT NULL,
        committed  INTEGER NOT NULL,
        PRIMARY KEY (group_name, topic)
      );
    )sql"},
    {2, "append time, for retention", R"sql(
      ALTER TABLE events ADD COLUMN appended_ms INTEGER NOT NULL DEFAULT 0;
    )sql"},
    {3, "how far each topic was moved to the archive", R"sql(
      CREATE TABLE archive_marks (
        topic   TEXT PRIMARY KEY,
        through INTEGER NOT NULL
      );
    )sql"},
};

constexpr std::string_view kAppendToLog =
    "INSERT INTO events (topic, event_key, event_id, event_type, traceparent, payload, appended_ms) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7)";
// A group that never committed is not in group_offsets and holds nothing back; min() over no
// group is NULL, which deletes nothing.
constexpr std::string_view kPrune =
    "DELETE FROM events WHERE topic = $1 AND appended_ms < $2 AND "
    "log_offset <= (SELECT min(committed) FROM group_offsets WHERE topic = $1)";
constexpr std::string_view kTypesAfter =
    "SELECT log_offset, event_type FROM events WHERE topic = $1 AND log_offset > $2 ORDER BY log_offset LIMIT $3";
// $1: a JSON array of offsets (log_offset is the rowid: one lookup each).
constexpr std::string_view kReadWanted =
    "SELECT log_offset, event_id, event_type, event_key, payload, traceparent FROM events "
    "WHERE log_offset IN (SELECT value FROM json_each($1)) ORDER BY log_offset";
constexpr std::string_view kCountAfter = "SELECT count(*) FROM events WHERE topic = $1 AND log_offset > $2";
constexpr std::string_view kCommitted = "SELECT committed FROM group_offsets WHERE group_name = $1 AND topic = $2";
constexpr std::string_view kCommit =
    "INSERT INTO group_offsets (group_name, topic, committed) VALUES ($1, $2, $3) "
    "ON CONFLICT (group_name, topic) DO UPDATE SET committed = excluded.committed";
constexpr std::int64_t kReadBatch = 500;
// The archive: every event of the topic up to `through` has left the log for segment files.
constexpr std::string_view kArchivedThrough = "SELECT coalesce(max(through), 0) FROM archive_marks WHERE topic = $1";
constexpr std::string_view kMinCommitted = "SELECT min(committed) FROM group_offsets WHERE topic = $1";
constexpr std::string_view kOldestEvents =
    "SELECT log_offset, event_id, event_type, event_key, payload, traceparent, appended_ms FROM events "
    "WHERE topic = $1 AND log_offset > $2 AND log_offset <= $3 ORDER BY log_offset LIMIT $4";
constexpr std::string_view kDeleteThrough = "DELETE FROM events WHERE topic = $1 AND log_offset <= $2";
constexpr std::string_view kMarkArchived =
    "INSERT INTO archive_marks (topic, through) VALUES ($1, $2) "
    "ON CONFLICT (topic) DO UPDATE SET through = excluded.through";
// ~4.4 MB of JSON per segment before compression; a pass moves at most a few, so a publisher's
// thread spends tens of milliseconds on it, and comes back at once while more is due.
constexpr std::int64_t kSegmentEvents = 10'000;
constexpr int kSegmentsPerPass = 4;

std::unique_ptr<store::Database> open_log(const std::string& path, const EmbeddedLogOptions& options) {
  auto db = store::open_sqlite(path, {.synchronous_full = options.synchronous_full});
  store::migrate(*db, kLogMigrations);
  return db;
}

std::filesystem::path archive_dir(const std::string& log_path) {
  return std::filesystem::path(log_path).parent_path() / "archive";
}

std::int64_t archived_through(store::Database& db, const std::string& topic) {
  return db.query(kArchivedThrough, {topic}).at(0).integer(0);
}

// Commit notification across processes. A writer touches `<log>.signal` after each commit and
// consumers wait on inotify for it. (Watching the WAL file itself races: its frames are written
// before the commit becomes visible, so a consumer could wake, read nothing, and sleep through it.)
std::string signal_path(const std::string& log_path) { return log_path + ".signal"; }

int open_signal_file(const std::string& log_path) {
  int fd = ::open(signal_path(log_path).c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) throw BusError("cannot open " + signal_path(log_path));
  return fd;
}

class CommitSignal {
 public:
  explicit CommitSignal(const std::string& log_path) : fd_(open_signal_file(log_path)) {}
  ~CommitSignal() { ::close(fd_); }
  CommitSignal(const CommitSignal&) = delete;
  CommitSignal& operator=(const CommitSignal&) = delete;
  void raise() { ::futimens(fd_, nullptr); }

 private:
  int fd_;
};

class CommitWatch {
 public:
  explicit CommitWatch(const std::string& log_path) : fd_(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) {
    ::close(open_signal_file(log_path));
    if (fd_ < 0 || ::inotify_add_watch(fd_, signal_path(log_path).c_str(), IN_ATTRIB) < 0)
      throw BusError("cannot watch " + signal_path(log_path));
  }
  ~CommitWatch() { ::close(fd_); }
  CommitWatch(const CommitWatch&) = delete;
  CommitWatch& operator=(const CommitWatch&) = delete;

  // Waits until a writer committed or `timeout` passed.
  void wait(std::chrono::milliseconds timeout) {
    pollfd entry{fd_, POLLIN, 0};
    if (::poll(&entry, 1, static_cast<int>(timeout.count())) <= 0) return;
    std::array<char, 4096> buffer;
    while (::read(fd_, buffer.data(), buffer.size()) > 0) {
    }
  }

 private:
  int fd_;
};

std::int64_t epoch_ms(std::chrono::system_clock::time_point at) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count();
}

class EmbeddedPublisher final : public Publisher {
 public:
  EmbeddedPublisher(const std::string& path, EmbeddedLogOptions options)
      : db_(open_log(path, options)), signal_(path), options_(options), archive_(archive_dir(path)) {}
  void publish(const std::string& topic, std::span<const Event> events) override {
    auto now = std::chrono::system_clock::now();
    try {
      store::Transaction transaction(*db_);
      for (const auto& e : events)
        db_->execute(kAppendToLog, {topic, e.key, e.event_id, e.event_type, e.traceparent, e.payload, epoch_ms(now)});
      transaction.commit();
    } catch (const store::StoreError& error) {
      throw BusError(std::string("embedded log: ") + error.what());
    }
    signal_.raise();
    housekeeping(topic, now);
  }

 private:
  // Housekeeping: a failure here (a full disk) is retried at the next interval, never reported.
  void housekeeping(const std::string& topic, std::chrono::system_clock::time_point now) {
    auto steady_now = std::chrono::steady_clock::now();
    if (steady_now < next_pass_) return;
    next_pass_ = steady_now + options_.prune_interval;
    try {
      if (options_.archive_after.count() > 0) {
        if (move_to_archive(topic, now - options_.archive_after)) next_pass_ = steady_now;  // more is due
        archive_.trim(topic, options_.archive_max_bytes,
                      std::chrono::duration_cast<std::chrono::seconds>(options_.retention));
      } else if (options_.retention.count() > 0) {
        db_->execute(kPrune, {topic, epoch_ms(now - options_.retention)});
      }
    } catch (const std::exception&) {
    }
  }

  // Moves the oldest events every group committed and appended before `cutoff` into segments, a
  // segment at a time: written whole first, then its rows deleted and the mark moved in one
  // transaction. Returns whether it stopped at its quota with more to move.
  bool move_to_archive(const std::string& topic, std::chrono::system_clock::time_point cutoff) {
    auto committed = db_->query(kMinCommitted, {topic}).at(0).optional_integer(0);
    if (!committed) return false;  // no group committed anything: nothing is known consumed
    for (int pass = 0; pass < kSegmentsPerPass; ++pass) {
      auto mark = archived_through(*db_, topic);
      std::vector<Event> events;
      for (const auto& row : db_->query(kOldestEvents, {topic, mark, *committed, kSegmentEvents})) {
        if (row.integer(6) >= epoch_ms(cutoff)) break;  // in offset order: the rest is as young
        events.push_back(Event{row.text(1), row.text(2), row.text(3), row.text(4), row.text(5), row.integer(0)});
      }
      if (events.empty()) return false;
      archive_.write(topic, events);
      store::Transaction transaction(*db_);
      // Another process moved the same events meanwhile: its mark stands. The segment just written
      // overlaps its own and is harmless (readers go by offset); the archive's cap trims it.
      if (archived_through(*db_, topic) != mark) return false;
      db_->execute(kDeleteThrough, {topic, events.back().offset});
      db_->execute(kMarkArchived, {topic, events.back().offset});
      transaction.commit();
      if (static_cast<std::int64_t>(events.size()) < kSegmentEvents) return false;
    }
    return true;
  }

  std::unique_ptr<store::Database> db_;
  CommitSignal signal_;
  EmbeddedLogOptions options_;
  EventArchive archive_;
  std::chrono::steady_clock::time_point next_pass_{};
};

// Commits are kept in memory and written to the shared log at most every kCommitInterval (and when
// idle, rewound or closed): every group writing each position would make the consumers the log's
// busiest writers. A crash loses at most that window of positions, whose events come again and
// are skipped by the inbox.
constexpr auto kCommitInterval = std::chrono::milliseconds(100);

class EmbeddedConsumer final : public Consumer {
 public:
  EmbeddedConsumer(const std::string& path, const EmbeddedLogOptions& options, std::string group, std::string topic,
                   EventFilter wanted)
      : db_(open_log(path, options)),
        watch_(path),
        archive_(archive_dir(path)),
        group_(std::move(group)),
        topic_(std::move(topic)),
        wanted_(std::move(wanted)) {
    auto rows = db_->query(kCommitted, {group_, topic_});
    position_ = committed_ = stored_ = rows.empty() ? 0 : rows.front().integer(0);
  }
  ~EmbeddedConsumer() override {
    try {
      store_position();
    } catch (const std::exception&) {
      // Not stored: the events since the last stored position come again and the inbox skips them.
    }
  }

  std::vector<Event> poll(std::chrono::milliseconds timeout) override {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      auto events = read_after(position_);
      if (!events.empty()) {
        position_ = events.back().offset;
        return events;
      }
      auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return {};
      // Idle for now; under load this happens between every two wake-ups, so the interval holds.
      if (std::chrono::steady_clock::now() >= next_store_) store_position();
      watch_.wait(left);
    }
  }

  void commit(const Event& event) override {
    committed_ = event.offset;
    if (std::chrono::steady_clock::now() >= next_store_) store_position();
  }

  // Behind the archive (a replay), the archived part is counted by offsets: an estimate, as other
  // topics share the offsets, but zero exactly when there is nothing left to read.
  std::optional<std::int64_t> lag() override {
    auto live = db_->query(kCountAfter, {topic_, committed_}).at(0).integer(0);
    return live + std::max<std::int64_t>(0, archived_through(*db_, topic_) - committed_);
  }

  void rewind() override {
    committed_ = 0;
    store_position();  // before the caller resets what it built: see ConsumerRunner::replay
    position_ = 0;
  }

 private:
  void store_position() {
    if (committed_ == stored_) return;
    db_->execute(kCommit, {group_, topic_, committed_});
    stored_ = committed_;
    next_store_ = std::chrono::steady_clock::now() + kCommitInterval;
  }

  // From the log, unless events after `offset` moved to the archive: the mark is read after the log
  // (it moves in the transaction that deletes), so rows deleted before or during that read are
  // never skipped. A group that commits is never behind the mark but in a replay.
  std::vector<Event> read_after(std::int64_t offset) {
    auto events = read_log_after(offset);
    if (archived_through(*db_, topic_) <= offset) return events;
    auto archived = archive_.read_after(topic_, offset, kReadBatch);
    return archived.empty() ? events : archived;  // empty: trimmed away; the log goes on from there
  }

  // The types and offsets first; the content only of the events the group wants, looked up by
  // offset. (Most groups want few of the types: payment's content reads were a tenth of its CPU.)
  std::vector<Event> read_log_after(std::int64_t offset) {
    std::vector<Event> events;
    std::vector<std::size_t> wanted;  // indexes into `events`
    std::string offsets;              // of the wanted ones, as a JSON array for json_each
    for (const auto& row : db_->query(kTypesAfter, {topic_, offset, kReadBatch})) {
      Event& event = events.emplace_back();
      event.offset = row.integer(0);
      event.event_type = row.text(1);
      if (wanted_ && !wanted_(event.event_type)) continue;
      offsets += (wanted.empty() ? "[" : ",") + std::to_string(event.offset);
      wanted.push_back(events.size() - 1);
    }
    if (wanted.empty()) return events;
    offsets += "]";
    // Both in offset order; rows of the log are never changed, and none of these is pruned before
    // this group committed past it.
    auto next = wanted.begin();
    for (const auto& row : db_->query(kReadWanted, {offsets})) {
      while (next != wanted.end() && events[*next].offset != row.integer(0)) ++next;
      if (next == wanted.end()) break;
      events[*next] = Event{row.text(1), row.text(2), row.text(3), row.text(4), row.text(5), row.integer(0)};
    }
    return events;
  }

  std::unique_ptr<store::Database> db_;
  CommitWatch watch_;
  EventArchive archive_;
  std::string group_;
  std::string topic_;
  EventFilter wanted_;
  std::int64_t position_ = 0;   // of the last event polled
  std::int64_t committed_ = 0;  // of the last event committed
  std::int64_t stored_ = 0;     // the committed position as the log holds it
  std::chrono::steady_clock::time_point next_store_{};
};

class EmbeddedBus final : public Bus {
 public:
  EmbeddedBus(std::string path, EmbeddedLogOptions options) : path_(std::move(path)), options_(options) {
    open_log(path_, options_);
  }
  std::unique_ptr<Publisher> publisher() override { return std::make_unique<EmbeddedPublisher>(path_, options_); }
  using Bus::consumer;
  std::unique_ptr<Consumer> consumer(const std::string& group, const std::string& topic, EventFilter wanted) override {
    return std::make_unique<EmbeddedConsumer>(path_, options_, group, topic, std::move(wanted));
  }
  [[nodiscard]] std::string name() const override { return "embedded"; }

 private:
  std::string path_;
  EmbeddedLogOptions options_;
};
}  // namespace

std::unique_ptr<Bus> make_embedded_bus(const std::string& path, EmbeddedLogOptions options) {
  return std::make_unique<EmbeddedBus>(path, options);
}

}  // namespace cinema::events
