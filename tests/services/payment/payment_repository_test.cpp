// Component tier: the payment repository on a real SQLite file.
#include "payment_fixture.hpp"

namespace cinema::payment {
namespace {

using PaymentRepositoryTest = PaymentDatabaseTest;

TEST_F(PaymentRepositoryTest, InsertedPaymentIsFoundByIdAndByReservation) {
  auto first = payments_->insert(payment(11));
  auto second = payments_->insert(payment(12, "declined"));
  EXPECT_EQ(first.pay_id, 1);
  EXPECT_EQ(second.pay_id, 2);
  auto found = payments_->find(second.pay_id);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->rsv_id, 12);
  EXPECT_EQ(found->status, "declined");
  ASSERT_TRUE(payments_->find_by_rsv(11));
  EXPECT_EQ(payments_->find_by_rsv(11)->pay_id, first.pay_id);
  EXPECT_FALSE(payments_->find(99));
  EXPECT_FALSE(payments_->find_by_rsv(99));
}

TEST_F(PaymentRepositoryTest, DatabaseRefusesASecondPaymentForTheSameReservation) {
  payments_->insert(payment(11));
  EXPECT_THROW(payments_->insert(payment(11, "paid", 50)), store::ConstraintViolation);
  auto all = payments_->list(std::nullopt, std::nullopt, 100, 0);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all.front().amount, 10000) << "the first payment stays as it was";
}

TEST_F(PaymentRepositoryTest, UniqueReservationHoldsForAnotherConnectionToTheSameFile) {
  payments_->insert(payment(11));
  auto other = store::open_sqlite((dir_ / "payment.db").string());
  EXPECT_THROW(PaymentRepository(*other).insert(payment(11)), store::ConstraintViolation);
}

TEST_F(PaymentRepositoryTest, ListIsOldestFirstFiltersByReservationAndPages) {
  for (std::int64_t rsv_id : {21, 22, 23}) payments_->insert(payment(rsv_id));
  auto rsv_of = [](const std::vector<contracts::PaymentState>& payments) {
    std::vector<std::int64_t> ids;
    for (const auto& p : payments) ids.push_back(p.rsv_id);
    return ids;
  };
  EXPECT_EQ(rsv_of(payments_->list(std::nullopt, std::nullopt, 100, 0)), (std::vector<std::int64_t>{21, 22, 23}));
  EXPECT_EQ(rsv_of(payments_->list(22, std::nullopt, 100, 0)), (std::vector<std::int64_t>{22}));
  EXPECT_EQ(rsv_of(payments_->list(std::nullopt, std::nullopt, 1, 1)), (std::vector<std::int64_t>{22}));
  EXPECT_TRUE(payments_->list(99, std::nullopt, 100, 0).empty());
}

TEST_F(PaymentRepositoryTest, UpdateWritesStatusReasonAndVersion) {
  auto stored = payments_->insert(payment(11));
  stored.status = "cancelled";
  ++stored.version;
  EXPECT_TRUE(payments_->update(stored));
  auto found = payments_->find(stored.pay_id);
  EXPECT_EQ(found->status, "cancelled");
  EXPECT_EQ(found->version, stored.version);
  stored.pay_id = 99;
  EXPECT_FALSE(payments_->update(stored));
}

// Two instances of payment share the database: each may read the same pending payment and decide
// it. Only the first write of a version lands; the second is told so and announces nothing.
TEST_F(PaymentRepositoryTest, AnUpdateFromAStaleReadWritesNothing) {
  auto stored = payments_->insert(payment(11));
  auto first = stored, second = stored;
  first.status = "declined";
  first.reason = "processor_timeout";
  first.version = stored.version + 1;
  second.status = "cancelled";
  second.version = stored.version + 1;
  EXPECT_TRUE(payments_->update(first));
  EXPECT_FALSE(payments_->update(second)) << "written over a version it never read";
  auto found = payments_->find(stored.pay_id);
  EXPECT_EQ(found->status, "declined");
  EXPECT_EQ(found->version, stored.version + 1);
  auto next = *found;
  next.status = "cancelled";
  next.version = found->version + 1;
  EXPECT_TRUE(payments_->update(next)) << "from the version now stored";
}

TEST_F(PaymentRepositoryTest, MigratingAgainKeepsTheData) {
  payments_->insert(payment(11));
  store::migrate(*db_, payment_migrations());
  EXPECT_TRUE(payments_->find_by_rsv(11));
}

}  // namespace
}  // namespace cinema::payment
