#pragma once
// Checkpoints the write-ahead log of every open SQLite file from one background thread per process.
// SQLite's automatic checkpoint runs inside whichever commit pushes the WAL past 1000 pages, and its
// fsync then stalls that commit, and the request thread behind it, for 10-50 ms. Connections that
// are watched turn it off; this thread copies the WAL back every 200 ms in PASSIVE mode, which never
// waits for readers or writers, and when the log passes 16 MB in RESTART mode, which waits up to
// 100 ms for them so that the log starts over instead of growing without end.
#include <string>

namespace cinema::store {

// Counted: a file stays watched until every watch() is matched by an unwatch().
void watch_wal(const std::string& path);
void unwatch_wal(const std::string& path);

}  // namespace cinema::store
