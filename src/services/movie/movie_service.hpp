#pragma once
// Wiring of the movie service: its settings and the one function that builds every part.
#include <memory>

#include "core/service_host.hpp"

namespace cinema::movie {

inline constexpr std::uint16_t kDefaultPort = 8081;

SettingGroup movie_settings();

// Owns the store, repository and handlers; routes are registered on context.router.
class MovieService;
std::shared_ptr<MovieService> make_movie_service(ServiceContext& context);

}  // namespace cinema::movie
