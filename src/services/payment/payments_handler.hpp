#pragma once
// HTTP <-> domain for /payments:
//   POST /payments        (reservation only) charge once per rsvId: 201 paid (Location), 402
//                         declined, 202 pending while a slow processor decides; a repeat returns
//                         the stored outcome (200 | 402 | 202) without charging or announcing again;
//                         a repeat that asks for another amount, customer or movie is 409.
//   POST /payments/void   (reservation only) recovery's question: the charge made for rsvId, or,
//                         when none was made, a declined `not_received` record so that none can be
//                         made later (402).
//   GET  /payments        oldest first; ?rsvId= and ?customerId= filters, ?limit= and ?offset= pages;
//                         a customer sees their own only
//   GET  /payments/{id}   404 when unknown, 403 when another customer's
// "Reservation only": a peer service's token (Access::service); the gateway does not route them.
#include <chrono>
#include <string>

#include "core/http/router.hpp"
#include "events/event_sink.hpp"
#include "services/payment/card_processor.hpp"
#include "services/payment/payment_repository.hpp"
#include "store/commit_group.hpp"

namespace cinema::payment {

struct PaymentsHandlerOptions {
  std::chrono::milliseconds processor_hang{30'000};  // how long the hanging test card takes to decide
};

class PaymentsHandler final {
 public:
  // Payments are recorded through `commits`: concurrent charges share a commit.
  PaymentsHandler(store::CommitGroup& commits, PaymentRepository& payments, events::EventSink& events,
                  PaymentsHandlerOptions options)
      : commits_(commits), payments_(payments), events_(events), options_(std::move(options)) {}
  void register_routes(http::Router& router);

 private:
  http::Awaitable create(http::Request& request);
  http::Awaitable void_charge(http::Request& request);
  http::Response list(const http::Request& request) const;
  http::Response get(const http::Request& request) const;
  // Stores `payment` (the first outcome for its rsvId) with its event, unless a call for the same
  // rsvId stored one meanwhile (a write for the commit group).
  http::Response record(const contracts::PaymentRequest& wanted, contracts::PaymentState payment,
                        const std::string& trace_id);

  store::CommitGroup& commits_;
  PaymentRepository& payments_;
  events::EventSink& events_;
  PaymentsHandlerOptions options_;
};

}  // namespace cinema::payment
