#include "core/http/router.hpp"

#include "core/http/errors.hpp"
#include "core/http/off_loop.hpp"

namespace cinema::http {
namespace {
// Views into `path`: matching a request allocates one small vector, not a string per segment.
std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> segments;
  std::size_t start = 0;
  while (start < path.size()) {
    if (path[start] == '/') {
      ++start;
      continue;
    }
    auto end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    segments.push_back(path.substr(start, end - start));
    start = end;
  }
  return segments;
}

bool is_param(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

bool segments_match(const std::vector<std::string>& pattern, const std::vector<std::string_view>& path,
                    std::map<std::string, std::string, std::less<>>* params) {
  if (pattern.size() != path.size()) return false;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (is_param(pattern[i])) {
      if (params) (*params)[pattern[i].substr(1, pattern[i].size() - 2)] = percent_decode(path[i], false);
    } else if (pattern[i] != path[i]) {
      return false;
    }
  }
  return true;
}

bool has_prefix(std::string_view path, std::string_view prefix) {
  // "/movies" matches "/movies" and "/movies/1", never "/moviesX"; "/api/" matches all below it.
  if (!path.starts_with(prefix)) return false;
  return prefix.ends_with('/') || path.size() == prefix.size() || path[prefix.size()] == '/';
}
}  // namespace

void Router::add(std::string method, std::string pattern, Access access, AsyncHandler handler) {
  auto views = split_path(pattern);
  std::vector<std::string> segments(views.begin(), views.end());
  routes_.push_back(Route{std::move(method), std::move(pattern), std::move(segments), access, std::move(handler)});
}

void Router::add_sync(std::string method, std::string pattern, Access access, SyncHandler handler) {
  add(std::move(method), std::move(pattern), access, [this, handler = std::move(handler)](Request& request) -> Awaitable {
    if (!blocking_) co_return handler(request);
    co_return co_await run_off_loop(*blocking_, handler, request);
  });
}

void Router::add_prefix(std::string prefix, Access access, AsyncHandler handler) {
  prefixes_.push_back(PrefixRoute{std::move(prefix), access, std::move(handler)});
}

RouteMatch Router::match(Request& request) const {
  auto path_segments = split_path(request.path);
  RouteMatch result;
  for (const auto& route : routes_) {
    if (!segments_match(route.segments, path_segments, nullptr)) continue;
    if (route.method == request.method || (request.method == "HEAD" && route.method == "GET")) {
      segments_match(route.segments, path_segments, &request.path_params);
      result.handler = &route.handler;
      result.route = route.pattern;
      result.access = route.access;
      return result;
    }
    if (!result.allowed.empty()) result.allowed += ", ";
    result.allowed += route.method;
    result.route = route.pattern;
  }
  if (!result.allowed.empty()) return result;
  // The longest matching prefix wins, so "/api/" serves "/api/x" even with "/" registered too.
  const PrefixRoute* best = nullptr;
  for (const auto& prefix : prefixes_)
    if (has_prefix(request.path, prefix.prefix) && (!best || prefix.prefix.size() > best->prefix.size()))
      best = &prefix;
  if (best) {
    result.handler = &best->handler;
    result.route = best->prefix;
    result.access = best->access;
  }
  return result;
}

}  // namespace cinema::http
