#include "events/kafka_bus.hpp"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <atomic>
#include <deque>
#include <iterator>
#include <map>
#include <span>
#include <utility>
#include <vector>

namespace cinema::events {
namespace {
using Clock = std::chrono::steady_clock;

// One poll returns at most this many events, and once the first is there it keeps collecting only
// this long: enough to take what the last fetch brought, too short to delay the first event.
constexpr std::size_t kMaxBatch = 500;
constexpr auto kBatchLinger = std::chrono::milliseconds(5);
// One wait for delivery reports or for room in the local queue.
constexpr int kServeIntervalMs = 100;
// How long a rewind waits for the group to assign partitions, and for one broker answer.
constexpr auto kAssignmentWait = std::chrono::seconds(15);
constexpr int kBrokerWaitMs = 5000;
// A restarted broker is found again within about a second instead of the default ten (FACTS.md).
constexpr const char* kReconnectBackoffMaxMs = "1000";

struct HandleDeleter {
  // For a consumer this also leaves the group, so its partitions move to the others at once.
  void operator()(rd_kafka_t* handle) const { rd_kafka_destroy(handle); }
};
struct ConfDeleter {
  void operator()(rd_kafka_conf_t* conf) const { rd_kafka_conf_destroy(conf); }
};
struct HeadersDeleter {
  void operator()(rd_kafka_headers_t* headers) const { rd_kafka_headers_destroy(headers); }
};
struct PartitionsDeleter {
  void operator()(rd_kafka_topic_partition_list_t* list) const { rd_kafka_topic_partition_list_destroy(list); }
};
struct MessageDeleter {
  void operator()(rd_kafka_message_t* message) const { rd_kafka_message_destroy(message); }
};
using Handle = std::unique_ptr<rd_kafka_t, HandleDeleter>;
using Conf = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;
using Headers = std::unique_ptr<rd_kafka_headers_t, HeadersDeleter>;
using Partitions = std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionsDeleter>;
using Message = std::unique_ptr<rd_kafka_message_t, MessageDeleter>;
using Settings = std::vector<std::pair<const char*, std::string>>;

Settings common_settings(const KafkaOptions& options) {
  Settings settings{{"bootstrap.servers", options.brokers}, {"reconnect.backoff.max.ms", kReconnectBackoffMaxMs}};
  if (!options.client_id.empty()) settings.emplace_back("client.id", options.client_id);
  return settings;
}

Conf make_conf(const Settings& settings) {
  Conf conf(rd_kafka_conf_new());
  char error[512];
  for (const auto& [name, value] : settings)
    if (rd_kafka_conf_set(conf.get(), name, value.c_str(), error, sizeof error) != RD_KAFKA_CONF_OK)
      throw BusError(std::string("kafka setting ") + name + ": " + error);
  return conf;
}

Handle make_handle(rd_kafka_type_t type, Conf conf) {
  char error[512];
  Handle handle(rd_kafka_new(type, conf.get(), error, sizeof error));
  if (!handle) throw BusError(std::string("kafka client: ") + error);
  conf.release();  // rd_kafka_new owns the configuration once it succeeded
  return handle;
}

// Errors no retry heals: the client is unusable or misconfigured. Everything else (a broker away, a
// topic not created yet, the end of a partition) librdkafka recovers from by itself.
bool is_unrecoverable(rd_kafka_resp_err_t error) {
  return error == RD_KAFKA_RESP_ERR__FATAL || error == RD_KAFKA_RESP_ERR__AUTHENTICATION ||
         error == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED || error == RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED;
}

std::string describe(rd_kafka_t* handle, rd_kafka_resp_err_t error) {
  char reason[512];
  if (rd_kafka_fatal_error(handle, reason, sizeof reason)) return std::string("fatal: ") + reason;
  return rd_kafka_err2str(error);
}

// The delivery reports of one publish call. Like every Publisher this one is used by one thread at a
// time, and reports are only served inside its rd_kafka_poll calls, so plain fields suffice.
struct Deliveries {
  std::size_t pending = 0;
  rd_kafka_resp_err_t first_error = RD_KAFKA_RESP_ERR_NO_ERROR;
};

void on_delivery(rd_kafka_t* /*producer*/, const rd_kafka_message_t* message, void* /*opaque*/) {
  auto& deliveries = *static_cast<Deliveries*>(message->_private);
  if (message->err && !deliveries.first_error) deliveries.first_error = message->err;
  --deliveries.pending;
}

Handle make_producer(const KafkaOptions& options) {
  auto settings = common_settings(options);
  // Idempotence keeps each partition's order and drops the duplicates of retried batches.
  settings.insert(settings.end(), {{"enable.idempotence", "true"},
                                   {"acks", "all"},
                                   {"linger.ms", "5"},
                                   {"message.timeout.ms", std::to_string(options.message_timeout_ms)}});
  auto conf = make_conf(settings);
  rd_kafka_conf_set_dr_msg_cb(conf.get(), on_delivery);
  return make_handle(RD_KAFKA_PRODUCER, std::move(conf));
}

Headers event_headers(const Event& event) {
  Headers headers(rd_kafka_headers_new(3));
  for (const auto& [name, value] : {std::pair<const char*, const std::string&>{"eventId", event.event_id},
                                    {"eventType", event.event_type},
                                    {"traceparent", event.traceparent}})
    if (!value.empty()) rd_kafka_header_add(headers.get(), name, -1, value.data(), static_cast<ssize_t>(value.size()));
  return headers;
}

// Topics are not created here: the mock cluster creates them on first use and a real cluster is
// expected to run with auto.create.topics.enable (or to have them created by its operators).
class KafkaPublisher final : public Publisher {
 public:
  explicit KafkaPublisher(KafkaOptions options) : options_(std::move(options)), producer_(make_producer(options_)) {}

  // Blocks until every event has its delivery report, i.e. with acks=all until all in-sync replicas
  // hold it. Callers such as the outbox relay delete their copy as soon as this returns, so returning
  // earlier would leave events that exist only in this process's memory and die with it.
  void publish(const std::string& topic, std::span<const Event> events) override {
    Deliveries deliveries;
    auto refused = RD_KAFKA_RESP_ERR_NO_ERROR;
    for (const auto& event : events)
      if ((refused = produce(topic, event, deliveries))) break;
    // Every queued message gets its report within message.timeout.ms, so this wait ends; it must
    // end before `deliveries` goes out of scope, as the reports point at it.
    while (deliveries.pending > 0) rd_kafka_poll(producer_.get(), kServeIntervalMs);
    if (auto failed = refused ? refused : deliveries.first_error) fail(failed);
  }

 private:
  rd_kafka_resp_err_t produce(const std::string& topic, const Event& event, Deliveries& deliveries) {
    auto headers = event_headers(event);
    for (;;) {
      auto error = rd_kafka_producev(
          producer_.get(), RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_KEY(event.key.data(), event.key.size()),
          RD_KAFKA_V_VALUE(const_cast<char*>(event.payload.data()), event.payload.size()),
          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(headers.get()),
          RD_KAFKA_V_OPAQUE(&deliveries), RD_KAFKA_V_END);
      if (error != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        if (!error) {
          headers.release();  // the message owns them now
          ++deliveries.pending;
        }
        return error;
      }
      // Back-pressure: serving delivery reports empties the local queue, then the event fits.
      rd_kafka_poll(producer_.get(), kServeIntervalMs);
    }
  }

  [[noreturn]] void fail(rd_kafka_resp_err_t error) {
    char reason[512];
    if (!rd_kafka_fatal_error(producer_.get(), reason, sizeof reason))
      throw BusError(std::string("kafka publish: ") + rd_kafka_err2str(error));
    // An idempotent producer that hit a fatal error refuses everything after it; the caller retries
    // the same events, so give that retry a fresh producer.
    producer_ = make_producer(options_);
    throw BusError(std::string("kafka publish: fatal: ") + reason);
  }

  KafkaOptions options_;
  Handle producer_;
};

// Takes the partitions the group assigns (or gives them back) as librdkafka would by default, and
// records that the group was joined: `joined` is the opaque pointer of the configuration.
void on_rebalance(rd_kafka_t* consumer, rd_kafka_resp_err_t error, rd_kafka_topic_partition_list_t* partitions,
                  void* joined) {
  bool cooperative = std::string_view(rd_kafka_rebalance_protocol(consumer)) == "COOPERATIVE";
  if (error == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    if (cooperative) {
      if (auto* failure = rd_kafka_incremental_assign(consumer, partitions)) rd_kafka_error_destroy(failure);
    } else {
      rd_kafka_assign(consumer, partitions);
    }
    static_cast<std::atomic<bool>*>(joined)->store(true);
  } else if (cooperative) {
    if (auto* failure = rd_kafka_incremental_unassign(consumer, partitions)) rd_kafka_error_destroy(failure);
  } else {
    rd_kafka_assign(consumer, nullptr);
  }
}

Handle make_consumer(const KafkaOptions& options, const std::string& group, std::atomic<bool>& joined) {
  auto settings = common_settings(options);
  // Positions are committed explicitly, once per applied batch, after its effects are stored.
  settings.insert(settings.end(), {{"group.id", group},
                                   {"enable.auto.commit", "false"},
                                   {"enable.auto.offset.store", "false"},
                                   {"auto.offset.reset", "earliest"},
                                   {"session.timeout.ms", "6000"},
                                   // A fetch with nothing new waits this long at the broker before
                                   // it answers; the default (500 ms) is the delivery latency of a
                                   // quiet topic. 10 ms costs a few idle fetches a second.
                                   {"fetch.wait.max.ms", "10"},
                                   {"max.poll.interval.ms", "10000"}});
  auto conf = make_conf(settings);
  rd_kafka_conf_set_opaque(conf.get(), &joined);
  rd_kafka_conf_set_rebalance_cb(conf.get(), on_rebalance);
  auto consumer = make_handle(RD_KAFKA_CONSUMER, std::move(conf));
  rd_kafka_poll_set_consumer(consumer.get());  // errors and rebalances are served by consumer_poll
  return consumer;
}

std::string text(const void* data, std::size_t size) {
  return data ? std::string(static_cast<const char*>(data), size) : std::string();
}

std::string header(const rd_kafka_message_t& message, const char* name) {
  rd_kafka_headers_t* headers = nullptr;
  const void* value = nullptr;
  std::size_t size = 0;
  // The headers stay owned by the message.
  if (rd_kafka_message_headers(&message, &headers) || rd_kafka_header_get_last(headers, name, &value, &size))
    return {};
  return text(value, size);
}

int milliseconds_until(Clock::time_point deadline) {
  auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return static_cast<int>(std::max<decltype(left)>(left, 0));
}

class KafkaConsumer final : public Consumer {
 public:
  KafkaConsumer(const KafkaOptions& options, const std::string& group, std::string topic)
      : topic_(std::move(topic)), consumer_(make_consumer(options, group, joined_)) {
    Partitions subscription(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(subscription.get(), topic_.c_str(), RD_KAFKA_PARTITION_UA);
    if (auto error = rd_kafka_subscribe(consumer_.get(), subscription.get()))
      throw BusError("kafka subscribe " + topic_ + ": " + rd_kafka_err2str(error));
  }

  bool joined() override { return joined_; }

  std::vector<Event> poll(std::chrono::milliseconds timeout) override {
    std::vector<Event> batch;
    auto deadline = Clock::now() + timeout;
    while (batch.size() < kMaxBatch) {
      Message message(rd_kafka_consumer_poll(consumer_.get(), milliseconds_until(deadline)));
      if (!message) {
        if (Clock::now() >= deadline) break;
        continue;
      }
      if (message->err) {
        if (is_unrecoverable(message->err))
          throw BusError("kafka consume " + topic_ + ": " + describe(consumer_.get(), message->err));
        continue;  // partition EOF, a broker away: informational, librdkafka carries on
      }
      if (batch.empty()) deadline = std::min(deadline, Clock::now() + kBatchLinger);
      batch.push_back(remember(*message));
    }
    return batch;
  }

  // Commits, for every partition, the last event polled up to and including `event`: a batch can
  // span partitions and is committed once, after all of it was applied.
  void commit(const Event& event) override {
    auto through = std::find_if(polled_.begin(), polled_.end(), [&](const Polled& p) {
      return p.offset == event.offset && p.event_id == event.event_id;
    });
    if (through == polled_.end())
      throw BusError("kafka commit: event " + event.event_id + " was not polled or is committed already");
    std::map<std::int32_t, std::int64_t> next_offsets;
    for (auto it = polled_.begin(); it != std::next(through); ++it)
      next_offsets[it->partition] = std::max(next_offsets[it->partition], it->offset + 1);
    polled_.erase(polled_.begin(), std::next(through));
    Partitions offsets(rd_kafka_topic_partition_list_new(static_cast<int>(next_offsets.size())));
    for (const auto& [partition, offset] : next_offsets)
      rd_kafka_topic_partition_list_add(offsets.get(), topic_.c_str(), partition)->offset = offset;
    auto error = rd_kafka_commit(consumer_.get(), offsets.get(), 0 /* synchronous */);
    // A commit fails while the group rebalances (REBALANCE_IN_PROGRESS) or once the partition moved
    // to another member. Its events then come again and the inbox skips them: at-least-once is kept,
    // so only errors no retry heals reach the caller.
    if (is_unrecoverable(error)) throw BusError("kafka commit: " + describe(consumer_.get(), error));
  }

  // Per assigned partition: the high watermark of the last fetch minus the position consumed, plus
  // the events polled and not committed yet. Only local state: never waits for a broker.
  std::optional<std::int64_t> lag() override {
    auto assigned = assignment();
    if (!assigned || assigned->cnt == 0 || rd_kafka_position(consumer_.get(), assigned.get())) return std::nullopt;
    auto behind = static_cast<std::int64_t>(polled_.size());
    for (const auto& partition : std::span(assigned->elems, static_cast<std::size_t>(assigned->cnt))) {
      std::int64_t low = 0, high = 0;
      if (rd_kafka_get_watermark_offsets(consumer_.get(), topic_.c_str(), partition.partition, &low, &high) ||
          high < 0)
        continue;  // nothing fetched from it yet
      auto consumed = partition.offset >= 0 ? partition.offset : std::max<std::int64_t>(low, 0);
      behind += std::max<std::int64_t>(high - consumed, 0);
    }
    return behind;
  }

  // Commits each assigned partition's first offset, then seeks there. Waits for the assignment
  // first: a consumer that just joined may not have one yet.
  void rewind() override {
    auto assigned = assignment();
    for (auto deadline = Clock::now() + kAssignmentWait; !assigned || assigned->cnt == 0; assigned = assignment()) {
      if (Clock::now() >= deadline) throw BusError("kafka rewind: no partition of " + topic_ + " assigned yet");
      // Serves the join; a message it returns is dropped, as the seek below fetches it again.
      Message dropped(rd_kafka_consumer_poll(consumer_.get(), kServeIntervalMs));
    }
    for (auto& partition : std::span(assigned->elems, static_cast<std::size_t>(assigned->cnt))) {
      std::int64_t low = 0, high = 0;
      if (auto error = rd_kafka_query_watermark_offsets(consumer_.get(), topic_.c_str(), partition.partition, &low,
                                                        &high, kBrokerWaitMs))
        throw BusError(std::string("kafka rewind: ") + rd_kafka_err2str(error));
      partition.offset = low;
    }
    if (auto error = rd_kafka_commit(consumer_.get(), assigned.get(), 0 /* synchronous */))
      throw BusError(std::string("kafka rewind commit: ") + rd_kafka_err2str(error));
    if (auto* error = rd_kafka_seek_partitions(consumer_.get(), assigned.get(), kBrokerWaitMs)) {
      std::string reason = rd_kafka_error_string(error);
      rd_kafka_error_destroy(error);
      throw BusError("kafka rewind seek: " + reason);
    }
    polled_.clear();
  }

 private:
  Partitions assignment() {
    rd_kafka_topic_partition_list_t* list = nullptr;
    if (rd_kafka_assignment(consumer_.get(), &list)) return nullptr;
    return Partitions(list);
  }

  Event remember(const rd_kafka_message_t& message) {
    Event event{header(message, "eventId"),  header(message, "eventType"), text(message.key, message.key_len),
                text(message.payload, message.len), header(message, "traceparent"), message.offset};
    polled_.push_back({event.event_id, event.offset, message.partition});
    return event;
  }

  std::string topic_;
  std::atomic<bool> joined_{false};  // set by on_rebalance, during a poll; before consumer_ is made
  Handle consumer_;
  // Events polled and not committed yet, in poll order. Event has no partition field, so commit finds
  // each event's partition here, by offset and id (offsets repeat across partitions).
  struct Polled {
    std::string event_id;
    std::int64_t offset;
    std::int32_t partition;
  };
  std::deque<Polled> polled_;
};

class KafkaBus final : public Bus {
 public:
  explicit KafkaBus(KafkaOptions options) : options_(std::move(options)) {}
  std::unique_ptr<Publisher> publisher() override { return std::make_unique<KafkaPublisher>(options_); }
  using Bus::consumer;
  std::unique_ptr<Consumer> consumer(const std::string& group, const std::string& topic, EventFilter) override {
    return std::make_unique<KafkaConsumer>(options_, group, topic);
  }
  [[nodiscard]] std::string name() const override { return "kafka"; }

 private:
  KafkaOptions options_;
};
}  // namespace

std::unique_ptr<Bus> make_kafka_bus(KafkaOptions options) { return std::make_unique<KafkaBus>(std::move(options)); }

}  // namespace cinema::events
