#!/usr/bin/env python3
# Writes docs/openapi.json, the OpenAPI 3.1 contract of every route (tests/browser/contract.test.js checks
# real answers against it). Edit the contract here, run `scripts/openapi.py`, commit both.
import json
ID = {"type": ["integer", "string"], "pattern": "^[0-9]+$", "description": "an integer, or a string of digits (as httpie's key=value sends)"}
def ref(n): return {"$ref": f"#/components/schemas/{n}"}
def nullable(t): return {"type": [t, "null"]}
def obj(props, required=None, strict=True, **kw):
    o = {"type": "object", "properties": props}
    if required is None: required = list(props)
    if required: o["required"] = required
    if strict: o["additionalProperties"] = False
    o.update(kw); return o
I = {"type": "integer"}; S = {"type": "string"}; N = {"type": "number"}; B = {"type": "boolean"}
schemas = {
 "Error": obj({"error": {**S, "description": "machine-readable code: bad_request, not_found, seat_taken, ..."}, "message": S}),
 "Movie": obj({"movieId": I, "title": S, "desc": S, "status": {"enum": ["available", "reserved", "soldOut"]},
               "reviewCnt": I, "lastAction": S, "rating": nullable("number"), "seatsLeft": I, "version": I}),
 "MovieDraft": obj({"title": {**S, "maxLength": 200}, "desc": {**S, "minLength": 1, "maxLength": 2000},
                    "status": {"enum": ["available", "reserved", "soldOut"]}, "movieId": {}, "reviewCnt": {}, "lastAction": {},
                    "rating": {}, "seatsLeft": {}, "version": {}}, ["desc"],
                   description="POST and PUT. movieId, reviewCnt, lastAction, rating, seatsLeft and version are read-only: ignored when sent back"),
 "MovieChanges": obj({"title": {**S, "maxLength": 200}, "desc": {**S, "minLength": 1, "maxLength": 2000},
                      "status": {"enum": ["available", "reserved", "soldOut"]}, "movieId": {}, "reviewCnt": {}, "lastAction": {},
                      "rating": {}, "seatsLeft": {}, "version": {}}, [], minProperties=1),
 "Screening": obj({"screeningId": I, "movieId": I, "startsAt": {**S, "description": "ISO 8601 UTC"}, "hall": S, "rows": I, "cols": I, "price": I}),
 "ScreeningDraft": obj({"startsAt": {**S, "examples": ["2026-12-24T19:00:00Z"]}, "hall": S, "rows": {**I, "minimum": 1, "maximum": 26},
                        "cols": {**I, "minimum": 1, "maximum": 100}, "price": {**I, "minimum": 0, "maximum": 1000000000},
                        "movieId": {}, "screeningId": {}}, ["startsAt", "rows", "cols"]),
 "Review": obj({"reviewId": I, "movieId": I, "customerId": S, "rating": {**I, "minimum": 1, "maximum": 5}, "text": S}),
 "ReviewDraft": obj({"customerId": S, "rating": {**I, "minimum": 1, "maximum": 5}, "text": {**S, "maxLength": 2000}, "movieId": {}}, ["rating"]),
 "Reservation": obj({"rsvId": I, "movieId": I, "screeningId": I, "seats": {"type": "array", "items": S}, "customerId": S,
                     "status": {"enum": ["reqReserve", "reserved", "rejected", "reqCancel", "cancelled"]},
                     "payId": nullable("integer"), "amount": I, "version": I,
                     "reason": {**S, "description": "why the system rejected or cancelled it: card_declined, movie_deleted, ..."}},
                    ["rsvId", "movieId", "screeningId", "seats", "customerId", "status", "payId", "amount", "version"]),
 "ReservationRequest": obj({"movieId": ID, "screeningId": ID, "seats": {"type": "array", "items": S, "minItems": 1, "maxItems": 20},
                            "customerId": S, "cardNumber": {**S, "pattern": "^[0-9]{12,19}$"}, "status": {"const": "reqReserve"}}, [],
                           description="The seed form names movieId only (any free seat of its next screening); or screeningId and seats"),
 "CancelRequest": obj({"status": {"const": "reqCancel"}, "rsvId": {}, "movieId": {}, "payId": {}}, ["status"]),
 "Payment": obj({"payId": I, "rsvId": I, "movieId": I, "status": {"enum": ["paid", "declined", "pending", "cancelled"]},
                 "amount": I, "customerId": S, "reason": S}, ["payId", "rsvId", "movieId", "status", "amount", "customerId"]),
 "PaymentRequest": obj({"rsvId": ID, "movieId": ID, "amount": I, "customerId": S, "cardNumber": S}, ["rsvId", "amount"], strict=False),
 "Message": obj({"messageId": I, "customerId": S, "rsvId": I, "movieId": I, "kind": S, "text": S, "createdAt": S,
                 "delivery": S, "attempts": I}),
 "ScreeningView": obj({"screeningId": I, "startsAt": S, "hall": S, "seatsTotal": I, "seatsLeft": I, "price": I}),
 "MovieView": obj({"movieId": I, "title": S, "desc": S, "status": S, "reviewCnt": I, "rating": nullable("number"), "lastAction": S,
                   "screenings": {"type": "array", "items": ref("ScreeningView")},
                   "reservations": obj({k: I for k in ["reqReserve", "reserved", "rejected", "reqCancel", "cancelled"]})}),
 "ReservationView": obj({"rsvId": I, "movieId": I, "movieTitle": nullable("string"), "screeningId": nullable("integer"),
                         "seats": {"type": "array", "items": S}, "amount": I, "status": nullable("string"),
                         "payId": nullable("integer"), "paymentStatus": nullable("string")}),
 "ViewLag": obj({"lastEventOffset": nullable("integer"), "lastEventAt": nullable("string"), "lagSeconds": nullable("number"),
                 "lagEvents": nullable("integer"), "replaying": B, "replayError": nullable("string")}),
 "RecentEvent": obj({"offset": I, "eventType": S, "event": {"type": "object", "description": "the event as published (seed fields, eventId, correlationId, ...)"}}),
 "ReplayStarted": obj({"replay": {"const": "started"}, "from": S}),
 "SeatMap": obj({"screeningId": I, "movieId": I, "startsAt": S, "rows": I, "cols": I, "price": I,
                 "taken": {"type": "array", "items": S, "description": "seats held by a live reservation (reqReserve, reserved, reqCancel)"}}),
 "Component": obj({"status": {"enum": ["UP", "DOWN"]}, "reason": S}, ["status"]),
 "Readiness": obj({"status": {"enum": ["UP", "DOWN"]}, "details": {"type": "object", "additionalProperties": ref("Component")}}),
 "Health": obj({"status": {"enum": ["UP", "DOWN"]}, "components": obj({"liveness": ref("Component"), "readiness": ref("Readiness")}, ["liveness"])}),
 "Echo": obj({"service": S, "host": S, "port": I, "pid": I}),
 "Info": obj({"service": S, "version": S, "host": S, "port": I, "pid": I, "uptimeSeconds": N, "residentMemoryBytes": I}),
 "ForcedState": obj({"status": {"enum": ["UP", "DOWN"]}}),
 "GatewayStatus": obj({"services": {"type": "array", "items": obj({"service": S, "instances": {"type": "array", "items": obj({
     "address": S, "status": {"enum": ["UP", "DOWN", "UNREACHABLE"]}, "circuit": {"enum": ["open", "closed", None]},
     "deadLettered": nullable("integer"), "consumerLag": nullable("integer"), "outboxBacklog": nullable("integer")})}})}}),
 "UiConfig": obj({"cinemaName": S, "currency": {**S, "pattern": "^[A-Z]{3}$"},
                  "colors": obj({k: {**S, "pattern": "^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$"} for k in ["primary", "accent", "background", "text"]}),
                  "securityMode": {"enum": ["enforce", "dev"]}}),
}
ERR = {"400": "bad_request: malformed JSON, a wrong type, an unknown field; the message names the field",
       "401": "unauthorized / invalid_token / invalid_request: no token where one is needed, or one that does not verify",
       "403": "forbidden: the caller's role may not use the route, or the record is another customer's",
       "404": "not_found", "405": "method_not_allowed (Allow lists the methods)", "409": "conflict",
       "413": "payload_too_large", "429": "rate_limited (Retry-After)", "500": "internal: a bug (the message names the trace id)",
       "502": "bad_gateway: a peer of the service answered something unreadable",
       "503": "service_unavailable: no instance could be reached, or it dropped the connection (Retry-After)",
       "504": "gateway_timeout (Retry-After)"}
responses = {k: {"description": v, "content": {"application/json": {"schema": ref("Error")}}} for k, v in ERR.items()}
EDGE = ["401", "429", "500", "502", "503", "504"]  # any proxied route may answer these
def js(schema, desc, headers=None):
    r = {"description": desc, "content": {"application/json": {"schema": schema}}}
    if headers: r["headers"] = headers
    return r
def arr(n): return {"type": "array", "items": ref(n)}
def op(summary, ok, errs=(), body=None, params=(), tags=(), security="anyone", edge=True, extra=None):
    o = {"summary": summary, "tags": list(tags), "x-access": security}
    if params: o["parameters"] = list(params)
    if body: o["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    rs = dict(ok)
    for e in list(errs) + (EDGE if edge else []):
        rs.setdefault(e, {"$ref": f"#/components/responses/{e}"})
    if extra: rs.update(extra)
    o["responses"] = dict(sorted(rs.items()))
    if security in ("signed_in", "manager"): o["security"] = [{"bearer": []}, {}]
    return o
def p(name, where="path", schema=None, desc=None, required=None):
    d = {"name": name, "in": where, "required": where == "path" if required is None else required,
         "schema": schema or ({"type": "string", "pattern": "^[0-9]+$"} if where == "path" else S)}
    if desc: d["description"] = desc
    return d
page = [p("limit", "query", {"type": "string", "pattern": "^[0-9]+$"}, "1-1000, default 100"),
        p("offset", "query", {"type": "string", "pattern": "^[0-9]+$"}, "default 0")]
idem = p("Idempotency-Key", "header", {**S, "minLength": 1, "maxLength": 255},
         "per customer: a repeat of the same request gets the first answer (Idempotent-Replayed: true)")
loc = {"Location": {"schema": S}}
retry = {"Retry-After": {"schema": S}}
paths = {
 "/movies": {
   "get": op("List movies in id order", {"200": js(arr("Movie"), "movies")}, ["400", "405"], params=page, tags=["movies"]),
   "post": op("Register a movie (with a default screening)", {"201": js(ref("Movie"), "the movie", loc)}, ["400", "403", "413"],
              body=ref("MovieDraft"), tags=["movies"], security="manager")},
 "/movies/{movieId}": {
   "parameters": [p("movieId")],
   "get": op("One movie", {"200": js(ref("Movie"), "the movie")}, ["400", "404"], tags=["movies"]),
   "put": op("Replace a movie", {"200": js(ref("Movie"), "the movie")}, ["400", "403", "404", "413"], body=ref("MovieDraft"), tags=["movies"], security="manager"),
   "patch": op("Change fields of a movie", {"200": js(ref("Movie"), "the movie")}, ["400", "403", "404", "413"], body=ref("MovieChanges"), tags=["movies"], security="manager"),
   "delete": op("Delete a movie: its coming reservations are cancelled and refunded", {"204": {"description": "deleted"}}, ["400", "403", "404"], tags=["movies"], security="manager")},
 "/movies/{movieId}/screenings": {
   "parameters": [p("movieId")],
   "get": op("Screenings of a movie by start time", {"200": js(arr("Screening"), "screenings")}, ["400", "404"], tags=["movies"]),
   "post": op("Schedule a screening", {"201": js(ref("Screening"), "the screening", loc)}, ["400", "403", "404", "413"], body=ref("ScreeningDraft"), tags=["movies"], security="manager")},
 "/movies/{movieId}/reviews": {
   "parameters": [p("movieId")],
   "get": op("Reviews of a movie", {"200": js(arr("Review"), "reviews")}, ["400", "404"], tags=["movies"]),
   "post": op("Review a movie the customer watched", {"201": js(ref("Review"), "the review", loc)}, ["400", "403", "404", "409", "413"],
              body=ref("ReviewDraft"), tags=["movies"], security="signed_in",
              extra={"403": js(ref("Error"), "forbidden, or not_allowed: no confirmed reservation of a started screening"),
                     "409": js(ref("Error"), "already_reviewed")})},
 "/reservations": {
   "get": op("Reservations (a customer: their own)", {"200": js(arr("Reservation"), "reservations")}, ["400", "403"],
             params=[p("customerId", "query")] + page, tags=["reservations"], security="signed_in"),
   "post": op("Reserve seats and pay", {
       "201": js(ref("Reservation"), "reserved and paid", {"Idempotent-Replayed": {"schema": S}, "Location": {"schema": S}}),
       "402": js(ref("ReservationRefusal"), "payment_declined: nothing held; the body has the rejected reservation"),
       "409": js(ref("Error"), "seat_taken, sold_out, screening_started, limit_reached, idempotency_in_flight"),
       "422": js(ref("Error"), "amount_out_of_range, idempotency_key_reused"),
       "502": js(ref("ReservationRefusal"), "bad_gateway: payment's answer was unreadable; settled later"),
       "503": js(ref("ReservationRefusal"), "overloaded (past the admission limit; nothing held), payment_unavailable (nothing held) or payment_pending (held; settled later)", retry)},
       ["400", "403", "404", "413"], body=ref("ReservationRequest"), params=[idem], tags=["reservations"], security="signed_in")},
 "/reservations/{rsvId}": {
   "parameters": [p("rsvId")],
   "get": op("One reservation", {"200": js(ref("Reservation"), "the reservation")}, ["400", "403", "404"], tags=["reservations"], security="signed_in"),
   "patch": op("Cancel: refund and cancelled follow by events", {"200": js(ref("Reservation"), "reqCancel")}, ["400", "403", "404", "413"],
               body=ref("CancelRequest"), tags=["reservations"], security="signed_in",
               extra={"409": js(ref("Error"), "conflict (not reserved) or cancel_closed")})},
 "/seatMaps/{screeningId}": {
   "parameters": [p("screeningId")],
   "get": op("Which seats of a screening are held now (the seat picker polls it)", {"200": js(ref("SeatMap"), "the seat map")}, ["400", "404"], tags=["reservations"])},
 "/payments": {
   "get": op("Payments (a customer: their own)", {"200": js(arr("Payment"), "payments")}, ["400", "403"],
             params=[p("rsvId", "query"), p("customerId", "query")] + page, tags=["payments"], security="signed_in"),
   "post": op("Charge (reservation only, with a service token; never through the gateway)", {
       "201": js(ref("Payment"), "paid"), "200": js(ref("Payment"), "a repeat: the first outcome"),
       "202": js(ref("Payment"), "pending: the processor has not decided"),
       "402": js(ref("PaymentRefusal"), "payment_declined")}, ["400", "403", "405", "409"], body=ref("PaymentRequest"),
       tags=["payments"], security="service")},
 "/payments/void": {
   "post": op("Recovery's question: the payment for rsvId as it stands, or a declined one so that no charge follows", {
       "200": js(ref("Payment"), "the payment as it stands"), "402": js(ref("PaymentRefusal"), "declined (not_received)")},
       ["400", "403", "405", "409"], body=ref("PaymentRequest"), tags=["payments"], security="service")},
 "/payments/{payId}": {
   "parameters": [p("payId")],
   "get": op("One payment", {"200": js(ref("Payment"), "the payment")}, ["400", "403", "404"], tags=["payments"], security="signed_in")},
 "/messages": {
   "get": op("Messages of a customer", {"200": js(arr("Message"), "messages")}, ["400", "403"],
             params=[p("customerId", "query", required=False), p("rsvId", "query")] + page, tags=["messages"], security="signed_in")},
 "/messages/{messageId}": {
   "parameters": [p("messageId")],
   "get": op("One message", {"200": js(ref("Message"), "the message")}, ["400", "403", "404"], tags=["messages"], security="signed_in")},
 "/movieViews": {
   "get": op("Every movie with its screenings, seats left and reservation counts (gzip when accepted)", {"200": js(arr("MovieView"), "the view")}, [], tags=["views"])},
 "/movieViews/{movieId}": {
   "parameters": [p("movieId")],
   "get": op("One movie's view", {"200": js(ref("MovieView"), "the view")}, ["400", "404"], tags=["views"])},
 "/reservationViews": {
   "get": op("A customer's reservations with payment status", {"200": js(arr("ReservationView"), "the view")}, ["400", "403"],
             params=[p("customerId", "query")], tags=["views"], security="signed_in")},
 "/viewpage/lag": {
   "get": op("How far the view is behind the event log", {"200": js(ref("ViewLag"), "the lag")}, ["403"], tags=["views"], security="manager")},
 "/viewpage/events": {
   "get": op("The newest events the view page applied (live event stream, kept in memory: the last 500 since it started)",
             {"200": js(arr("RecentEvent"), "up to 100 events past `after`, oldest first")}, ["400", "403"],
             params=[p("after", "query", {"type": "string", "pattern": "^[0-9]+$"}, "an event offset; without it, the newest 100")],
             tags=["views"], security="manager")},
 "/viewpage/replay": {
   "post": op("Rebuild every view from the first event", {"202": js(ref("ReplayStarted"), "started")}, ["403", "409"], tags=["views"], security="manager",
              extra={"409": js(ref("Error"), "a replay is underway")})},
 "/gateway/status": {
   "get": op("Health, payment circuit, dead letters, consumer lag and outbox of every instance behind the gateway",
             {"200": js(ref("GatewayStatus"), "the status")}, ["403"], tags=["operations"], security="manager")},
}
def plain(summary, ok, tags=("operations",), security="open", errs=()):
    return op(summary, ok, list(errs), tags=tags, security=security, edge=False)
ops = {
 "/actuator/health": {"get": plain("Health with liveness and readiness", {"200": js(ref("Health"), "UP"), "503": js(ref("Health"), "DOWN")})},
 "/actuator/health/liveness": {"get": plain("Liveness: UP while the process serves", {"200": js(ref("Health"), "UP")})},
 "/actuator/health/readiness": {"get": plain("Readiness", {"200": js(ref("Readiness"), "UP"), "503": js(ref("Readiness"), "DOWN")})},
 "/actuator/echo": {"get": plain("Which instance answered", {"200": js(ref("Echo"), "this instance")})},
 "/actuator/info": {"get": plain("Service, version, uptime, memory", {"200": js(ref("Info"), "this instance")})},
 "/actuator/down": {"put": plain("Report DOWN on purpose", {"200": js(ref("ForcedState"), "DOWN")}, security="manager", errs=["401", "403"])},
 "/actuator/up": {"put": plain("Report UP again", {"200": js(ref("ForcedState"), "UP")}, security="manager", errs=["401", "403"])},
 "/metrics": {"get": plain("Prometheus metrics", {"200": {"description": "Prometheus text format", "content": {"text/plain": {"schema": S}}}})},
 "/actuator/prometheus": {"get": plain("Prometheus metrics (the same)", {"200": {"description": "Prometheus text format", "content": {"text/plain": {"schema": S}}}})},
 "/openapi.json": {"get": plain("This document", {"200": js({"type": "object"}, "OpenAPI 3.1"), "304": {"description": "not modified (If-None-Match)"}}, tags=["ui"])},
 "/": {"get": plain("Redirect to the web UI", {"302": {"description": "to /ui/", "headers": {"Location": {"schema": S}}}}, tags=["ui"])},
 "/ui": {"get": plain("Redirect to the web UI", {"302": {"description": "to /ui/", "headers": {"Location": {"schema": S}}}}, tags=["ui"])},
 "/ui/config.json": {"get": plain("What the UI shows of this cinema (UI_PROPERTIES_FILE_NAME) and the security mode",
                                  {"200": js(ref("UiConfig"), "settings"), "304": {"description": "not modified"}}, tags=["ui"])},
 "/ui/{file}": {"parameters": [p("file", schema={"type": "string"}, desc="index.html when empty; app.js, style.css, ...")],
                "get": plain("The web UI's static files (ETag, Cache-Control: no-cache, gzip)",
                             {"200": {"description": "the file", "content": {"text/html": {"schema": S}, "text/javascript": {"schema": S}, "text/css": {"schema": S}}},
                              "304": {"description": "not modified (If-None-Match)"},
                              "404": {"$ref": "#/components/responses/404"}, "405": {"$ref": "#/components/responses/405"}}, tags=["ui"])},
}
paths.update(ops)
schemas["ReservationRefusal"] = obj({"error": S, "message": S, **schemas["Reservation"]["properties"]}, ["error", "message"],
    description="An error that carries the reservation it concerns")
schemas["PaymentRefusal"] = obj({"error": S, "message": S, **schemas["Payment"]["properties"]}, ["error", "message"])
doc = {
 "openapi": "3.1.0",
 "info": {"title": "cinema", "version": "0.1.0",
          "description": "The HTTP API of cinema through its gateway (:8088). docs/API.md explains each rule; x-access names who may call "
                         "(anyone, signed_in, manager, service, open; docs/SECURITY.md). Every error is {error, message}."},
 "servers": [{"url": "http://localhost:8088"}],
 "tags": [{"name": t} for t in ["movies", "reservations", "payments", "messages", "views", "operations", "ui"]],
 "paths": paths,
 "components": {"schemas": schemas, "responses": responses,
                "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}},
}
import os
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "docs", "openapi.json")
with open(out, "w") as f:
    json.dump(doc, f, indent=1)
    f.write("\n")
print(len(paths), "paths")
