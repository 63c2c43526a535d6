#pragma once
// Delivers stored messages on a thread of its own, so that storing a message (on the consumer
// thread) never waits for a sender, and a slow or dead webhook slows nothing but delivery.
// It wakes when told a message was stored and every `RetryPolicy::base`, sends what is due, and
// records each outcome: delivered (with MessageSent), a retry after a backoff, or failed.
// Pending messages survive a restart and are picked up by the first pass. A crash between a send
// and its record (at most a batch, or 100 ms of sends) sends those messages again: delivery is at-least-once.
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "core/log.hpp"
#include "core/metrics.hpp"
#include "events/event_sink.hpp"
#include "services/message/message_repository.hpp"
#include "services/message/message_sender.hpp"

namespace cinema::message {

class Dispatcher {
 public:
  Dispatcher(store::Database& db, MessageRepository& messages, MessageSender& sender, events::EventSink& events,
             Logger& log, MetricsRegistry& metrics, RetryPolicy policy, DeliveryClock clock = {});
  ~Dispatcher();
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  void start();
  // Finishes the send in progress, if any, then joins the thread.
  void stop();
  // A message was stored: deliver it now rather than at the next tick.
  void notify();
  // One pass over the messages due now; returns how many were attempted.
  int deliver_due();

 private:
  void run();
  struct Attempt {
    Message next;  // the message as the attempt left it
    std::chrono::system_clock::time_point at;
    std::string error;  // why it was not delivered
  };
  Attempt send(const Message& message);
  void record(const std::vector<Attempt>& attempts);
  void count(std::string_view outcome);

  store::Database& db_;
  MessageRepository& messages_;
  MessageSender& sender_;
  events::EventSink& events_;
  Logger& log_;
  MetricsRegistry& metrics_;
  RetryPolicy policy_;
  DeliveryClock clock_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool notified_ = false;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace cinema::message
