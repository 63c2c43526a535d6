// Unit tier: route matching (params, 405 with Allow, HEAD, prefixes) and the pipeline's use of it.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "core/http/pipeline.hpp"
#include "core/http/router.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "temp_file.hpp"

namespace cinema::http {
namespace {
namespace asio = boost::asio;

Request request(std::string method, std::string target) {
  Request r;
  r.method = std::move(method);
  r.target = std::move(target);
  r.path = std::string(split_target(r.target).first);  // what the pipeline does before matching
  return r;
}

Response run(const AsyncHandler& handler, Request& r) {
  asio::io_context io;
  auto result = asio::co_spawn(io, handler(r), asio::use_future);
  io.run();
  return result.get();
}

// Each route answers with its own name so a test can tell which one matched.
SyncHandler named(std::string name) {
  return [name = std::move(name)](Request&) { return Response{.status = 200, .headers = {}, .body = name}; };
}

AsyncHandler named_async(std::string name) {
  return [name = std::move(name)](Request&) -> Awaitable { co_return Response{.status = 200, .headers = {}, .body = name}; };
}

TEST(Router, PathParamsAreExtractedAndPercentDecoded) {
  Router router;
  router.add_sync("GET", "/movies/{movieId}/seats/{seat}", cinema::security::Access::open, named("seat"));
  auto r = request("GET", "/movies/42/seats/A%201%2F2");
  auto match = router.match(r);
  ASSERT_NE(match.handler, nullptr);
  EXPECT_EQ(match.route, "/movies/{movieId}/seats/{seat}");
  EXPECT_EQ(r.path_param("movieId"), "42");
  EXPECT_EQ(r.path_param("seat"), "A 1/2");
  EXPECT_EQ(r.path_param("other"), "");
  EXPECT_EQ(run(*match.handler, r).body, "seat");
}

TEST(Router, PlusInAPathParamIsALiteralPlus) {
  Router router;
  router.add_sync("GET", "/tags/{tag}", cinema::security::Access::open, named("tag"));
  auto r = request("GET", "/tags/c++");
  ASSERT_NE(router.match(r).handler, nullptr);
  EXPECT_EQ(r.path_param("tag"), "c++");
}

TEST(Router, LiteralSegmentsMatchOnlyThemselves) {
  Router router;
  router.add_sync("GET", "/movies/search", cinema::security::Access::open, named("search"));
  for (const char* path : {"/movies/searchx", "/movies/Search", "/movies", "/movies/search/more", "/search"}) {
    auto r = request("GET", path);
    auto match = router.match(r);
    EXPECT_EQ(match.handler, nullptr) << path;
    EXPECT_EQ(match.allowed, "") << path;
  }
  auto r = request("GET", "/movies/search");
  auto match = router.match(r);
  ASSERT_NE(match.handler, nullptr);
  EXPECT_EQ(run(*match.handler, r).body, "search");
}

TEST(Router, ParamNeedsANonEmptySegment) {
  Router router;
  router.add_sync("GET", "/movies/{id}", cinema::security::Access::open, named("movie"));
  auto r = request("GET", "/movies/");
  EXPECT_EQ(router.match(r).handler, nullptr);
  EXPECT_TRUE(r.path_params.empty());
}

TEST(Router, UnknownPathHasNoHandlerAndNothingAllowed) {
  Router router;
  router.add_sync("GET", "/movies/{id}", cinema::security::Access::open, named("movie"));
  router.add_sync("PUT", "/movies/{id}", cinema::security::Access::open, named("put"));
  auto r = request("GET", "/screenings/3");
  auto match = router.match(r);
  EXPECT_EQ(match.handler, nullptr);
  EXPECT_EQ(match.allowed, "");
  EXPECT_EQ(match.route, "");
  EXPECT_TRUE(r.path_params.empty());
}

TEST(Router, KnownPathWithWrongMethodListsAllowedMethods) {
  Router router;
  router.add_sync("GET", "/movies/{id}", cinema::security::Access::open, named("get"));
  router.add_sync("PUT", "/movies/{id}", cinema::security::Access::open, named("put"));
  router.add_sync("POST", "/movies", cinema::security::Access::open, named("post"));
  auto r = request("DELETE", "/movies/7");
  auto match = router.match(r);
  EXPECT_EQ(match.handler, nullptr);
  EXPECT_EQ(match.allowed, "GET, PUT");
  EXPECT_EQ(match.route, "/movies/{id}") << "405s are labelled with the pattern, not the raw path";
}

TEST(Router, MethodSelectsAmongRoutesOfOnePattern) {
  Router router;
  router.add_sync("GET", "/movies/{id}", cinema::security::Access::open, named("get"));
  router.add_sync("PUT", "/movies/{id}", cinema::security::Access::open, named("put"));
  auto r = request("PUT", "/movies/7");
  auto match = router.match(r);
  ASSERT_NE(match.handler, nullptr);
  EXPECT_EQ(run(*match.handler, r).body, "put");
}

TEST(Router, HeadMatchesGetRoutes) {
  Router router;
  router.add_sync("PUT", "/movies/{id}", cinema::security::Access::open, named("put"));
  router.add_sync("GET", "/movies/{id}", cinema::security::Access::open, named("get"));
  auto r = request("HEAD", "/movies/9");
  auto match = router.match(r);
  ASSERT_NE(match.handler, nullptr);
  EXPECT_EQ(run(*match.handler, r).body, "get");
  EXPECT_EQ(r.path_param("id"), "9");

  Router put_only;
  put_only.add_sync("PUT", "/movies/{id}", cinema::security::Access::open, named("put"));
  auto head = request("HEAD", "/movies/9");
  auto refused = put_only.match(head);
  EXPECT_EQ(refused.handler, nullptr) << "HEAD only borrows GET routes";
  EXPECT_EQ(refused.allowed, "PUT");
}

TEST(Router, PrefixRoutesMatchThePrefixAndBelowButNotLongerNames) {
  Router router;
  router.add_prefix("/movies", cinema::security::Access::open, named_async("prefix"));
  for (const char* path : {"/movies", "/movies/1", "/movies/1/reviews"}) {
    for (const char* method : {"GET", "POST", "DELETE"}) {
      auto r = request(method, path);
      auto match = router.match(r);
      ASSERT_NE(match.handler, nullptr) << method << " " << path;
      EXPECT_EQ(match.route, "/movies");
      EXPECT_EQ(run(*match.handler, r).body, "prefix");
    }
  }
  for (const char* path : {"/moviesX", "/movie", "/", "/other/movies"}) {
    auto r = request("GET", path);
    EXPECT_EQ(router.match(r).handler, nullptr) << path;
  }
}

TEST(Router, PrefixEndingInASlashMatchesPathsBelowIt) {
  Router router;
  router.add_prefix("/", cinema::security::Access::open, named_async("catch-all"));
  router.add_prefix("/api/", cinema::security::Access::open, named_async("api"));
  for (const char* path : {"/movies", "/movies/1"}) {
    auto r = request("GET", path);
    auto match = router.match(r);
    ASSERT_NE(match.handler, nullptr) << path;
    EXPECT_EQ(run(*match.handler, r).body, "catch-all") << path;
  }
  auto r = request("GET", "/api/movies");
  auto match = router.match(r);
  ASSERT_NE(match.handler, nullptr);
  EXPECT_EQ(run(*match.handler, r).body, "api");
}

TEST(Router, ExactRoutesWinOverPrefixRoutes) {
  Router router;
  router.add_prefix("/movies", cinema::security::Access::open, named_async("prefix"));  // registered first on purpose
  router.add_sync("GET", "/movies/{id}", cinema::security::Access::open, named("exact"));
  auto exact = request("GET", "/movies/1");
  auto match = router.match(exact);
  ASSERT_NE(match.handler, nullptr);
  EXPECT_EQ(run(*match.handler, exact).body, "exact");
  EXPECT_EQ(match.route, "/movies/{id}");

  auto below = request("GET", "/movies/1/reviews");
  auto prefix_match = router.match(below);
  ASSERT_NE(prefix_match.handler, nullptr);
  EXPECT_EQ(run(*prefix_match.handler, below).body, "prefix");
}

TEST(Router, QueryStringIsIgnoredForMatching) {
  Router router;
  router.add_sync("GET", "/movies/{id}", cinema::security::Access::open, named("movie"));
  auto r = request("GET", "/movies/5?verbose=1&x=/y");
  EXPECT_EQ(r.path, "/movies/5");
  auto match = router.match(r);
  ASSERT_NE(match.handler, nullptr);
  EXPECT_EQ(r.path_param("id"), "5");
}

TEST(Pipeline, SetsPathWithoutQueryBeforeRouting) {
  Router router;
  router.add_sync("GET", "/movies/{id}", cinema::security::Access::open, [](Request& r) {
    return Response{.status = 200, .headers = {}, .body = r.path + "|" + std::string(r.path_param("id"))};
  });
  test_support::TempFile log_file(".log");
  Logger log("router-test", LogLevel::warn, log_file.path());
  MetricsRegistry metrics;
  Pipeline pipeline(router, log, metrics);

  Request r;
  r.method = "GET";
  r.target = "/movies/5?verbose=1";  // path left empty: the pipeline fills it in
  asio::io_context io;
  auto result = asio::co_spawn(io, pipeline.handle(r), asio::use_future);
  io.run();
  auto response = result.get();
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "/movies/5|5");
}

}  // namespace
}  // namespace cinema::http
