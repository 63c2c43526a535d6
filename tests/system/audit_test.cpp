// System tier: `cinema audit` on a real system's data. After a small flow it is clean; on a copy
// of the data tampered the way a bug would leave it, it fails naming what is wrong.
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cinema_process.hpp"
#include "core/time.hpp"
#include "store/database.hpp"

namespace cinema::testing {
namespace {
using nlohmann::json;

class AuditTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = std::filesystem::temp_directory_path() / ("cinema-audit-" + std::to_string(::getpid()));
    std::filesystem::remove_all(base_);
  }
  void TearDown() override { std::filesystem::remove_all(base_); }

  // kim reserves A1 and A2 and keeps them, lee reserves B1 and cancels, park's card is declined;
  // then the system is stopped (audited on the way) and its data copied to `copies` directories.
  void run_flow_then_copy_data(const std::vector<std::string>& copies) {
    CinemaProcess cinema(base_ / "live");
    auto gateway = cinema.gateway();
    auto movie = json::parse(send(gateway, "POST", "/movies", R"({"desc":"audited"})").body)["movieId"];
    json screening_request{{"startsAt", iso_utc(std::chrono::system_clock::now() + std::chrono::hours(48))},
                           {"hall", "1"}, {"rows", 3}, {"cols", 4}, {"price", 1000}};
    auto created = send(gateway, "POST", "/movies/" + movie.dump() + "/screenings", screening_request.dump());
    ASSERT_EQ(created.status, 201) << created.body;
    screening_ = json::parse(created.body)["screeningId"].get<std::int64_t>();
    ASSERT_TRUE(reservation_knows_screening(gateway, screening_));
    auto reserve = [&](const std::string& seat, const std::string& customer, const std::string& card) {
      json request{{"screeningId", screening_}, {"seats", {seat}}, {"customerId", customer}};
      if (!card.empty()) request["cardNumber"] = card;
      return send(gateway, "POST", "/reservations", request.dump());
    };
    ASSERT_EQ(send(gateway, "POST", "/reservations",
                   json{{"screeningId", screening_}, {"seats", {"A1", "A2"}}, {"customerId", "kim"}}.dump())
                  .status,
              201);
    auto lee = reserve("B1", "lee", "");
    ASSERT_EQ(lee.status, 201) << lee.body;
    cancelled_ = json::parse(lee.body)["rsvId"].get<std::int64_t>();
    ASSERT_EQ(send(gateway, "PATCH", "/reservations/" + std::to_string(cancelled_), R"({"status":"reqCancel"})").status,
              200);
    EXPECT_EQ(reserve("C1", "park", "4000000000000002").status, 402);

    auto audited = cinema.audit(std::chrono::seconds(30));
    EXPECT_EQ(audited.exit_code, 0) << audited.output;
    ASSERT_TRUE(audited.report.is_object()) << "--json prints one JSON object:\n" << audited.output;
    EXPECT_EQ(audited.report["clean"], true) << audited.summary();
    EXPECT_EQ(audited.report["findings"].size(), 0u);
    EXPECT_EQ(audited.report["counts"]["reservations"]["reserved"], 1);
    EXPECT_EQ(audited.report["counts"]["reservations"]["cancelled"], 1);
    EXPECT_EQ(audited.report["counts"]["reservations"]["rejected"], 1);
    EXPECT_EQ(audited.report["counts"]["seatHolds"], 2);
    EXPECT_EQ(cinema.stop(), 0);
    for (const auto& copy : copies)
      std::filesystem::copy(base_ / "live", base_ / copy, std::filesystem::copy_options::recursive);
  }

  // `cinema audit --json` of a copy, on the embedded settings: the copy has no bus of its own.
  CommandResult audit_copy(const std::string& copy, const std::string& flags = "--json") {
    return run_command(std::string(CINEMA_BINARY) + " audit --data '" + (base_ / copy).string() + "' " + flags +
                       " 2>/dev/null");
  }

  void tamper(const std::string& copy, const std::string& file, const std::string& sql) {
    auto db = store::open_sqlite((base_ / copy / file).string());
    db->execute_script(sql);
  }

  static bool has_finding(const json& report, const std::string& check, std::int64_t rsv_id) {
    for (const auto& f : report["findings"])
      if (f["check"] == check && f.value("rsvId", std::int64_t{0}) == rsv_id && f["severity"] == "error") return true;
    return false;
  }

  std::filesystem::path base_;
  std::int64_t screening_ = 0;
  std::int64_t cancelled_ = 0;
};

TEST_F(AuditTest, CleanAfterAFlowAndNamesTheFindingOnTamperedCopies) {
  run_flow_then_copy_data({"untouched", "extra-hold", "orphan-payment", "second-spelling"});
  if (HasFatalFailure()) return;

  auto untouched = audit_copy("untouched");
  EXPECT_EQ(untouched.exit_code, 0) << untouched.output;

  // A seat held by a reservation that does not exist (the foreign key had to be turned off).
  tamper("extra-hold", "reservation.db",
         "PRAGMA foreign_keys=OFF; INSERT INTO seat_holds (screening_id, seat, rsv_id) VALUES (" +
             std::to_string(screening_) + ", 'C4', 999)");
  auto extra_hold = audit_copy("extra-hold");
  EXPECT_EQ(extra_hold.exit_code, 1) << extra_hold.output;
  auto report = json::parse(extra_hold.output, nullptr, false);
  ASSERT_TRUE(report.is_object()) << extra_hold.output;
  EXPECT_EQ(report["clean"], false);
  EXPECT_TRUE(has_finding(report, "seat_hold_orphan", 999)) << report.dump(2);

  // The cancelled reservation's payment now belongs to a reservation that does not exist.
  tamper("orphan-payment", "payment.db",
         "UPDATE payments SET rsv_id = 999 WHERE rsv_id = " + std::to_string(cancelled_));
  auto orphan = audit_copy("orphan-payment");
  EXPECT_EQ(orphan.exit_code, 1) << orphan.output;
  EXPECT_TRUE(has_finding(json::parse(orphan.output, nullptr, false), "payment_orphan", 999)) << orphan.output;

  // Seat A1 sold a second time as "A01" to the cancelled reservation brought back to life.
  tamper("second-spelling", "reservation.db",
         "UPDATE reservations SET status = 'reserved', seats = '[\"A01\"]' WHERE rsv_id = " +
             std::to_string(cancelled_) + "; INSERT INTO seat_holds (screening_id, seat, rsv_id) VALUES (" +
             std::to_string(screening_) + ", 'A01', " + std::to_string(cancelled_) + ")");
  auto spelled = audit_copy("second-spelling", "");
  EXPECT_EQ(spelled.exit_code, 1) << spelled.output;
  EXPECT_NE(spelled.output.find("NOT CLEAN"), std::string::npos) << spelled.output;
  EXPECT_NE(spelled.output.find("seat_double_booked"), std::string::npos) << spelled.output;
  EXPECT_NE(spelled.output.find("seat_name_not_canonical"), std::string::npos) << spelled.output;
}

// The fixture's own audit: stop() fails the test whose system it finds inconsistent, unless the
// test opted out.
TEST_F(AuditTest, StoppingAnInconsistentSystemFailsTheTestUnlessItOptedOut) {
  for (bool opted_out : {false, true}) {
    auto dir = base_ / (opted_out ? "opted-out" : "audited");
    CinemaProcess cinema(dir);
    // A hold of a reservation that never existed, written behind reservation's back.
    auto db = store::open_sqlite((dir / "reservation.db").string());
    db->execute_script("PRAGMA foreign_keys=OFF; INSERT INTO seat_holds (screening_id, seat, rsv_id) VALUES (1, 'A1', 777)");
    db.reset();
    if (opted_out) {
      cinema.skip_audit("this test breaks the data on purpose");
      EXPECT_EQ(cinema.stop(), 0);
    } else {
      EXPECT_NONFATAL_FAILURE(cinema.stop(), "seat_hold_orphan");
    }
  }
}

TEST(CinemaAudit, UsageErrorsExitWithTwo) {
  auto missing = run_command(std::string(CINEMA_BINARY) + " audit --data /nonexistent/cinema-data");
  EXPECT_EQ(missing.exit_code, 2) << missing.output;
  EXPECT_EQ(run_command(std::string(CINEMA_BINARY) + " audit --wait soon").exit_code, 2);
  EXPECT_EQ(run_command(std::string(CINEMA_BINARY) + " audit --wait").exit_code, 2);
  EXPECT_EQ(run_command(std::string(CINEMA_BINARY) + " audit --data /tmp stray").exit_code, 2);
}

}  // namespace
}  // namespace cinema::testing
