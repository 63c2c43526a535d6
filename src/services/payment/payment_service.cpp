#include "services/payment/payment_service.hpp"

#include "events/runtime.hpp"
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
                 std::chrono::milliseconds(context.config.integer("payment.processor_hang_ms"))),
        policy_(payments_, events_, context.log) {}

  void start(ServiceContext& context) {
    handler_.register_routes(context.router);
    events_.consume("payment", [this](const events::Event& event) { policy_.apply(event); }, PaymentPolicy::handles);
  }

 private:
  std::unique_ptr<store::Database> db_;
  events::EventRuntime events_;
  PaymentRepository payments_;
  store::CommitGroup commits_;
  PaymentsHandler handler_;
  PaymentPolicy policy_;
};

SettingGroup payment_settings() {
  using T = SettingType;
  return SettingGroup{
      "payment",
      {{"payment.db_file", T::string, "payment.db",
        "SQLite file of the payment service, relative to data.dir unless absolute."},
       {"payment.processor_hang_ms", T::integer, "30000",
        "How long the hanging test card (4000000000000119) keeps a payment unanswered before it is recorded "
        "declined (processor_timeout).",
        0, 3'600'000}}};
}

std::shared_ptr<PaymentService> make_payment_service(ServiceContext& context) {
  auto db = store::open_service_database(context, "payment.db_file", payment_migrations());
  auto service = std::make_shared<PaymentService>(context, std::move(db));
  service->start(context);
  return service;
}

}  // namespace cinema::payment
