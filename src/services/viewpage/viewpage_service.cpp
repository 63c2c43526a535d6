#include "services/viewpage/viewpage_service.hpp"

#include "events/runtime.hpp"
#include "services/viewpage/event_tail.hpp"
#include "services/viewpage/view_policy.hpp"
#include "services/viewpage/view_repository.hpp"
#include "services/viewpage/views_handler.hpp"
#include "store/service_database.hpp"

namespace cinema::viewpage {

class ViewpageService {
 public:
  ViewpageService(ServiceContext& context, std::unique_ptr<store::Database> db)
      : db_(std::move(db)),
        events_(context, *db_),
        views_(*db_),
        policy_(views_),
        feed_(events_.consume(std::string(kConsumerGroup),
                              [this](const events::Event& event) {
                                policy_.apply(event);
                                tail_.record(event);
                              }),
              [this] { reset_views(*db_, views_); }),
        handler_(views_, &feed_),
        tail_handler_(tail_) {}
  // The consumer's thread calls the policy: it stops before any member is destroyed, also when the
  // service is torn down without a regular stop (start-up failed).
  ~ViewpageService() { events_.stop(); }

  void start(ServiceContext& context) {
    handler_.register_routes(context.router);
    tail_handler_.register_routes(context.router);
  }

 private:
  std::unique_ptr<store::Database> db_;
  events::EventRuntime events_;
  ViewRepository views_;
  ViewPolicy policy_;
  EventTail tail_;  // before feed_: the consumer it starts records into it
  ViewFeed feed_;
  ViewsHandler handler_;
  EventTailHandler tail_handler_;
};

SettingGroup viewpage_settings() {
  return SettingGroup{"viewpage",
                      {{"viewpage.db_file", SettingType::string, "viewpage.db",
                        "SQLite file of the view page's read tables, relative to data.dir unless absolute."}}};
}

std::shared_ptr<ViewpageService> make_viewpage_service(ServiceContext& context) {
  auto db = store::open_service_database(context, "viewpage.db_file", view_migrations());
  auto service = std::make_shared<ViewpageService>(context, std::move(db));
  service->start(context);
  return service;
}

void reset_views(store::Database& db, ViewRepository& views) {
  store::migrate(db, view_migrations());
  store::Transaction transaction(db);
  views.clear();
  transaction.commit();
}

}  // namespace cinema::viewpage
