#pragma once
// HTTP answers of the view page, read only from its own tables (CQRS: it never calls another service):
//   GET /movieViews                      every listed movie with screenings and reservation counts
//   GET /movieViews/{movieId}            one of them (404 when unknown or deleted)
//   GET /reservationViews?customerId=..  a customer's reservations with movie title and payment
//   GET /viewpage/lag                    how far behind the event log the view is
#include "core/http/router.hpp"
#include "services/viewpage/view_repository.hpp"

namespace cinema::viewpage {

class ViewsHandler final {
 public:
  explicit ViewsHandler(ViewRepository& views) : views_(views) {}
  void register_routes(http::Router& router);

 private:
  http::Response movies(const http::Request& request) const;
  http::Response movie(const http::Request& request) const;
  http::Response reservations(const http::Request& request) const;
  http::Response lag(const http::Request& request) const;

  ViewRepository& views_;
};

}  // namespace cinema::viewpage
