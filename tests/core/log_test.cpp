// Unit tier: the logger's rotation and full-disk behaviour, the sampler, and which answers the
// request pipeline logs at which level.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "core/http/pipeline.hpp"
#include "core/http/router.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "core/temp_file.hpp"

namespace cinema {
namespace {
namespace fs = std::filesystem;

class LogDir : public ::testing::Test {
 protected:
  [[nodiscard]] std::string path(const std::string& name = "svc.log") const { return (dir_ / name).string(); }
  static std::string read(const fs::path& file) {
    std::ifstream in(file);
    return {std::istreambuf_iterator<char>(in), {}};
  }
  static std::size_t count(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
  }
  test_support::TestDirectory directory_{"cinema-log"};
  const fs::path& dir_ = directory_.path();
};

TEST_F(LogDir, AFileRotatesPastItsSizeAndKeepsAtMostMaxFiles) {
  {
    Logger log("svc", LogOptions{.min_level = LogLevel::info, .path = path(), .max_file_bytes = 1000, .max_files = 2});
    for (int i = 0; i < 200; ++i) log.info("line", {{"n", std::int64_t{i}}});
  }
  EXPECT_TRUE(fs::exists(path("svc.log")));
  EXPECT_TRUE(fs::exists(path("svc.log.1")));
  EXPECT_TRUE(fs::exists(path("svc.log.2")));
  EXPECT_FALSE(fs::exists(path("svc.log.3"))) << "the oldest beyond max_files is deleted";
  for (const auto* name : {"svc.log", "svc.log.1", "svc.log.2"}) EXPECT_LE(fs::file_size(path(name)), 1000u) << name;
  EXPECT_NE(read(path("svc.log")).find("\"n\":199"), std::string::npos) << "the newest line is in the current file";
  auto previous = read(path("svc.log.1"));
  EXPECT_EQ(previous.back(), '\n') << "files end at a whole line";
}

TEST_F(LogDir, WithoutASizeLimitTheFileIsNeverRotated) {
  {
    Logger log("svc", LogOptions{.path = path(), .max_file_bytes = 0, .max_files = 2});
    for (int i = 0; i < 200; ++i) log.info("line");
  }
  EXPECT_FALSE(fs::exists(path("svc.log.1")));
  EXPECT_EQ(count(read(path()), "\"msg\":\"line\""), 200u);
}

// `cinema up` points a child's standard error at its log file, so a crash report (a sanitizer's,
// std::terminate's) lands next to the last lines logged: it must follow the file when it rotates.
TEST_F(LogDir, StandardErrorFollowsTheLogFileWhenItRotates) {
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    int fd = ::open(path().c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    ::dup2(fd, STDERR_FILENO);
    ::close(fd);
    {
      Logger log("svc", LogOptions{.path = path(), .max_file_bytes = 500, .max_files = 1});
      for (int i = 0; i < 20; ++i) log.info("line");
      const char crash[] = "CRASH REPORT\n";
      if (::write(STDERR_FILENO, crash, sizeof crash - 1) < 0) ::_exit(2);
    }
    ::_exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_TRUE(fs::exists(path("svc.log.1"))) << "it rotated";
  EXPECT_NE(read(path()).find("CRASH REPORT"), std::string::npos) << "in the current file: " << read(path());
}

TEST(Logger, ALineThatCannotBeWrittenIsDroppedAndCounted) {
  // /dev/full answers every write with ENOSPC, as a full disk does. (Never rotated: renaming a
  // device node is not what this test is for.)
  Logger log("svc", LogOptions{.path = "/dev/full", .max_file_bytes = 0});
  for (int i = 0; i < 3; ++i) log.error("lost");
  EXPECT_EQ(log.dropped(), 3u);
}

TEST(LogSampler, LetsOneLineAPeriodThroughPerKindWithTheCountItStandsFor) {
  LogSampler sampler(std::chrono::seconds(10));
  auto t0 = LogSampler::Clock::time_point{} + std::chrono::hours(1);
  EXPECT_EQ(sampler.admit(409, t0), 1) << "the first one passes";
  EXPECT_EQ(sampler.admit(404, t0), 1) << "each kind on its own";
  for (int i = 0; i < 99; ++i) EXPECT_EQ(sampler.admit(409, t0 + std::chrono::seconds(1)), 0);
  EXPECT_EQ(sampler.admit(409, t0 + std::chrono::seconds(10)), 100) << "the 99 held back and itself";
  EXPECT_EQ(sampler.admit(409, t0 + std::chrono::seconds(11)), 0);
}

class RequestLog : public LogDir {
 protected:
  // Answers `count` requests of GET /status/<code> through a pipeline logging at `level`; returns the log.
  std::string answer(LogLevel level, int code, int count) {
    http::Router router;
    router.add_sync("GET", "/status/{code}", security::Access::open, [](http::Request& r) {
      auto response = http::Response::json(std::stoi(std::string(r.path_param("code"))), "{}");
      if (response.status == 503) response.headers.set("Retry-After", "1");
      return response;
    });
    Logger log("svc", LogOptions{.min_level = level, .path = path()});
    MetricsRegistry metrics;
    http::Pipeline pipeline(router, log, metrics);
    boost::asio::io_context io;
    for (int i = 0; i < count; ++i) {
      http::Request request;
      request.method = "GET";
      request.target = "/status/" + std::to_string(code);
      auto done = boost::asio::co_spawn(io, pipeline.handle(request), boost::asio::use_future);
      io.restart();
      io.run();
      EXPECT_EQ(done.get().status, code);
    }
    return read(path());
  }
};

TEST_F(RequestLog, ARefusalByDesignIsOneSampledLineAtInfo) {
  auto text = answer(LogLevel::info, 409, 500);
  EXPECT_EQ(count(text, "\"status\":409"), 1u) << text;
  EXPECT_NE(text.find("\"level\":\"info\""), std::string::npos) << text;
  EXPECT_NE(text.find("\"sampled\":1"), std::string::npos) << text;
}

TEST_F(RequestLog, EachRefusalIsADebugLineWhenDebugIsOn) {
  EXPECT_EQ(count(answer(LogLevel::debug, 402, 50), "\"status\":402"), 50u);
}

TEST_F(RequestLog, A503WithRetryAfterIsSampledAtWarn) {
  auto text = answer(LogLevel::info, 503, 100);
  EXPECT_EQ(count(text, "\"status\":503"), 1u) << text;
  EXPECT_NE(text.find("\"level\":\"warn\""), std::string::npos) << text;
}

TEST_F(RequestLog, UnexpectedAnswersAreLoggedEachTime) {
  EXPECT_EQ(count(answer(LogLevel::info, 400, 20), "\"status\":400"), 20u) << "a malformed request: info";
  fs::remove(path());
  auto errors = answer(LogLevel::info, 500, 20);
  EXPECT_EQ(count(errors, "\"status\":500"), 20u);
  EXPECT_EQ(count(errors, "\"level\":\"error\""), 20u);
}

}  // namespace
}  // namespace cinema
