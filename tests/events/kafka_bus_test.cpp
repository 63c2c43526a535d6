// Component tier: the Kafka bus against librdkafka's mock cluster (3 brokers speaking the real
// protocol on loopback TCP), including the faults measured in FACTS.md "Kafka without a broker".
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <iostream>
#include <map>
#include <set>
#include <stdexcept>
#include <thread>

#include <gtest/gtest.h>

#include "events/kafka_bus.hpp"
#include "events/kafka_mock_cluster.hpp"

namespace cinema::events {
namespace {
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

const std::string kTopic = "cinema";
constexpr int kBrokers = 3;
constexpr int kPartitions = 3;
// Every wait is bounded: a consumer group joins within a few seconds on the mock.
constexpr auto kConsumeLimit = 20s;

Event numbered(int n, int keys) {
  auto text = std::to_string(n);
  return Event{"event-" + text, "MovieRegistered", "movie-" + std::to_string(n % keys),
               R"({"eventType":"MovieRegistered","n":)" + text + "}",
               "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", -1};
}

std::vector<Event> numbered_events(int first, int count, int keys) {
  std::vector<Event> events;
  for (int n = first; n < first + count; ++n) events.push_back(numbered(n, keys));
  return events;
}

std::set<std::string> ids_of(const std::vector<Event>& events) {
  std::set<std::string> ids;
  for (const auto& event : events) ids.insert(event.event_id);
  return ids;
}

enum class Commit { no, each };

// Polls into `received` (every delivery, redeliveries included) until `done(received)` holds or the
// limit passed; returns whether it held.
template <class Done>
bool consume_until(Consumer& consumer, std::vector<Event>& received, Done done, Commit commit = Commit::no,
                   std::chrono::milliseconds limit = kConsumeLimit) {
  for (auto deadline = Clock::now() + limit; !done(received);) {
    if (Clock::now() >= deadline) return false;
    for (const auto& event : consumer.poll(200ms)) {
      received.push_back(event);
      if (commit == Commit::each) consumer.commit(event);
    }
  }
  return true;
}

// Polls until `distinct` different event ids arrived or the limit passed; returns every delivery,
// redeliveries included.
std::vector<Event> consume(Consumer& consumer, std::size_t distinct, Commit commit = Commit::no,
                           std::chrono::milliseconds limit = kConsumeLimit) {
  std::vector<Event> received;
  consume_until(consumer, received, [&](const auto& events) { return ids_of(events).size() >= distinct; }, commit,
                limit);
  return received;
}

bool has_any_of(const std::vector<Event>& received, const std::set<std::string>& ids) {
  return std::any_of(received.begin(), received.end(),
                     [&](const Event& event) { return ids.contains(event.event_id); });
}

bool has_all_of(const std::vector<Event>& received, const std::set<std::string>& ids) {
  auto got = ids_of(received);
  return std::includes(got.begin(), got.end(), ids.begin(), ids.end());
}

class KafkaBusTest : public ::testing::Test {
 protected:
  KafkaBusTest() { cluster_.create_topic(kTopic, kPartitions, kBrokers); }

  MockKafkaCluster cluster_{kBrokers};
  // Well above the outage below, which lasts until events are seen to get past it (shorter loses
  // messages, FACTS.md), yet bounds every publish.
  std::unique_ptr<Bus> bus_ =
      make_kafka_bus({.brokers = cluster_.bootstraps(), .client_id = "kafka-bus-test", .message_timeout_ms = 20000});
};

TEST_F(KafkaBusTest, PublishedEventsAreConsumedWithHeadersAndKeys) {
  std::vector<Event> events{numbered(1, 2), numbered(2, 2)};
  events[1].traceparent.clear();  // an empty header is left out and comes back empty
  bus_->publisher()->publish(kTopic, events);

  auto received = consume(*bus_->consumer("viewpage", kTopic), events.size());
  ASSERT_EQ(received.size(), events.size());
  for (const auto& sent : events) {
    auto got = std::find_if(received.begin(), received.end(), [&](auto& e) { return e.event_id == sent.event_id; });
    ASSERT_NE(got, received.end()) << sent.event_id;
    EXPECT_EQ(got->event_type, sent.event_type);
    EXPECT_EQ(got->key, sent.key);
    EXPECT_EQ(got->payload, sent.payload);
    EXPECT_EQ(got->traceparent, sent.traceparent);
    EXPECT_GE(got->offset, 0);
  }
  EXPECT_EQ(bus_->name(), "kafka");
}

TEST_F(KafkaBusTest, EventsOfOneKeyKeepTheirOrder) {
  auto publisher = bus_->publisher();
  for (int first = 0; first < 100; first += 10) publisher->publish(kTopic, numbered_events(first, 10, 5));

  auto received = consume(*bus_->consumer("viewpage", kTopic), 100);
  ASSERT_EQ(ids_of(received).size(), 100u);
  std::map<std::string, std::vector<int>> numbers_by_key;
  for (const auto& event : received) numbers_by_key[event.key].push_back(std::stoi(event.event_id.substr(6)));
  ASSERT_EQ(numbers_by_key.size(), 5u);
  for (const auto& [key, numbers] : numbers_by_key)
    EXPECT_TRUE(std::is_sorted(numbers.begin(), numbers.end())) << key;
}

TEST_F(KafkaBusTest, CommittedPositionIsNotRedeliveredToTheNextConsumerOfTheGroup) {
  bus_->publisher()->publish(kTopic, numbered_events(0, 60, 7));
  std::vector<Event> committed, rest;
  {
    auto first = bus_->consumer("viewpage", kTopic);
    auto received = consume(*first, 60);
    ASSERT_EQ(ids_of(received).size(), 60u);
    // In delivery order each partition's events come by offset, so committing the first half
    // commits a prefix of every partition and leaves exactly the second half uncommitted.
    committed.assign(received.begin(), received.begin() + 30);
    rest.assign(received.begin() + 30, received.end());
    for (const auto& event : committed) first->commit(event);
  }
  auto second = bus_->consumer("viewpage", kTopic);
  auto received = consume(*second, rest.size());
  // Anything committed would come back before the rest of its partition or within this wait.
  for (const auto& event : second->poll(500ms)) received.push_back(event);
  EXPECT_EQ(ids_of(received), ids_of(rest));
}

TEST_F(KafkaBusTest, LagFallsToZeroAsEventsAreCommittedAndRewindBringsEveryEventBack) {
  auto events = numbered_events(0, 30, 5);
  bus_->publisher()->publish(kTopic, events);
  auto consumer = bus_->consumer("viewpage", kTopic);
  EXPECT_EQ(consumer->lag(), std::nullopt) << "no partition assigned before the first poll";
  auto received = consume(*consumer, events.size());
  ASSERT_EQ(ids_of(received), ids_of(events));
  EXPECT_EQ(consumer->lag(), 30) << "polled, not committed";
  for (const auto& event : received) consumer->commit(event);
  EXPECT_EQ(consumer->lag(), 0);

  consumer->rewind();
  EXPECT_EQ(ids_of(consume(*consumer, events.size(), Commit::each)), ids_of(events)) << "replayed from the first";
  consumer.reset();
  // The rewind was committed: a restarted member of the group starts at the first event again,
  // unless what it replayed was committed, as it was here.
  EXPECT_TRUE(bus_->consumer("viewpage", kTopic)->poll(1s).empty());
}

TEST_F(KafkaBusTest, ARewoundPositionIsCommittedForTheNextMemberOfTheGroup) {
  auto events = numbered_events(0, 12, 3);
  bus_->publisher()->publish(kTopic, events);
  {
    auto consumer = bus_->consumer("viewpage", kTopic);
    for (const auto& event : consume(*consumer, events.size())) consumer->commit(event);
    consumer->rewind();  // and "crash" before consuming anything again
  }
  EXPECT_EQ(ids_of(consume(*bus_->consumer("viewpage", kTopic), events.size())), ids_of(events));
}

TEST_F(KafkaBusTest, TwoGroupsEachSeeEveryEvent) {
  auto events = numbered_events(0, 50, 5);
  auto viewpage = bus_->consumer("viewpage", kTopic);
  auto message = bus_->consumer("message", kTopic);
  bus_->publisher()->publish(kTopic, events);

  EXPECT_EQ(ids_of(consume(*viewpage, events.size(), Commit::each)), ids_of(events));
  EXPECT_EQ(ids_of(consume(*message, events.size(), Commit::each)), ids_of(events));
}

TEST_F(KafkaBusTest, ProduceErrorsAreRetriedWithoutLoss) {
  cluster_.push_produce_errors(2, KafkaErrorCode::not_leader_for_partition);
  cluster_.push_produce_errors(2, KafkaErrorCode::request_timed_out);
  auto events = numbered_events(0, 50, 5);
  bus_->publisher()->publish(kTopic, events);

  auto consumer = bus_->consumer("viewpage", kTopic);
  auto received = consume(*consumer, events.size());
  for (const auto& event : consumer->poll(500ms)) received.push_back(event);
  std::map<std::string, int> deliveries;
  for (const auto& event : received) ++deliveries[event.event_id];
  ASSERT_EQ(deliveries.size(), events.size());
  for (const auto& [id, count] : deliveries) EXPECT_EQ(count, 1) << id;
}

TEST_F(KafkaBusTest, BrokerDownThenUpLosesNothing) {
  // Deterministic placement (FACTS.md): broker 2 leads partition 1 and is not the coordinator.
  for (int partition = 0; partition < kPartitions; ++partition)
    cluster_.set_partition_leader(kTopic, partition, partition + 1);
  cluster_.set_coordinator("viewpage", 1);
  auto consumer = bus_->consumer("viewpage", kTopic);
  auto publisher = bus_->publisher();
  publisher->publish(kTopic, numbered_events(0, 1, 5));
  ASSERT_EQ(consume(*consumer, 1, Commit::each).size(), 1u) << "group did not start";

  // Each phase starts when the one before it is seen to have happened, never after a guessed time.
  auto before = numbered_events(1, 50, 5), during = numbered_events(51, 100, 5), after = numbered_events(151, 50, 5);
  std::vector<Event> received;
  publisher->publish(kTopic, before);
  ASSERT_TRUE(consume_until(*consumer, received, [&](auto& r) { return has_all_of(r, ids_of(before)); }, Commit::each));

  cluster_.broker_down(2);
  std::atomic<bool> published{false};
  std::string publish_error;
  std::thread publishing([&] {
    try {
      publisher->publish(kTopic, during);  // waits for every delivery, partition 1's too
    } catch (const BusError& error) {
      publish_error = error.what();
    }
    published = true;
  });
  // The partitions whose leaders are up go on: some of the outage's events arrive through them...
  bool some_arrived =
      consume_until(*consumer, received, [&](auto& r) { return has_any_of(r, ids_of(during)); }, Commit::each);
  // ...while the publish still waits for partition 1's (their keys include one that maps there).
  EXPECT_FALSE(published) << "the outage held nothing back: " << publish_error;
  cluster_.broker_up(2);
  publishing.join();
  ASSERT_TRUE(some_arrived) << "nothing got through while broker 2 was down";
  ASSERT_EQ(publish_error, "");

  publisher->publish(kTopic, after);
  auto expected = ids_of(numbered_events(1, 200, 5));
  EXPECT_TRUE(consume_until(*consumer, received, [&](auto& r) { return has_all_of(r, expected); }, Commit::each, 30s));
  std::erase_if(received, [](const Event& event) { return event.event_id == "event-0"; });
  EXPECT_EQ(ids_of(received), expected);
  auto duplicates = received.size() - ids_of(received).size();
  RecordProperty("duplicates", static_cast<int>(duplicates));
  std::cout << "[ INFO     ] duplicates after the outage: " << duplicates << "\n";
}

// A loopback port nothing listens on, held for as long as this lives (bound, never listening), so
// no other socket can take it meanwhile: a connection to it is refused.
class RefusingPort {
 public:
  RefusingPort() : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0)
      throw std::runtime_error("cannot bind a loopback port");
    port_ = ntohs(address.sin_port);
  }
  ~RefusingPort() { ::close(fd_); }
  RefusingPort(const RefusingPort&) = delete;
  RefusingPort& operator=(const RefusingPort&) = delete;
  [[nodiscard]] int port() const { return port_; }

 private:
  int fd_;
  int port_ = 0;
};

TEST_F(KafkaBusTest, PublishToUnreachableBrokersFailsWithBusError) {
  RefusingPort refusing;
  auto bus = make_kafka_bus({.brokers = "127.0.0.1:" + std::to_string(refusing.port()),
                             .client_id = "unreachable",
                             .message_timeout_ms = 1500});
  auto started = Clock::now();
  EXPECT_THROW(bus->publisher()->publish(kTopic, numbered_events(0, 3, 1)), BusError);
  EXPECT_LT(Clock::now() - started, 10s);
}

}  // namespace
}  // namespace cinema::events
