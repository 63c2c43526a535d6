#pragma once
// Component-test base: message's migrated database on a real SQLite file in a fresh temp dir, its
// repository, an outbox sink whose rows are what the relay would publish, and the consumed events.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "contracts/payment_events.hpp"
#include "contracts/reservation_events.hpp"
#include "events/event_sink.hpp"
#include "services/message/message_repository.hpp"

namespace cinema::message {

inline constexpr std::string_view kTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
// When the consumed events happened: the seed's "20220407070250".
inline const auto kEventTime = std::chrono::system_clock::from_time_t(1'649'314'970);

// The events message consumes, as their producers publish them.
inline events::Event reservation_event(std::string_view type, std::int64_t rsv_id, std::string customer = "kim") {
  contracts::ReservationState reservation{.rsv_id = rsv_id,
                                          .movie_id = 1,
                                          .status = "reserved",
                                          .pay_id = 1,
                                          .screening_id = 1,
                                          .seats = {"A1", "A2"},
                                          .customer_id = std::move(customer),
                                          .amount = 24000,
                                          .version = 2};
  return contracts::reservation_event(type, reservation, {std::string(kTrace), kEventTime});
}
inline events::Event payment_event(std::string_view type, std::int64_t rsv_id, std::string customer = "kim") {
  contracts::PaymentState payment{1, rsv_id, 1, "cancelled", 24000, std::move(customer), "", 2};
  return contracts::payment_event(type, payment, {std::string(kTrace), kEventTime});
}
// A pending message as the policy would store it.
inline Message stored_message(std::string event_id, std::string customer = "kim", std::int64_t rsv_id = 1) {
  Notice notice{.kind = "ReservationConfirmed", .customer_id = std::move(customer), .rsv_id = rsv_id, .movie_id = 1};
  return new_message(notice, std::move(event_id), "2022-04-07T07:02:50Z", std::string(kTrace));
}

class MessageDatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("message-" + std::to_string(::getpid()) + "-" +
                                                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    open();
  }
  void TearDown() override {
    close();
    std::filesystem::remove_all(dir_);
  }
  // Opening again after close() is what a restart of the service does.
  void open() {
    db_ = store::open_sqlite((dir_ / "message.db").string());
    store::migrate(*db_, message_migrations());
    messages_.emplace(*db_);
    outbox_.emplace(*db_);
    sink_.emplace(*outbox_, "cinema");
  }
  void close() {
    sink_.reset();
    outbox_.reset();
    messages_.reset();
    db_.reset();
  }

  std::vector<std::string> outbox_types() const {
    std::vector<std::string> types;
    for (const auto& row : outbox_->oldest(100)) types.push_back(row.event.event_type);
    return types;
  }
  std::vector<Message> messages_of(const std::string& customer_id) const {
    return messages_->list(customer_id, std::nullopt, 1000, 0);
  }

  std::filesystem::path dir_;
  std::unique_ptr<store::Database> db_;
  std::optional<MessageRepository> messages_;
  std::optional<events::Outbox> outbox_;
  std::optional<events::OutboxSink> sink_;
};

}  // namespace cinema::message
