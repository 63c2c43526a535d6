#include "services/gateway/static_files.hpp"

#include <cstdio>

#include "core/http/compression.hpp"
#include "core/http/errors.hpp"

namespace cinema::gateway {
namespace {

std::string content_type_of(std::string_view path) {
  auto dot = path.rfind('.');
  auto extension = dot == std::string_view::npos ? std::string_view{} : path.substr(dot);
  if (extension == ".html") return "text/html; charset=utf-8";
  if (extension == ".js" || extension == ".mjs") return "text/javascript; charset=utf-8";
  if (extension == ".css") return "text/css; charset=utf-8";
  if (extension == ".json") return "application/json";
  if (extension == ".svg") return "image/svg+xml";
  if (extension == ".png") return "image/png";
  if (extension == ".ico") return "image/x-icon";
  return "application/octet-stream";
}

bool compressible(std::string_view content_type) {
  return content_type.starts_with("text/") || content_type == "application/json" || content_type == "image/svg+xml";
}

// FNV-1a 64: a fingerprint of the content, enough for a cache validator (not a security check).
std::string fingerprint(std::string_view data) {
  std::uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : data) hash = (hash ^ c) * 1099511628211ull;
  char text[24];
  std::snprintf(text, sizeof text, "\"%016llx\"", static_cast<unsigned long long>(hash));
  return text;
}

bool etag_matches(const http::Request& request, std::string_view etag) {
  auto header = request.headers.get("If-None-Match");
  if (!header) return false;
  return *header == "*" || header->find(etag) != std::string_view::npos;
}

}  // namespace

StaticFiles::StaticFiles(std::span<const EmbeddedFile> files, std::string ui_config_json) {
  for (const auto& file : files) add(std::string(file.path), std::string(file.content));
  add("/ui/config.json", std::move(ui_config_json));
}

void StaticFiles::add(std::string path, std::string body) {
  Prepared prepared{content_type_of(path), fingerprint(body), std::move(body), {}};
  if (compressible(prepared.content_type) && prepared.body.size() > 256) {
    auto gzipped = http::gzip(prepared.body);
    if (gzipped.size() < prepared.body.size()) prepared.gzipped = std::move(gzipped);
  }
  files_.emplace(std::move(path), std::move(prepared));
}

void StaticFiles::register_routes(http::Router& router) {
  auto serve = [this](http::Request& request) { return this->serve(request); };
  for (const char* method : {"GET", "HEAD"}) {
    router.add_sync(method, "/openapi.json", http::Access::open, serve);
    router.add_sync(method, "/", http::Access::open, [](http::Request&) { return redirect("/ui/"); });
  }
  // A prefix, not a route "/ui": the router's patterns ignore a trailing slash, so "/ui/" would match
  // it and redirect to itself.
  router.add_prefix("/ui", http::Access::open, [this](http::Request& request) -> http::Awaitable {
    if (request.path == "/ui") co_return redirect("/ui/");
    co_return this->serve(request);
  });
}

http::Response StaticFiles::serve(const http::Request& request) const {
  if (request.method != "GET" && request.method != "HEAD") {
    auto response = http::Response::json(405, http::error_body("method_not_allowed", "only GET and HEAD"));
    response.headers.set("Allow", "GET, HEAD");
    return response;
  }
  auto path = request.path == "/ui/" ? std::string_view("/ui/index.html") : std::string_view(request.path);
  auto found = files_.find(path);
  if (found == files_.end()) throw http::NotFound("no file " + request.path);
  const auto& file = found->second;

  bool gzipped = !file.gzipped.empty() && http::accepts_gzip(request);
  // Each encoding is its own representation, so it has its own strong validator.
  auto etag = gzipped ? file.etag.substr(0, file.etag.size() - 1) + "-gzip\"" : file.etag;
  http::Response response;
  response.headers.set("ETag", etag);
  response.headers.set("Cache-Control", "no-cache");
  response.headers.set("X-Content-Type-Options", "nosniff");
  if (!file.gzipped.empty()) response.headers.set("Vary", "Accept-Encoding");
  if (file.content_type.starts_with("text/html")) {
    // Scripts and styles only from this origin: no inline script can run, even if one got in.
    response.headers.set("Content-Security-Policy",
                         "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
                         "frame-ancestors 'none'");
    response.headers.set("Referrer-Policy", "no-referrer");
  }
  if (etag_matches(request, etag)) {
    response.status = 304;
    return response;
  }
  response.headers.set("Content-Type", file.content_type);
  if (gzipped) {
    response.headers.set("Content-Encoding", "gzip");
    response.body = file.gzipped;
  } else {
    response.body = file.body;
  }
  return response;
}

http::Response StaticFiles::redirect(std::string location) {
  auto response = http::Response::empty(302);
  response.headers.set("Location", std::move(location));
  return response;
}

}  // namespace cinema::gateway
