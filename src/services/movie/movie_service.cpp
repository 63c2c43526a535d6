#include "services/movie/movie_service.hpp"

#include <filesystem>

#include "events/runtime.hpp"
#include "services/movie/movie_repository.hpp"
#include "services/movie/movies_handler.hpp"
#include "store/database.hpp"

namespace cinema::movie {

class MovieService {
 public:
  MovieService(ServiceContext& context, std::unique_ptr<store::Database> db)
      : db_(std::move(db)), events_(context, *db_), movies_(*db_), handler_(*db_, movies_, events_) {}
  void register_routes(http::Router& router) { handler_.register_routes(router); }
  store::Database& db() { return *db_; }

 private:
  std::unique_ptr<store::Database> db_;
  events::EventRuntime events_;
  MovieRepository movies_;
  MoviesHandler handler_;
};

SettingGroup movie_settings() {
  return SettingGroup{"movie",
                      {{"movie.db_file", SettingType::string, "movie.db",
                        "SQLite file of the movie service, relative to data.dir unless absolute."}}};
}

std::shared_ptr<MovieService> make_movie_service(ServiceContext& context) {
  auto path = std::filesystem::path(context.data_dir) / context.config.text("movie.db_file");
  auto db = store::open_sqlite(path.string());
  store::migrate(*db, movie_migrations());
  auto service = std::make_shared<MovieService>(context, std::move(db));
  service->register_routes(context.router);
  context.actuator.add_readiness_check("db", [service]() -> std::string {
    try {
      service->db().query("SELECT 1");
      return {};
    } catch (const std::exception& e) {
      return e.what();
    }
  });
  context.log.info("movie store ready", {{"path", path.string()}});
  return service;
}

}  // namespace cinema::movie
