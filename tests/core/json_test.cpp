// Unit tier: typed JSON at the edges; every bad input is a BadRequest naming the field.
#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "core/http/errors.hpp"
#include "core/json.hpp"

namespace cinema::json {
namespace {

// Runs `action`, expects a BadRequest and returns it for inspection.
template <class Action>
http::BadRequest bad_request_from(Action action) {
  try {
    action();
  } catch (const http::BadRequest& e) {
    return e;
  }
  ADD_FAILURE() << "expected BadRequest";
  return http::BadRequest("<none>", "<none>");
}

TEST(ParseObject, AcceptsAnObject) {
  auto value = parse_object(R"({"movieId": 7, "title": "Up"})");
  EXPECT_EQ(value["movieId"], 7);
  EXPECT_EQ(value["title"], "Up");
}

TEST(ParseObject, RejectsEmptyBody) {
  auto e = bad_request_from([] { parse_object(""); });
  EXPECT_EQ(e.status(), 400);
  EXPECT_EQ(e.code(), "bad_request");
  EXPECT_NE(std::string(e.what()).find("empty"), std::string::npos) << e.what();
}

TEST(ParseObject, RejectsMalformedJson) {
  for (const char* body : {"{", "{\"a\":}", "{} trailing", "not json", "   "}) {
    auto e = bad_request_from([&] { parse_object(body); });
    EXPECT_EQ(e.status(), 400) << body;
  }
}

TEST(ParseObject, RejectsArraysAndScalars) {
  for (const char* body : {"[]", R"([{"a":1}])", "42", "\"text\"", "null", "true"}) {
    auto e = bad_request_from([&] { parse_object(body); });
    EXPECT_EQ(e.status(), 400) << body;
    EXPECT_NE(std::string(e.what()).find("object"), std::string::npos) << body << ": " << e.what();
  }
}

TEST(OptionalId, AcceptsIntegersAndDigitStrings) {
  auto object = parse_object(R"({"a": 7, "b": "7", "c": 9007199254740993})");
  EXPECT_EQ(optional_id(object, "a"), 7);
  EXPECT_EQ(optional_id(object, "b"), 7);
  EXPECT_EQ(optional_id(object, "c"), 9007199254740993);
}

TEST(OptionalId, AbsentOrNullIsNullopt) {
  auto object = parse_object(R"({"a": null})");
  EXPECT_FALSE(optional_id(object, "a").has_value());
  EXPECT_FALSE(optional_id(object, "missing").has_value());
}

TEST(OptionalId, RejectsNonIdsNamingTheField) {
  for (const char* value : {R"("abc")", "0", "-1", "1.5", "true", R"("0")", R"("-3")", R"(" 7")", R"("7x")", R"("")",
                            "[7]", R"({"id":7})", "18446744073709551615"}) {
    auto object = parse_object(std::string(R"({"screeningId": )") + value + "}");
    auto e = bad_request_from([&] { optional_id(object, "screeningId"); });
    EXPECT_EQ(e.field(), "screeningId") << value;
    EXPECT_EQ(e.status(), 400) << value;
    EXPECT_NE(std::string(e.what()).find("screeningId"), std::string::npos) << e.what();
  }
}

TEST(RequireId, MissingFieldIsBadRequestNamingIt) {
  auto object = parse_object(R"({"other": 1})");
  EXPECT_EQ(bad_request_from([&] { require_id(object, "movieId"); }).field(), "movieId");
  EXPECT_EQ(require_id(parse_object(R"({"movieId": "12"})"), "movieId"), 12);
}

TEST(OptionalString, ReturnsStringsAndRejectsOtherTypesNamingTheField) {
  auto object = parse_object(R"({"title": "Up", "year": 2009, "flag": true, "list": ["a"], "none": null})");
  EXPECT_EQ(optional_string(object, "title"), "Up");
  EXPECT_FALSE(optional_string(object, "none").has_value());
  EXPECT_FALSE(optional_string(object, "missing").has_value());
  for (const char* field : {"year", "flag", "list"}) {
    auto e = bad_request_from([&] { optional_string(object, field); });
    EXPECT_EQ(e.field(), field);
    EXPECT_NE(std::string(e.what()).find(field), std::string::npos) << e.what();
  }
}

TEST(RequireString, MissingFieldIsBadRequestNamingIt) {
  auto e = bad_request_from([] { require_string(parse_object("{}"), "title"); });
  EXPECT_EQ(e.field(), "title");
}

TEST(OptionalInteger, AcceptsNegativeIntegersAndRejectsOthers) {
  auto object = parse_object(R"({"delta": -3, "f": 1.5, "s": "3"})");
  EXPECT_EQ(optional_integer(object, "delta"), -3);
  EXPECT_EQ(bad_request_from([&] { optional_integer(object, "f"); }).field(), "f");
  EXPECT_EQ(bad_request_from([&] { optional_integer(object, "s"); }).field(), "s");
}

TEST(OptionalInteger, RejectsUnsignedValuesBeyondInt64InsteadOfWrapping) {
  auto object = parse_object(R"({"amount": 18446744073709551615})");
  std::optional<std::int64_t> value;
  auto e = bad_request_from([&] { value = optional_integer(object, "amount"); });
  EXPECT_EQ(e.field(), "amount") << "got value " << value.value_or(0);
}

TEST(RejectUnknownFields, NamesTheUnknownField) {
  auto object = parse_object(R"({"movieId": 1, "titel": "typo"})");
  auto e = bad_request_from([&] { reject_unknown_fields(object, {"movieId", "title"}); });
  EXPECT_EQ(e.field(), "titel");
  EXPECT_NE(std::string(e.what()).find("titel"), std::string::npos);
  EXPECT_NO_THROW(reject_unknown_fields(parse_object(R"({"movieId": 1})"), {"movieId", "title"}));
  EXPECT_NO_THROW(reject_unknown_fields(parse_object("{}"), {}));
}

TEST(ParseId, AcceptsPositiveDigits) {
  EXPECT_EQ(parse_id("42", "id"), 42);
  EXPECT_EQ(parse_id("1", "id"), 1);
  EXPECT_EQ(parse_id("9223372036854775807", "id"), INT64_MAX);
}

TEST(ParseId, RejectsAnythingElseNamingTheParameter) {
  for (const char* text : {"", "0", "-1", "+1", "abc", "4 2", "42x", "1.0", "9223372036854775808"}) {
    auto e = bad_request_from([&] { parse_id(text, "movieId"); });
    EXPECT_EQ(e.field(), "movieId") << text;
    EXPECT_NE(std::string(e.what()).find("movieId"), std::string::npos) << e.what();
  }
}

TEST(Dump, ReplacesInvalidUtf8InsteadOfThrowing) {
  Json value{{"name", std::string("bad \xff byte")}};
  std::string out;
  EXPECT_NO_THROW(out = dump(value));
  EXPECT_NE(out.find("name"), std::string::npos);
}

}  // namespace
}  // namespace cinema::json
