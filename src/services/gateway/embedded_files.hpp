#pragma once
// Files compiled into the binary (cmake/embed_files.cmake writes the table at build time from
// web/ui/ and docs/openapi.json), so the one binary serves its UI and contract with nothing beside it.
#include <span>
#include <string_view>

namespace cinema::gateway {

struct EmbeddedFile {
  std::string_view path;     // as served: "/ui/index.html", "/openapi.json"
  std::string_view content;
};

std::span<const EmbeddedFile> embedded_files();

}  // namespace cinema::gateway
