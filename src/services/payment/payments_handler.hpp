#pragma once
// HTTP <-> domain for /payments:
//   POST /payments        charge once per rsvId: 201 paid (Location), 402 declined, and a repeat
//                         returns the stored outcome (200 | 402) without charging or announcing again;
//                         a repeat with another amount is 409. PaymentApproved | PaymentDeclined.
//   GET  /payments        oldest first; ?rsvId= filter, ?limit= and ?offset= pages
//   GET  /payments/{id}   404 when unknown
#include <chrono>

#include "core/http/router.hpp"
#include "events/event_sink.hpp"
#include "services/payment/card_processor.hpp"
#include "services/payment/payment_repository.hpp"
#include "store/commit_group.hpp"

namespace cinema::payment {

class PaymentsHandler final {
 public:
  // `processor_hang`: how long the hanging test card keeps the processor from answering.
  // Payments are recorded through `commits`: concurrent charges share a commit.
  PaymentsHandler(store::CommitGroup& commits, PaymentRepository& payments, events::EventSink& events,
                  std::chrono::milliseconds processor_hang)
      : commits_(commits), payments_(payments), events_(events), processor_hang_(processor_hang) {}
  void register_routes(http::Router& router);

 private:
  http::Awaitable create(http::Request& request);
  http::Response list(const http::Request& request) const;
  http::Response get(const http::Request& request) const;
  // Stores the first outcome with its event, unless a call for the same rsvId stored one meanwhile
  // (a write for the commit group).
  http::Response record(const contracts::PaymentRequest& wanted, const CardVerdict& verdict,
                        const std::string& trace_id);

  store::CommitGroup& commits_;
  PaymentRepository& payments_;
  events::EventSink& events_;
  std::chrono::milliseconds processor_hang_;
};

}  // namespace cinema::payment
