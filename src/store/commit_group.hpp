#pragma once
// Group commit for request handlers. A handler hands its write (a function using the database) to
// run() and is resumed once that write is durable. Writes handed over while the event loop is busy
// wait for it to reach the group, then run one after another in one transaction, each in a
// savepoint of it, and share its commit: under load one commit (WAL frames, locks) serves many
// requests instead of one each, and when idle a write waits for nothing but its own commit.
// A write that throws is undone alone and the exception reaches its caller; a failed commit
// reaches every caller of the group. Nothing a write did is visible to other connections, or
// answered, before the commit.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <type_traits>
#include <vector>

#include "core/blocking.hpp"
#include "store/database.hpp"

namespace cinema::store {

class CommitGroup {
 public:
  // `after_commit` runs after each commit (e.g. to wake the outbox relay).
  CommitGroup(Database& db, boost::asio::any_io_executor executor, std::function<void()> after_commit = {});
  CommitGroup(const CommitGroup&) = delete;
  CommitGroup& operator=(const CommitGroup&) = delete;

  // A read outside any transaction, where the group's writes run: in place on an embedded store,
  // off the loop on a database server.
  template <typename Read>
  boost::asio::awaitable<std::invoke_result_t<Read&>> read(Read read) {
    co_return co_await run_blocking(db_.blocking(), std::move(read));
  }

  template <typename Write>
  boost::asio::awaitable<std::invoke_result_t<Write&>> run(Write write) {
    std::optional<std::invoke_result_t<Write&>> result;
    std::exception_ptr failure;
    co_await boost::asio::async_initiate<const boost::asio::use_awaitable_t<>, void()>(
        [&](auto resume) {
          enqueue(Pending{[&] { result.emplace(write()); }, &failure,
                          std::make_unique<Waiter<decltype(resume)>>(std::move(resume))});
        },
        boost::asio::use_awaitable);
    if (failure) std::rethrow_exception(failure);
    co_return std::move(*result);
  }

 private:
  struct Resumable {
    virtual ~Resumable() = default;
    virtual void resume() = 0;
  };
  // The suspended caller's completion handler, resumed on its own executor.
  template <typename Handler>
  struct Waiter final : Resumable {
    explicit Waiter(Handler handler) : handler(std::move(handler)) {}
    void resume() override {
      auto executor = boost::asio::get_associated_executor(handler);
      boost::asio::post(executor, std::move(handler));
    }
    Handler handler;
  };
  struct Pending {
    std::function<void()> write;
    std::exception_ptr* failure;
    std::unique_ptr<Resumable> waiter;
  };

  void enqueue(Pending pending);
  void flush();
  // Returns the writes to run again (they lost a deadlock); `attempt` counts from 1.
  std::vector<Pending*> commit_round(const std::vector<Pending*>& writes, int attempt);
  std::vector<Pending*> commit_alone(Pending& pending, int attempt);

  Database& db_;
  boost::asio::any_io_executor executor_;
  std::function<void()> after_commit_;
  std::mutex mutex_;
  std::vector<Pending> pending_;  // guarded by mutex_
  bool flush_scheduled_ = false;  // a flush is posted or running; guarded by mutex_
};

}  // namespace cinema::store
