#include "store/wal_checkpointer.hpp"

#include <sqlite3.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/thread_role.hpp"

namespace cinema::store {
namespace {
constexpr auto kInterval = std::chrono::milliseconds(200);
// Under a steady stream of writes a PASSIVE pass never catches up with the end of the log (frames
// keep arriving while it copies), so the log would never start over and would grow by every page
// ever written. Past this many frames (16 MB of 4 KB pages) a RESTART pass takes the write lock for
// a moment, copies what is left and waits for readers, so the next commit writes the log from its
// start again.
constexpr int kRestartFrames = 4096;
constexpr int kRestartWaitMs = 100;  // at most this long for the current writer and readers

struct Closer {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using Connection = std::shared_ptr<sqlite3>;

class Checkpointer {
 public:
  ~Checkpointer() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_one();
    if (thread_.joinable()) thread_.join();
  }

  void watch(const std::string& path) {
    std::lock_guard lock(mutex_);
    auto& file = files_[path];
    if (file.watchers++ == 0) file.connection = open(path);
    if (!thread_.joinable()) thread_ = std::thread([this] {
      run_as_background("checkpointer");
      run();
    });
  }

  // Returns once no pass holds the file's connection: the caller may then delete the file, and
  // closing the last connection (which removes the -wal file) never happens behind its back.
  void unwatch(const std::string& path) {
    {
      std::lock_guard lock(mutex_);
      auto found = files_.find(path);
      if (found == files_.end() || --found->second.watchers != 0) return;
      files_.erase(found);
    }
    std::lock_guard pass(pass_mutex_);  // waits out a pass that took the connection before the erase
  }

 private:
  struct File {
    int watchers = 0;
    Connection connection;  // shared with a pass in progress, which unwatch() waits for
  };

  static Connection open(const std::string& path) {
    sqlite3* raw = nullptr;
    sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
    Connection connection(raw, Closer{});
    if (raw) sqlite3_busy_timeout(raw, kRestartWaitMs);
    return connection;
  }

  static void checkpoint(sqlite3* db) {
    int log_frames = -1;
    sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log_frames, nullptr);
    if (log_frames < 0) {
      // A connection learns that the file is in WAL mode from its first read; until then a
      // checkpoint succeeds without doing anything. The next pass runs for real.
      sqlite3_exec(db, "SELECT 1 FROM sqlite_schema LIMIT 1", nullptr, nullptr, nullptr);
      return;
    }
    if (log_frames >= kRestartFrames)
      sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_RESTART, nullptr, nullptr);
  }

  void run() {
    for (;;) {
      {
        std::unique_lock lock(mutex_);
        if (wake_.wait_for(lock, kInterval, [this] { return stopping_; })) return;
      }
      // Held for the whole pass, taken before the connections are: see unwatch().
      std::lock_guard pass(pass_mutex_);
      std::vector<Connection> connections;
      {
        std::lock_guard lock(mutex_);
        for (const auto& [path, file] : files_)
          if (file.connection) connections.push_back(file.connection);
      }
      // A failed pass (busy, file gone) is simply tried again at the next one.
      for (const auto& connection : connections) checkpoint(connection.get());
    }
  }

  std::mutex pass_mutex_;  // taken before mutex_, never after it
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::map<std::string, File> files_;
  std::thread thread_;
};

Checkpointer& checkpointer() {
  static Checkpointer instance;
  return instance;
}
}  // namespace

void watch_wal(const std::string& path) { checkpointer().watch(path); }
void unwatch_wal(const std::string& path) { checkpointer().unwatch(path); }

}  // namespace cinema::store
