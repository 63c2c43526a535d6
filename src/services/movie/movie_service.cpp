#include "services/movie/movie_service.hpp"

#include "contracts/payment_api.hpp"
#include "events/runtime.hpp"
#include "services/movie/audience_handler.hpp"
#include "services/movie/movie_policy.hpp"
#include "services/movie/movie_repository.hpp"
#include "services/movie/movies_handler.hpp"
#include "store/service_database.hpp"

namespace cinema::movie {

class MovieService {
 public:
  MovieService(ServiceContext& context, std::unique_ptr<store::Database> db)
      : db_(std::move(db)),
        events_(context, *db_),
        movies_(*db_),
        audience_(*db_),
        publisher_(events_),
        movies_handler_(*db_, movies_, audience_, publisher_, default_screening_settings(context.config)),
        audience_handler_(*db_, movies_, audience_, publisher_),
        policy_(movies_, audience_, publisher_) {}
  // The consumers' threads call the policy: they stop before any member is destroyed, also when
  // the service is torn down without a regular stop (start-up failed).
  ~MovieService() { events_.stop(); }

  void start(ServiceContext& context) {
    movies_handler_.register_routes(context.router);
    audience_handler_.register_routes(context.router);
    events_.consume("movie", [this](const events::Event& event) { policy_.apply(event); }, MoviePolicy::handles);
  }

 private:
  static DefaultScreening default_screening_settings(const Config& config) {
    return DefaultScreening{config.integer("movie.default_screening_rows"),
                            config.integer("movie.default_screening_cols"),
                            config.integer("movie.default_screening_price"),
                            std::chrono::hours(config.integer("movie.default_screening_delay_hours"))};
  }

  std::unique_ptr<store::Database> db_;
  events::EventRuntime events_;
  MovieRepository movies_;
  AudienceRepository audience_;
  MoviePublisher publisher_;
  MoviesHandler movies_handler_;
  AudienceHandler audience_handler_;
  MoviePolicy policy_;
};

SettingGroup movie_settings() {
  using T = SettingType;
  return SettingGroup{
      "movie",
      {{"movie.db_file", T::string, "movie.db", "SQLite file of the movie service, relative to data.dir unless absolute."},
       {"movie.default_screening_rows", T::integer, "10",
        "Seat rows of the screening every new movie gets (so the seed's movieId-only reservation works); 0: none.", 0,
        kMaxRows},
       {"movie.default_screening_cols", T::integer, "10", "Seats per row of that default screening.", 1, kMaxCols},
       {"movie.default_screening_price", T::integer, "10000", "Seat price of that default screening.", 0, contracts::kMaxPrice},
       {"movie.default_screening_delay_hours", T::integer, "24",
        "The default screening starts this long after registration, on the hour.", 0, 24 * 365}}};
}

std::shared_ptr<MovieService> make_movie_service(ServiceContext& context) {
  auto db = store::open_service_database(context, "movie.db_file", movie_migrations());
  auto service = std::make_shared<MovieService>(context, std::move(db));
  service->start(context);
  return service;
}

}  // namespace cinema::movie
