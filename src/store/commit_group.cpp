#include "store/commit_group.hpp"

#include "core/blocking.hpp"

namespace cinema::store {
namespace {
constexpr int kConflictAttempts = 4;
}  // namespace

CommitGroup::CommitGroup(Database& db, boost::asio::any_io_executor executor, std::function<void()> after_commit)
    : db_(db),
      // A database server's commits are round trips: they run on its blocking pool, off the loop.
      executor_(db.blocking() ? db.blocking()->executor() : std::move(executor)),
      after_commit_(std::move(after_commit)) {}

void CommitGroup::enqueue(Pending pending) {
  std::lock_guard lock(mutex_);
  pending_.push_back(std::move(pending));
  if (std::exchange(flush_scheduled_, true)) return;
  // Posted, so it runs after the handlers the loop already has ready: their writes join the group.
  boost::asio::post(executor_, [this] { flush(); });
}

// One group at a time: the writes that arrive while a group commits wait for the next one, which
// then holds all of them. On a database server that keeps the groups large, so a busy service
// makes few transactions and few round trips (the other pool threads serve its reads meanwhile).
void CommitGroup::flush() {
  std::vector<Pending> group;
  {
    std::lock_guard lock(mutex_);
    group.swap(pending_);
  }
  std::vector<Pending*> round;
  for (auto& pending : group) round.push_back(&pending);
  for (int attempt = 1; !round.empty(); ++attempt) round = commit_round(round, attempt);
  for (auto& pending : group) pending.waiter->resume();
  std::lock_guard lock(mutex_);
  if (pending_.empty()) flush_scheduled_ = false;
  else boost::asio::post(executor_, [this] { flush(); });
}

// One transaction over `writes`, each in a savepoint. A write that lost a deadlock with another
// process's transaction (several instances on one database server) is undone alone; it cannot be
// retried in this transaction, whose earlier writes may hold the very locks the other one waits
// for, so it is returned to run again in a transaction of its own once this one has committed.
std::vector<CommitGroup::Pending*> CommitGroup::commit_round(const std::vector<Pending*>& writes, int attempt) {
  if (writes.size() == 1) return commit_alone(*writes.front(), attempt);
  std::vector<Pending*> conflicted;
  bool committed = false;
  try {
    Transaction transaction(db_);
    for (auto* pending : writes) {
      try {
        Transaction write(db_);
        pending->write();
        write.commit();
      } catch (const StoreConflict&) {
        if (attempt < kConflictAttempts) conflicted.push_back(pending);
        else *pending->failure = std::current_exception();
      } catch (...) {
        *pending->failure = std::current_exception();
      }
    }
    transaction.commit();
    committed = true;
  } catch (...) {
    for (auto* pending : writes)
      if (!*pending->failure) *pending->failure = std::current_exception();
    conflicted.clear();
  }
  if (committed && after_commit_) after_commit_();
  return conflicted;
}

// A write alone needs no savepoint: its failure is its transaction's. On a database server that
// saves two of its round trips, and an idle service's writes are all alone.
std::vector<CommitGroup::Pending*> CommitGroup::commit_alone(Pending& pending, int attempt) {
  try {
    Transaction transaction(db_);
    pending.write();
    transaction.commit();
  } catch (const StoreConflict&) {
    if (attempt < kConflictAttempts) return {&pending};
    *pending.failure = std::current_exception();
    return {};
  } catch (...) {
    *pending.failure = std::current_exception();
    return {};
  }
  if (after_commit_) after_commit_();
  return {};
}

}  // namespace cinema::store
