// Fault tier, Kafka backend: one broker of a three-broker cluster goes down for 10 s in the middle of
// 500 reservations, then comes back. Every event must arrive and none may be applied twice: the
// sources agree exactly afterwards. The cluster is librdkafka's mock (real protocol over TCP),
// owned by the test so it can take a broker down; `cinema up` connects to it like to any cluster.
#include <atomic>
#include <iostream>
#include <thread>

#include <boost/crc.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cinema_process.hpp"
#include "events/kafka_mock_cluster.hpp"
#include "outage_workload.hpp"
#include "sources_agree.hpp"

namespace cinema::testing {
namespace {
using nlohmann::json;
using namespace std::chrono_literals;
using namespace outage;

constexpr int kPartitions = 3;
constexpr int kDownBroker = 3;

// The partition librdkafka's default partitioner (consistent_random) gives a key: CRC-32 % count.
int partition_of(const std::string& key) {
  boost::crc_32_type crc;
  crc.process_bytes(key.data(), key.size());
  return static_cast<int>(crc.checksum() % kPartitions);
}


TEST(KafkaBrokerDown, FiveHundredReservationsAcrossATenSecondOutageLoseAndDuplicateNothing) {
  // Placement pinned as FACTS.md advises: movie 1's partition is led by the broker that goes down,
  // the others and every group's coordinator by brokers that stay up.
  events::MockKafkaCluster kafka(3);
  kafka.create_topic("cinema", kPartitions, 3);
  kafka.create_topic("cinema.DLT", 1, 3);
  auto stalled = partition_of("1");
  for (int p = 0; p < kPartitions; ++p) kafka.set_partition_leader("cinema", p, p == stalled ? kDownBroker : 2);
  kafka.set_partition_leader("cinema.DLT", 0, 1);
  for (auto group : {"movie", "reservation", "payment", "message", "viewpage"}) kafka.set_coordinator(group, 1);


  auto data_dir = std::filesystem::temp_directory_path() / ("cinema-kafka-down-" + std::to_string(::getpid()));
  std::filesystem::remove_all(data_dir);
  CinemaProcess cinema(data_dir, {"--bus", "kafka", "--kafka-brokers", kafka.bootstraps()});
  auto gateway = cinema.gateway();
  // Each group must own its partitions before the run (FACTS.md: a join can be slow).
  const char* groups[] = {"movie", "reservation", "payment", "message", "viewpage"};  // by service offset
  for (int service = 0; service < 5; ++service) {
    auto series = std::string("events_consumer_lag{group=\"") + groups[service] + "\"}";
    ASSERT_TRUE(eventually([&] {
      auto metrics = send(cinema.service(service), "GET", "/metrics").body;
      return metrics.find(series) != std::string::npos && counter_value(metrics, series) >= 0;
    }, 60s)) << groups[service] << " has no partitions assigned";
  }

  auto seeded = seed_movies(gateway, kMovies, kRows, kCols, "outage");
  const auto& movies = seeded.movies;
  const auto& screenings = seeded.screenings;
  if (HasFailure()) return;
  ASSERT_EQ(movies.front(), 1) << "the stalled partition was chosen for movie 1's key";

  // 500 reservations paced over about 20 s; the broker is down from 4 s to 14 s.
  std::vector<std::string> customers;
  for (int c = 0; c < kClients; ++c) customers.push_back("outage-" + std::to_string(c));
  std::atomic<int> next{0}, created{0};
  std::atomic<double> backlog_seen{0};
  auto started = std::chrono::steady_clock::now();
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c)
    clients.emplace_back([&, c] {
      for (int i; (i = next++) < kReservations;) {
        std::this_thread::sleep_until(started + i * 40ms);
        json request{{"screeningId", screenings[i % kMovies]}, {"seats", {seat(i / kMovies)}}, {"customerId", customers[c]}};
        auto response = send(gateway, "POST", "/reservations", request.dump());
        if (response.status == 201) ++created;
        else ADD_FAILURE() << "reservation " << i << ": " << response.status << " " << response.body;
      }
    });
  std::this_thread::sleep_until(started + 4s);
  kafka.broker_down(kDownBroker);
  for (auto until = std::chrono::steady_clock::now() + 10s; std::chrono::steady_clock::now() < until;) {
    auto metrics = send(cinema.service(kReservation), "GET", "/metrics").body;
    backlog_seen = std::max(backlog_seen.load(), counter_value(metrics, "outbox_backlog"));
    std::this_thread::sleep_for(200ms);
  }
  kafka.broker_up(kDownBroker);
  for (auto& client : clients) client.join();

  EXPECT_EQ(created.load(), kReservations) << "reservations do not wait for the bus";
  EXPECT_GT(backlog_seen.load(), 0) << "the outage really held events back in reservation's outbox";
  auto up_at = std::chrono::steady_clock::now();
  auto sold = expect_sources_agree(cinema, movies, customers, 90s);
  std::cout << "outbox backlog of reservation during the outage: up to " << backlog_seen.load()
            << " events; every source agreed "
            << std::chrono::duration<double>(std::chrono::steady_clock::now() - up_at).count()
            << " s after the last reservation\n";
  EXPECT_EQ(sold.reserved, kReservations);
  EXPECT_EQ(sold.seats, kReservations);
  cinema.stop();
  std::filesystem::remove_all(data_dir);
}

}  // namespace
}  // namespace cinema::testing
