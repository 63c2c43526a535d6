#include "services/movie/movie.hpp"

#include <algorithm>

namespace cinema::movie {
namespace {
bool is_blank(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isspace(c); });
}
}  // namespace

std::string title_problem(std::string_view title) {
  if (title.size() > kMaxTitleBytes) return "must be at most " + std::to_string(kMaxTitleBytes) + " bytes";
  return {};
}

std::string desc_problem(std::string_view desc) {
  if (is_blank(desc)) return "must not be empty";
  if (desc.size() > kMaxDescBytes) return "must be at most " + std::to_string(kMaxDescBytes) + " bytes";
  return {};
}

std::string status_problem(std::string_view status) {
  if (std::find(std::begin(kStatuses), std::end(kStatuses), status) != std::end(kStatuses)) return {};
  return "must be one of available, reserved, soldOut";
}

Movie register_movie(const MovieDraft& draft) {
  Movie movie;
  movie.title = draft.title;
  movie.desc = draft.desc;
  movie.status = draft.status;
  return movie;
}

Movie replace_movie(Movie current, const MovieDraft& draft) {
  current.title = draft.title;
  current.desc = draft.desc;
  current.status = draft.status;
  current.last_action = "modify";
  ++current.version;
  return current;
}

Movie change_movie(Movie current, const MovieChanges& changes) {
  if (changes.title) current.title = *changes.title;
  if (changes.desc) current.desc = *changes.desc;
  if (changes.status) current.status = *changes.status;
  current.last_action = "modify";
  ++current.version;
  return current;
}

}  // namespace cinema::movie
