// System tier (issue 15, "Disk is a resource too"): consumed events leave the embedded log for the
// archive and a replay still rebuilds the view page from them; with the data directory on a full
// file system, writes are refused with 503 + Retry-After, reads go on, and once space returns the
// system recovers by itself and audits clean.
#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cinema_process.hpp"
#include "core/time.hpp"

namespace cinema::testing {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

fs::path fresh_dir(const std::string& name) {
  auto dir = fs::temp_directory_path() / (name + "-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

json body_of(const http::Response& response) { return json::parse(response.body, nullptr, false); }

// A movie with one screening of rows x cols seats a day from now; returns {movieId, screeningId}.
std::pair<std::int64_t, std::int64_t> movie_with_screening(const std::string& gateway, int rows, int cols) {
  auto movie = body_of(send(gateway, "POST", "/movies", R"({"desc":"disk"})"))["movieId"].get<std::int64_t>();
  json screening{{"startsAt", iso_utc(std::chrono::system_clock::now() + std::chrono::hours(24))},
                 {"hall", "3"}, {"rows", rows}, {"cols", cols}, {"price", 1000}};
  auto made = send(gateway, "POST", "/movies/" + std::to_string(movie) + "/screenings", screening.dump());
  EXPECT_EQ(made.status, 201) << made.body;
  auto id = body_of(made)["screeningId"].get<std::int64_t>();
  EXPECT_TRUE(reservation_knows_screening(gateway, id));
  return {movie, id};
}

http::Response reserve(const std::string& gateway, std::int64_t screening, const std::string& seat,
                       const std::string& customer, const std::string& card = {}) {
  json request{{"screeningId", screening}, {"seats", {seat}}, {"customerId", customer}};
  if (!card.empty()) request["cardNumber"] = card;
  return send(gateway, "POST", "/reservations", request.dump());
}

std::string seat_name(int n, int cols) { return std::string(1, static_cast<char>('A' + n / cols)) + std::to_string(n % cols + 1); }

TEST(EventArchive, AReplayRebuildsTheViewPageFromTheArchiveAndTheLog) {
  auto dir = fresh_dir("cinema-archive");
  // In the environment, which `cinema up` hands to every service (a config file would be refused
  // by the gateway, which has no event settings).
  struct ArchiveAfterOneSecond {
    ArchiveAfterOneSecond() { ::setenv("EVENT_ARCHIVE_AFTER_SECONDS", "1", 1); }
    ~ArchiveAfterOneSecond() { ::unsetenv("EVENT_ARCHIVE_AFTER_SECONDS"); }
  };
  {
    std::optional<ArchiveAfterOneSecond> setting(std::in_place);
    CinemaProcess cinema(dir);
    setting.reset();  // the other tests of this process run with the default
    auto gateway = cinema.gateway();
    auto [movie, screening] = movie_with_screening(gateway, 10, 10);
    ASSERT_EQ(reserve(gateway, screening, "A1", "arc-kim").status, 201);
    ASSERT_EQ(reserve(gateway, screening, "A2", "arc-lee", "4000000000000002").status, 402);
    // A second later, the next publish moves what every group committed into the archive.
    auto archive = dir / "bus" / "archive" / "cinema";
    int seat = 2;
    ASSERT_TRUE(eventually(
        [&] {
          reserve(gateway, screening, seat_name(seat, 10), "arc-" + std::to_string(seat));
          ++seat;
          std::this_thread::sleep_for(std::chrono::milliseconds(200));
          return fs::exists(archive) && !fs::is_empty(archive);
        },
        std::chrono::seconds(20)))
        << "no segment in " << archive;

    const std::vector<std::string> queries{"/movieViews/" + std::to_string(movie), "/reservationViews?customerId=arc-kim",
                                           "/reservationViews?customerId=arc-lee"};
    auto answers = [&] {
      std::vector<std::string> bodies;
      for (const auto& query : queries) bodies.push_back(send(gateway, "GET", query).body);
      return bodies;
    };
    auto settled = [&] {
      auto lag = body_of(send(gateway, "GET", "/viewpage/lag"));
      return lag["lagEvents"] == 0 && !lag["replaying"].get<bool>();
    };
    std::vector<std::string> live;
    ASSERT_TRUE(eventually([&] {
      if (!settled()) return false;
      live = answers();
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      return settled() && answers() == live;
    }));
    ASSERT_NE(live[1], "[]") << "arc-kim has a reservation in the view";

    auto applied = [&] {
      return counter_value(send(cinema.service(kViewpage), "GET", "/metrics").body,
                           R"(events_consumed_total{group="viewpage"})");
    };
    auto applied_before = applied();
    ASSERT_GT(applied_before, 5);
    ASSERT_EQ(send(gateway, "POST", "/viewpage/replay").status, 202);
    EXPECT_TRUE(eventually([&] { return applied() - applied_before >= applied_before && settled(); },
                           std::chrono::seconds(20)))
        << "every event was applied again, the archived ones too";
    EXPECT_EQ(answers(), live) << "the view rebuilt from archive and log answers as before";
  }
  fs::remove_all(dir);
}

// A tmpfs mounted on `dir` for the test's life (we run as root in CI); unmounted when it goes.
class SmallDisk {
 public:
  SmallDisk(fs::path dir, int megabytes) : dir_(std::move(dir)) {
    auto options = "size=" + std::to_string(megabytes) + "m";
    if (::mount("tmpfs", dir_.c_str(), "tmpfs", 0, options.c_str()) == 0)
      mounted_ = true;
    else
      why_not_ = std::string("mounting a tmpfs is not permitted here: ") + std::strerror(errno);
  }
  ~SmallDisk() {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
  }
  SmallDisk(const SmallDisk&) = delete;
  SmallDisk& operator=(const SmallDisk&) = delete;
  [[nodiscard]] bool mounted() const { return mounted_; }
  [[nodiscard]] const std::string& why_not() const { return why_not_; }

  // Writes a file until the file system refuses (ENOSPC); returns its size.
  std::uintmax_t fill(const fs::path& file) {
    int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    std::vector<char> block(1 << 20, 'x');
    for (std::size_t size = block.size(); size >= 512; size /= 4)
      while (::write(fd, block.data(), size) == static_cast<ssize_t>(size)) {
      }
    ::close(fd);
    return fs::file_size(file);
  }

 private:
  fs::path dir_;
  bool mounted_ = false;
  std::string why_not_;
};

TEST(DiskFull, WritesAre503WithRetryAfterThenTheSystemRecoversByItselfWhenSpaceReturns) {
  auto dir = fresh_dir("cinema-diskfull");
  {
    SmallDisk disk(dir, 96);
    if (!disk.mounted()) GTEST_SKIP() << disk.why_not();
    CinemaProcess cinema(dir);
    auto gateway = cinema.gateway();
    constexpr int kCols = 20;
    auto [movie, screening] = movie_with_screening(gateway, 20, kCols);
    int seat = 0;
    ASSERT_EQ(reserve(gateway, screening, seat_name(seat++, kCols), "disk-0").status, 201);

    auto filler = dir / "filler";
    std::cout << "filler: " << disk.fill(filler) / (1 << 20) << " MB\n";
    // The stores' write-ahead logs have some room left from before: writes fail once one must grow.
    int refused_in_a_row = 0, storage_full = 0;
    std::map<int, int> statuses;
    auto deadline = Clock::now() + std::chrono::seconds(15);
    while (refused_in_a_row < 5 && Clock::now() < deadline) {
      auto answer = reserve(gateway, screening, seat_name(seat, kCols), "disk-" + std::to_string(seat));
      ++seat;
      ++statuses[answer.status];
      if (answer.status != 503) {
        EXPECT_EQ(answer.status, 201) << answer.body;
        refused_in_a_row = 0;
        continue;
      }
      ++refused_in_a_row;
      EXPECT_TRUE(answer.headers.get("Retry-After").has_value()) << answer.body;
      auto error = body_of(answer);
      ASSERT_TRUE(error.is_object()) << answer.body;
      storage_full += error.value("error", "") == "storage_full";
    }
    for (const auto& [status, count] : statuses) std::cout << "while full: " << count << " x " << status << "\n";
    EXPECT_EQ(refused_in_a_row, 5) << "writes are refused on a full disk";
    EXPECT_GT(storage_full, 0) << "and say why";
    auto read = send(gateway, "GET", "/movies/" + std::to_string(movie));
    EXPECT_EQ(read.status, 200) << "reads go on: " << read.body;
    EXPECT_EQ(send(gateway, "GET", "/actuator/health").status, 200);

    auto recovers = [&] {
      fs::remove(filler);
      auto freed = Clock::now();
      http::Response again;
      EXPECT_TRUE(eventually(
          [&] {
            again = reserve(gateway, screening, seat_name(seat, kCols), "disk-" + std::to_string(seat));
            ++seat;
            return again.status == 201;
          },
          std::chrono::seconds(15)))
          << again.status << " " << again.body;
      std::cout << "reservations succeed again "
                << std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - freed).count()
                << " ms after space returned\n";
    };
    recovers();

    // Again with a little room left, so that a saga's first writes fit and the next ones do not
    // (the hold, then payment's charge, then the outcome, then the events).
    disk.fill(filler);
    fs::resize_file(filler, fs::file_size(filler) - (256 << 10));
    statuses.clear();
    for (int i = 0; i < 60; ++i) {
      auto answer = reserve(gateway, screening, seat_name(seat, kCols), "disk-" + std::to_string(seat));
      ++seat;
      ++statuses[answer.status];
      EXPECT_TRUE(answer.status == 201 || answer.status == 503) << answer.status << " " << answer.body;
      if (answer.status == 503) {
        EXPECT_TRUE(answer.headers.get("Retry-After").has_value()) << answer.body;
      }
    }
    for (const auto& [status, count] : statuses) std::cout << "nearly full: " << count << " x " << status << "\n";
    recovers();
    EXPECT_EQ(cinema.stop(), 0);  // audited clean first: nothing half-applied, every event applied
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace cinema::testing
