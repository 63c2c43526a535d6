#include "events/embedded_bus.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <array>

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
};

constexpr std::string_view kAppend =
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
constexpr std::int64_t kBatchSize = 500;

std::unique_ptr<store::Database> open_log(const std::string& path, const EmbeddedLogOptions& options) {
  auto db = store::open_sqlite(path, {.synchronous_full = options.synchronous_full});
  store::migrate(*db, kLogMigrations);
  return db;
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
      : db_(open_log(path, options)), signal_(path), options_(options) {}
  void publish(const std::string& topic, std::span<const Event> events) override {
    auto now = std::chrono::system_clock::now();
    try {
      store::Transaction transaction(*db_);
      for (const auto& e : events)
        db_->execute(kAppend, {topic, e.key, e.event_id, e.event_type, e.traceparent, e.payload, epoch_ms(now)});
      transaction.commit();
    } catch (const store::StoreError& error) {
      throw BusError(std::string("embedded log: ") + error.what());
    }
    signal_.raise();
    prune(topic, now);
  }

 private:
  // Retention is housekeeping: a failure here is retried at the next interval, never reported.
  void prune(const std::string& topic, std::chrono::system_clock::time_point now) {
    if (options_.retention.count() <= 0 || std::chrono::steady_clock::now() < next_prune_) return;
    next_prune_ = std::chrono::steady_clock::now() + options_.prune_interval;
    try {
      db_->execute(kPrune, {topic, epoch_ms(now - options_.retention)});
    } catch (const store::StoreError&) {
    }
  }

  std::unique_ptr<store::Database> db_;
  CommitSignal signal_;
  EmbeddedLogOptions options_;
  std::chrono::steady_clock::time_point next_prune_{};
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

  std::optional<std::int64_t> lag() override { return db_->query(kCountAfter, {topic_, committed_}).at(0).integer(0); }

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

  // The types and offsets first; the content only of the events the group wants, looked up by
  // offset. (Most groups want few of the types: payment's content reads were a tenth of its CPU.)
  std::vector<Event> read_after(std::int64_t offset) {
    std::vector<Event> events;
    std::vector<std::size_t> wanted;  // indexes into `events`
    std::string offsets;              // of the wanted ones, as a JSON array for json_each
    for (const auto& row : db_->query(kTypesAfter, {topic_, offset, kBatchSize})) {
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
