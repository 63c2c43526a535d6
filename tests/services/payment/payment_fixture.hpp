#pragma once
// Component-test base: payment's migrated database on a real SQLite file in a fresh temp dir, its
// repository, and an outbox sink whose rows are what the relay would publish.
#include <unistd.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "events/event_sink.hpp"
#include "services/payment/payment_repository.hpp"

namespace cinema::payment {

class PaymentDatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("payment-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    db_ = store::open_sqlite((dir_ / "payment.db").string());
    store::migrate(*db_, payment_migrations());
    payments_.emplace(*db_);
    outbox_.emplace(*db_);
    sink_.emplace(*outbox_, "cinema");
  }
  void TearDown() override {
    sink_.reset();
    outbox_.reset();
    payments_.reset();
    db_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::vector<std::string> outbox_types() const {
    std::vector<std::string> types;
    for (const auto& row : outbox_->oldest(100)) types.push_back(row.event.event_type);
    return types;
  }
  static contracts::PaymentState payment(std::int64_t rsv_id, std::string status = "paid",
                                         std::int64_t amount = 10000) {
    return contracts::PaymentState{0, rsv_id, 1, std::move(status), amount, "kim", "", 1};
  }

  std::filesystem::path dir_;
  std::unique_ptr<store::Database> db_;
  std::optional<PaymentRepository> payments_;
  std::optional<events::Outbox> outbox_;
  std::optional<events::OutboxSink> sink_;
};

}  // namespace cinema::payment
