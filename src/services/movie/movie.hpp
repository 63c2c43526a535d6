#pragma once
// The movie aggregate and its rules, as plain values: no JSON, no SQL, no clock.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cinema::movie {

// Seed statuses; "soldOut" is ours, for a movie with no free seat left.
inline constexpr std::string_view kStatuses[] = {"available", "reserved", "soldOut"};
inline constexpr std::size_t kMaxTitleBytes = 200;
inline constexpr std::size_t kMaxDescBytes = 2000;

struct Movie {
  std::int64_t id = 0;
  std::string title;
  std::string desc;
  std::string status = "available";
  std::int64_t review_count = 0;
  std::string last_action = "register";  // seed: register, modify, reserved, cancelled, review
  std::int64_t version = 1;              // bumped on every change; events carry it
};

// What movie derives from its events about a movie: seats left over all screenings and reviews.
struct MovieStats {
  std::int64_t seats_left = 0;
  std::optional<double> rating;  // average of the reviews; none without reviews
};

// What a manager sends to register a movie or replace one (PUT).
struct MovieDraft {
  std::string title;
  std::string desc;
  std::string status = "available";
};

// A partial change (PATCH): only the fields present are changed.
struct MovieChanges {
  std::optional<std::string> title;
  std::optional<std::string> desc;
  std::optional<std::string> status;
};

// Each returns an empty string when the value is acceptable, otherwise why it is not.
std::string title_problem(std::string_view title);
std::string desc_problem(std::string_view desc);
std::string status_problem(std::string_view status);

Movie register_movie(const MovieDraft& draft);
Movie replace_movie(Movie current, const MovieDraft& draft);
Movie change_movie(Movie current, const MovieChanges& changes);

}  // namespace cinema::movie
