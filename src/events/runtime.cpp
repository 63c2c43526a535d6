#include "events/runtime.hpp"

#include <algorithm>
#include <filesystem>

#include "events/embedded_bus.hpp"
#include "events/kafka_bus.hpp"
#include "store/service_database.hpp"

namespace cinema::events {

SettingGroup event_settings() {
  using T = SettingType;
  return SettingGroup{
      "events (every service)",
      {
          {"event.bus", T::string, "embedded", "Event bus backend.", 0, INT64_MAX, {"embedded", "kafka"}},
          {"event.topic", T::string, "cinema", "Topic of the domain events; dead letters go to <topic>.DLT."},
          {"event.log_dir", T::string, "bus",
           "Embedded log directory (relative to data.dir unless absolute); shared by every local service."},
          {"event.max_attempts", T::integer, "5", "Tries of one event before it goes to the dead-letter topic.", 1,
           1000},
          {"event.archive_after_seconds", T::integer, "10",
           "Embedded log: events every consumer group committed move, this long after they were appended, "
           "out of the log into gzip segments under <event.log_dir>/archive/, which a replay from the first "
           "event reads before the log (docs/RESILIENCE.md). 0 keeps every event in the log.",
           0, 100000000},
          {"event.archive_max_mb", T::integer, "1024",
           "Embedded log: the archive of a topic past this size loses its oldest segments (a replay then "
           "starts from the oldest event kept); 0: no cap.",
           0, 100000000},
          {"event.retention_hours", T::integer, "0",
           "Embedded log: archive segments older than this are deleted; with event.archive_after_seconds=0, "
           "events this old are deleted from the log once every consumer group committed them. 0: no limit.",
           0, 100000},
          {"event.batch_interval_ms", T::integer, "5",
           "Least time between two batches of a relay or a consumer group. Under load the events of that "
           "window share one transaction (reservations/s: +10-15% at 5 against 0); an event waits at most this "
           "much more per hop. 0: a batch per wake-up, for the lowest latency.",
           0, 100},
          {"kafka.brokers", T::string, "127.0.0.1:9092", "Kafka bootstrap servers (event.bus=kafka)."},
      }};
}

std::unique_ptr<Bus> make_bus(const Config& config, const std::string& data_dir) {
  if (config.text("event.bus") == "kafka")
    return make_kafka_bus(KafkaOptions{.brokers = config.text("kafka.brokers"), .client_id = "cinema"});
  auto dir = std::filesystem::path(data_dir) / config.text("event.log_dir");
  std::filesystem::create_directories(dir);
  auto archive_after = std::chrono::seconds(config.integer("event.archive_after_seconds"));
  // Looked for as often as they come due, at most every minute.
  auto interval = archive_after.count() > 0 ? std::min<std::chrono::milliseconds>(archive_after, std::chrono::minutes(1))
                                            : std::chrono::milliseconds(std::chrono::minutes(1));
  return make_embedded_bus(
      (dir / "events.db").string(),
      {.archive_after = archive_after,
       .archive_max_bytes = static_cast<std::uintmax_t>(config.integer("event.archive_max_mb")) << 20,
       .retention = std::chrono::hours(config.integer("event.retention_hours")),
       .prune_interval = interval,
       .synchronous_full = store::sqlite_options(config).synchronous_full});
}

EventRuntime::EventRuntime(ServiceContext& context, store::Database& db)
    : context_(context),
      db_(db),
      topic_(context.config.text("event.topic")),
      bus_(make_bus(context.config, context.data_dir)),
      outbox_(db),
      relay_(std::make_unique<Relay>(outbox_, bus_->publisher(), context.log, context.metrics, batch_interval())) {
  context.log.info("event bus ready", {{"bus", bus_->name()}, {"topic", topic_}});
  context.on_stop([this] { stop(); });
}

EventRuntime::~EventRuntime() { stop(); }

void EventRuntime::stop() {
  consumers_.clear();
  if (relay_) relay_->stop();
}

std::chrono::milliseconds EventRuntime::batch_interval() const {
  return std::chrono::milliseconds(context_.config.integer("event.batch_interval_ms"));
}

ConsumerRunner& EventRuntime::consume(const std::string& group, EventHandler handler, EventFilter wanted) {
  ConsumerOptions options{group, topic_, topic_ + ".DLT", static_cast<int>(context_.config.integer("event.max_attempts")),
                          std::move(wanted), batch_interval()};
  // Events the handler emits are in the outbox when its inbox transaction commits. Waking the relay
  // before that commit is safe: the relay reads the outbox through the same connection, whose lock
  // the transaction holds, so it sees the rows right after the commit.
  auto handle_and_wake = [this, handler = std::move(handler)](const Event& event) {
    handler(event);
    relay_->notify();
  };
  consumers_.push_back(std::make_unique<ConsumerRunner>(std::move(options), *bus_, db_, std::move(handle_and_wake),
                                                        context_.log, context_.metrics));
  // Not ready until the group was joined: on Kafka that takes a rebalance (seconds), and a service
  // that said ready before it would miss the events of the requests that follow at once.
  context_.actuator.add_readiness_check("consumer group " + group, [joined = consumers_.back()->joined(), group] {
    return joined->load() ? std::string{} : "consumer group '" + group + "' has not joined yet (no partitions)";
  });
  return *consumers_.back();
}

}  // namespace cinema::events
