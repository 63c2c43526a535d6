#pragma once
// What a service needs of the event backbone, built from settings: the bus (embedded log or
// Kafka), the outbox relay of the service's database, and its consumer groups. Everything stops
// with the service (after the HTTP server drained).
#include <atomic>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/crash_point.hpp"
#include "core/service_host.hpp"
#include "events/bus.hpp"
#include "events/consumer_runner.hpp"
#include "events/event_sink.hpp"
#include "events/outbox.hpp"
#include "events/relay.hpp"

namespace cinema::events {

SettingGroup event_settings();

class EventRuntime final : public EventSink {
 public:
  EventRuntime(ServiceContext& context, store::Database& db);
  ~EventRuntime() override;

  // Call inside the transaction of the state change: the event is stored with it, on the main
  // topic, and published after the commit. Call `published()` after the commit to wake the relay.
  void emit(const Event& event) override { outbox_.append(event, topic_); }
  void published() override {
    // Inside an enclosing transaction (a store::CommitGroup's) the commit is still to come.
    if (db_.in_transaction()) {
      publish_after_commit() = true;
      return;
    }
    crash_point(context_.service, "published");
    relay_->notify();
  }
  // For a CommitGroup's after_commit: does what published() put off until the group committed.
  void group_committed() {
    if (std::exchange(publish_after_commit(), false)) published();
  }
  // Consumes the main topic as group `group` (normally the service's name), applying the events
  // `wanted` lets through (all without it); the runner lives until stop().
  ConsumerRunner& consume(const std::string& group, EventHandler handler, EventFilter wanted = {});
  [[nodiscard]] const std::string& topic() const { return topic_; }
  // Stops the consumers, then the relay (after one last drain). Runs by itself when the service
  // stops, before the service's parts that consumers call into are destroyed.
  void stop();
  Bus& bus() { return *bus_; }

 private:
  [[nodiscard]] std::chrono::milliseconds batch_interval() const;

  ServiceContext& context_;
  store::Database& db_;
  std::string topic_;
  std::unique_ptr<Bus> bus_;
  Outbox outbox_;
  std::unique_ptr<Relay> relay_;
  std::vector<std::unique_ptr<ConsumerRunner>> consumers_;
  // Per thread: a group's writes and its commit run on one thread, and on a database server
  // several groups commit at once on threads of their own.
  static bool& publish_after_commit() {
    static thread_local bool asked = false;
    return asked;
  }
};

// The bus chosen by the settings (also used by CLI tools such as `cinema events`).
std::unique_ptr<Bus> make_bus(const Config& config, const std::string& data_dir);

}  // namespace cinema::events
