// Unit tier: the plain HTTP values handlers see (headers, query parameters, target splitting).
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "core/http/message.hpp"

namespace cinema::http {
namespace {

std::vector<std::pair<std::string, std::string>> fields_of(const Headers& headers) {
  return {headers.begin(), headers.end()};
}

Request with_target(std::string target) {
  Request request;
  request.method = "GET";
  request.target = std::move(target);
  return request;
}

TEST(Headers, GetIsCaseInsensitiveAndReturnsTheFirstValue) {
  Headers headers;
  headers.add("Content-Type", "application/json");
  headers.add("X-Tag", "one");
  headers.add("x-tag", "two");
  EXPECT_EQ(headers.get("content-type"), "application/json");
  EXPECT_EQ(headers.get("CONTENT-TYPE"), "application/json");
  EXPECT_EQ(headers.get("X-TAG"), "one");
  EXPECT_FALSE(headers.get("Content-Length").has_value());
}

TEST(Headers, SetReplacesEveryValueWhateverItsCase) {
  Headers headers;
  headers.add("X-Tag", "one");
  headers.add("Accept", "*/*");
  headers.add("x-tag", "two");
  headers.set("X-TAG", "three");
  EXPECT_EQ(headers.get("x-tag"), "three");
  auto fields = fields_of(headers);
  ASSERT_EQ(fields.size(), 2u);
  EXPECT_EQ(fields[0], (std::pair<std::string, std::string>{"Accept", "*/*"}));
  EXPECT_EQ(fields[1], (std::pair<std::string, std::string>{"X-TAG", "three"}));
}

TEST(Headers, RemoveDropsEveryValueWhateverItsCaseAndKeepsTheOthers) {
  Headers headers;
  headers.add("X-Tag", "one");
  headers.add("Accept", "*/*");
  headers.add("X-TAG", "two");
  headers.remove("x-tag");
  EXPECT_FALSE(headers.get("X-Tag").has_value());
  EXPECT_EQ(headers.get("accept"), "*/*");
  EXPECT_EQ(fields_of(headers).size(), 1u);
  headers.remove("accept");
  EXPECT_TRUE(headers.empty());
}

TEST(Headers, AddKeepsReceivedOrder) {
  Headers headers;
  headers.add("B", "2");
  headers.add("A", "1");
  headers.add("C", "3");
  auto fields = fields_of(headers);
  ASSERT_EQ(fields.size(), 3u);
  EXPECT_EQ(fields[0].first, "B");
  EXPECT_EQ(fields[1].first, "A");
  EXPECT_EQ(fields[2].first, "C");
}

TEST(QueryParam, DecodesValuesAndTreatsAKeyWithoutValueAsEmpty) {
  auto request = with_target("/movies?a=1&b=x%20y&c");
  EXPECT_EQ(request.query_param("a"), "1");
  EXPECT_EQ(request.query_param("b"), "x y");
  EXPECT_EQ(request.query_param("c"), "");
}

TEST(QueryParam, MissingParameterIsNullopt) {
  EXPECT_FALSE(with_target("/movies?a=1&b=2").query_param("z").has_value());
  EXPECT_FALSE(with_target("/movies").query_param("a").has_value());
  EXPECT_FALSE(with_target("/movies?").query_param("a").has_value());
  EXPECT_FALSE(with_target("/movies?ab=1").query_param("a").has_value()) << "a prefix of a key is not the key";
}

TEST(QueryParam, DecodesPlusAsSpaceAndEncodedKeys) {
  auto request = with_target("/search?title=star+wars&sort%20by=year&q=a%26b%3Dc");
  EXPECT_EQ(request.query_param("title"), "star wars");
  EXPECT_EQ(request.query_param("sort by"), "year");
  EXPECT_EQ(request.query_param("q"), "a&b=c") << "encoded separators are data, not separators";
}

TEST(QueryParam, FirstOccurrenceWins) {
  EXPECT_EQ(with_target("/x?a=1&a=2").query_param("a"), "1");
}

TEST(SplitTarget, SeparatesPathAndQueryWithoutTheQuestionMark) {
  EXPECT_EQ(split_target("/a/b?x=1&y=2"), (std::pair<std::string_view, std::string_view>{"/a/b", "x=1&y=2"}));
  EXPECT_EQ(split_target("/a/b"), (std::pair<std::string_view, std::string_view>{"/a/b", ""}));
  EXPECT_EQ(split_target("/a?"), (std::pair<std::string_view, std::string_view>{"/a", ""}));
  EXPECT_EQ(split_target("/a?b?c"), (std::pair<std::string_view, std::string_view>{"/a", "b?c"}))
      << "only the first '?' separates";
}

TEST(PercentDecode, DecodesHexPairsAndKeepsMalformedEscapesLiteral) {
  EXPECT_EQ(percent_decode("a%20b%2Fc%2fd"), "a b/c/d");
  EXPECT_EQ(percent_decode("100%"), "100%");
  EXPECT_EQ(percent_decode("%4"), "%4");
  EXPECT_EQ(percent_decode("%zz1"), "%zz1");
  EXPECT_EQ(percent_decode("end%41"), "endA");
}

TEST(Response, JsonSetsStatusBodyAndContentType) {
  auto response = Response::json(201, R"({"id":1})");
  EXPECT_EQ(response.status, 201);
  EXPECT_EQ(response.body, R"({"id":1})");
  EXPECT_EQ(response.headers.get("content-type"), "application/json");
  auto empty = Response::empty(204);
  EXPECT_EQ(empty.status, 204);
  EXPECT_TRUE(empty.body.empty());
  EXPECT_TRUE(empty.headers.empty());
}

}  // namespace
}  // namespace cinema::http
