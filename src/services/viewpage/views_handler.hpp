#pragma once
// HTTP answers of the view page, read only from its own tables (CQRS: it never calls another service):
//   GET /movieViews                      every listed movie with screenings and reservation counts
//   GET /movieViews/{movieId}            one of them (404 when unknown or deleted)
//                                        (both gzip-compressed when the client accepts gzip)
//   GET /reservationViews?customerId=..  a customer's reservations with movie title and payment
//   GET /viewpage/lag                    how far behind the event log the view is
//   POST /viewpage/replay                rebuild every view from the first event (202; 409 if underway)
#include "core/http/router.hpp"
#include "services/viewpage/answer_cache.hpp"
#include "services/viewpage/view_feed.hpp"
#include "services/viewpage/view_repository.hpp"

namespace cinema::viewpage {

class ViewsHandler final {
 public:
  // Without a feed (tests of the queries alone) the lag has no event count and there is no replay.
  explicit ViewsHandler(ViewRepository& views, ViewFeed* feed = nullptr) : views_(views), feed_(feed) {}
  void register_routes(http::Router& router);

 private:
  http::Response movies(const http::Request& request) const;
  http::Response movie(const http::Request& request) const;
  http::Response reservations(const http::Request& request) const;
  http::Response lag(const http::Request& request) const;
  http::Response replay(const http::Request& request) const;
  // The stored answer named `key` (built by `build` when the views changed), gzip-compressed when
  // the client accepts it; an empty answer is a 404 saying `missing`.
  http::Response cached_answer(const http::Request& request, const std::string& key,
                               const std::function<std::string()>& build, const std::string& missing) const;

  ViewRepository& views_;
  ViewFeed* feed_;
  mutable AnswerCache movie_answers_;  // of /movieViews and /movieViews/{id}
};

}  // namespace cinema::viewpage
