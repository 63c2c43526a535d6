#include "services/reservation/reservation_service.hpp"

#include <boost/asio/co_spawn.hpp>

#include "core/security/guard.hpp"
#include "events/runtime.hpp"
#include "services/reservation/reservation_policy.hpp"
#include "services/reservation/reservation_recovery.hpp"
#include "services/reservation/reservations_handler.hpp"
#include "services/reservation/seat_map_handler.hpp"
#include "store/service_database.hpp"

namespace cinema::reservation {

class ReservationService {
 public:
  ReservationService(ServiceContext& context, std::unique_ptr<store::Database> db)
      : db_(std::move(db)),
        events_(context, *db_),
        reservations_(*db_),
        saga_(*db_, reservations_, events_, saga_rules(context.config)),
        breaker_(breaker_options(context.config)),
        payments_(context.io,
                  PaymentClientOptions{
                      context.config.text("reservation.payment_upstream"),
                      std::chrono::milliseconds(context.config.integer("reservation.payment_timeout_ms")),
                      static_cast<std::size_t>(context.config.integer("reservation.max_in_flight")),
                      http::outlier_options(context.config)},
                  breaker_, context.security.credential, context.metrics),
        commits_(*db_, context.io.get_executor(), [this] { events_.group_committed(); }),
        // Past the limit, POST /reservations is 503 at once instead of queueing (docs/RESILIENCE.md).
        admission_(http::make_admission_gate(
            context.config, "reservation.admission", context.metrics, "POST /reservations",
            "reservations are at capacity right now; nothing was reserved, retry in a moment", admission_outcome)),
        handler_(reservations_, saga_, commits_, payments_, admission_.get()),
        seat_maps_(reservations_),
        policy_(reservations_, saga_),
        recovery_(reservations_, saga_, payments_, context.log,
                  std::chrono::milliseconds(context.config.integer("reservation.settle_after_ms")), db_->blocking()) {}
  // The consumers' threads call the policy and the saga: they stop before any member is destroyed,
  // also when the service is torn down without a regular stop (start-up failed).
  ~ReservationService() {
    stopped_ = true;
    events_.stop();
  }

  void start(ServiceContext& context) {
    handler_.register_routes(context.router);
    seat_maps_.register_routes(context.router);
    events_.consume("reservation",
                    [this](const events::Event& event) { policy_.apply(event, std::chrono::system_clock::now()); },
                    ReservationPolicy::handles);
    auto interval = std::chrono::milliseconds(context.config.integer("reservation.recovery_interval_ms"));
    boost::asio::co_spawn(context.io, recovery_.run_forever(interval, stopped_), [](std::exception_ptr failure) {
      if (failure) std::rethrow_exception(failure);
    });
    context.on_stop([this] { stopped_ = true; });
  }

 private:
  static resilience::CircuitBreakerOptions breaker_options(const Config& config) {
    return resilience::CircuitBreakerOptions{
        std::chrono::milliseconds(config.integer("reservation.breaker_window_ms")),
        static_cast<int>(config.integer("reservation.breaker_min_calls")),
        static_cast<int>(config.integer("reservation.breaker_failure_percent")),
        std::chrono::milliseconds(config.integer("reservation.breaker_first_open_ms")),
        std::chrono::milliseconds(config.integer("reservation.breaker_open_ms"))};
  }

  static SagaRules saga_rules(const Config& config) {
    return SagaRules{config.integer("max_reservation_per_person"),
                     std::chrono::minutes(config.integer("reservation.cancel_cutoff_minutes")),
                     std::chrono::hours(config.integer("reservation.idempotency_ttl_hours"))};
  }

  std::unique_ptr<store::Database> db_;
  events::EventRuntime events_;
  ReservationRepository reservations_;
  ReservationSaga saga_;
  resilience::CircuitBreaker breaker_;
  PaymentClient payments_;
  store::CommitGroup commits_;
  std::unique_ptr<http::AdmissionGate> admission_;  // null: admission control off
  ReservationsHandler handler_;
  SeatMapHandler seat_maps_;
  ReservationPolicy policy_;
  ReservationRecovery recovery_;
  std::atomic<bool> stopped_{false};
};

SettingGroup reservation_settings() {
  using T = SettingType;
  SettingGroup group{
      "reservation",
      {
          {"reservation.db_file", T::string, "reservation.db",
           "SQLite file of the reservation service, relative to data.dir unless absolute."},
          {"max_reservation_per_person", T::integer, "100",
           "Most active reservations one customer may hold (the seed's ConfigMap key).", 1, 1'000'000},
          {"reservation.payment_upstream", T::string, "127.0.0.1:8083", "Payment service (host:port)."},
          {"reservation.payment_timeout_ms", T::integer, "3000",
           "How long a reservation waits for payment; then it answers 503 and settles later.", 1, 600'000},
          {"reservation.breaker_window_ms", T::integer, "10000",
           "Window in which the circuit breaker counts payment calls and payment's own failures.", 10,
           3'600'000},
          {"reservation.breaker_min_calls", T::integer, "5",
           "Payment calls in the window before the breaker may open (so a few calls cannot open it).", 1,
           100'000},
          {"reservation.breaker_failure_percent", T::integer, "50",
           "Share of the window's calls that failed (payment's own failures only) that opens the breaker.", 1,
           100},
          {"reservation.breaker_first_open_ms", T::integer, "250",
           "How long the opened breaker turns reservations away before one probe call; doubled after each "
           "failed probe, back to this after a successful one.",
           1, 3'600'000},
          {"reservation.breaker_open_ms", T::integer, "500",
           "Longest the open breaker turns reservations away before a probe (cap of the doubling): about "
           "the longest reservations still fail after payment is back. A probe is one call.",
           1, 3'600'000},
          {"reservation.max_in_flight", T::integer, "256",
           "Payment calls in flight at once; more are turned away with 503 (bulkhead).", 1, 100'000},
          {"reservation.settle_after_ms", T::integer, "10000",
           "Age after which a reservation still in reqReserve is settled by recovery.", 1, 86'400'000},
          {"reservation.recovery_interval_ms", T::integer, "2000", "How often recovery looks for such reservations.",
           10, 3'600'000},
          {"reservation.cancel_cutoff_minutes", T::integer, "0",
           "Customers may cancel until this long before the screening starts (0: until it starts); later "
           "cancels are 409 cancel_closed.",
           0, 525'600},
          {"reservation.idempotency_ttl_hours", T::integer, "24",
           "How long an Idempotency-Key is remembered (per customer); afterwards it may be used again.", 1, 8760},
      }};
  for (auto& spec : http::admission_setting_specs("reservation.admission", "POST /reservations"))
    group.settings.push_back(std::move(spec));
  return group;
}

std::shared_ptr<ReservationService> make_reservation_service(ServiceContext& context) {
  auto db = store::open_service_database(context, "reservation.db_file", reservation_migrations());
  auto service = std::make_shared<ReservationService>(context, std::move(db));
  service->start(context);
  return service;
}

}  // namespace cinema::reservation
