#include "services/payment/payment_service.hpp"

#include <boost/asio/co_spawn.hpp>

#include "events/runtime.hpp"
#include "services/payment/payment_decider.hpp"
#include "services/payment/payment_policy.hpp"
#include "services/payment/payment_repository.hpp"
#include "services/payment/payments_handler.hpp"
#include "store/service_database.hpp"

namespace cinema::payment {

class PaymentService {
 public:
  PaymentService(ServiceContext& context, std::unique_ptr<store::Database> db)
      : db_(std::move(db)),
        events_(context, *db_),
        payments_(*db_),
        commits_(*db_, context.io.get_executor(), [this] { events_.group_committed(); }),
        handler_(commits_, payments_, events_,
                 PaymentsHandlerOptions{std::chrono::milliseconds(context.config.integer("payment.processor_hang_ms"))}),
        policy_(payments_, events_, context.log),
        decider_(*db_, payments_, events_, context.log) {}
  // The consumers' threads call the policy: they stop before any member is destroyed, also when
  // the service is torn down without a regular stop (start-up failed).
  ~PaymentService() {
    stopped_ = true;
    events_.stop();
  }

  void start(ServiceContext& context) {
    handler_.register_routes(context.router);
    events_.consume("payment", [this](const events::Event& event) { policy_.apply(event); }, PaymentPolicy::handles);
    auto interval = std::chrono::milliseconds(context.config.integer("payment.decide_interval_ms"));
    boost::asio::co_spawn(context.io, decider_.run_forever(interval, stopped_), [](std::exception_ptr failure) {
      if (failure) std::rethrow_exception(failure);
    });
    context.on_stop([this] { stopped_ = true; });
  }

 private:
  std::unique_ptr<store::Database> db_;
  events::EventRuntime events_;
  PaymentRepository payments_;
  store::CommitGroup commits_;
  PaymentsHandler handler_;
  PaymentPolicy policy_;
  PaymentDecider decider_;
  std::atomic<bool> stopped_{false};
};

SettingGroup payment_settings() {
  using T = SettingType;
  return SettingGroup{
      "payment",
      {{"payment.db_file", T::string, "payment.db",
        "SQLite file of the payment service, relative to data.dir unless absolute."},
       {"payment.processor_hang_ms", T::integer, "30000",
        "How long the hanging test card (4000000000000119) keeps a payment pending (POST answers 202) before "
        "it is recorded declined (processor_timeout).",
        0, 3'600'000},
       {"payment.decide_interval_ms", T::integer, "250", "How often pending payments whose time is up are decided.",
        10, 60'000}}};
}

std::shared_ptr<PaymentService> make_payment_service(ServiceContext& context) {
  auto db = store::open_service_database(context, "payment.db_file", payment_migrations());
  auto service = std::make_shared<PaymentService>(context, std::move(db));
  service->start(context);
  return service;
}

}  // namespace cinema::payment
