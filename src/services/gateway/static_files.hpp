#pragma once
// Serves the web UI (/ui/...) and the API contract (/openapi.json) from files embedded in the
// binary, plus /ui/config.json from the UI settings. Each file is prepared once at start: its
// Content-Type, a strong ETag, and a gzip copy when that is smaller. Answers carry
// `Cache-Control: no-cache` with the ETag: the UI is plain ES modules without content-hashed names
// (no build step), so a browser revalidates each file and gets 304 when it did not change.
#include <map>
#include <span>
#include <string>

#include "core/http/router.hpp"
#include "services/gateway/embedded_files.hpp"

namespace cinema::gateway {

class StaticFiles final {
 public:
  StaticFiles(std::span<const EmbeddedFile> files, std::string ui_config_json);
  void register_routes(http::Router& router);

 private:
  struct Prepared {
    std::string content_type;
    std::string etag;
    std::string body;
    std::string gzipped;  // empty: not worth compressing
  };
  void add(std::string path, std::string body);
  http::Response serve(const http::Request& request) const;
  static http::Response redirect(std::string location);

  std::map<std::string, Prepared, std::less<>> files_;
};

}  // namespace cinema::gateway
