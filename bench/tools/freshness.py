#!/usr/bin/env python3
"""Event freshness: how long after a reservation's 201 the CQRS view shows it confirmed.

For each of N sequential reservations (one seat each, a customer each): POST /reservations through
the gateway, note the time the whole 201 arrived, then GET /reservationViews?customerId=... on the
viewpage service's own port in a tight loop (every --poll-ms) until the reservation shows as
`reserved`; freshness = time that answer arrived - time the 201 arrived. The figure includes up to
one poll round trip (~0.1-0.3 ms here) on top of the real delay.
Prints one JSON line: n, p50/p99/max freshness in ms, timeouts, and the unloaded reserve latency.
"""
import argparse
import json
import sys
import time

from benchlib import Client, percentile


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gateway", required=True, help="host:port the reservations are POSTed to")
    parser.add_argument("--view", required=True, help="host:port of the viewpage service")
    parser.add_argument("--screening", type=int, required=True)
    parser.add_argument("--rows", type=int, default=26)
    parser.add_argument("--cols", type=int, default=100)
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--prefix", default="fresh")
    parser.add_argument("--poll-ms", type=float, default=0.2)
    parser.add_argument("--timeout-s", type=float, default=5.0, help="per reservation")
    parser.add_argument("--warmup-timeout-s", type=float, default=60.0,
                        help="the first (unmeasured) reservation may take this long to show (Kafka group joins)")
    parser.add_argument("--deadline-s", type=float, default=90.0, help="stop measuring after this long")
    args = parser.parse_args()

    gateway, view = Client(args.gateway), Client(args.view)
    seats = (f"{chr(ord('A') + s // args.cols)}{s % args.cols + 1}" for s in range(args.rows * args.cols - 1))

    def reserve(customer):
        body = {"screeningId": args.screening, "seats": [next(seats)], "customerId": customer}
        started = time.perf_counter()
        status, answer = gateway.request("POST", "/reservations", body)
        answered = time.perf_counter()
        if status != 201:
            sys.exit(f"freshness: POST /reservations answered {status}: {answer}")
        return answer["rsvId"], answered, answered - started

    def wait_view(customer, rsv_id, answered, timeout_s):
        path = f"/reservationViews?customerId={customer}"
        sleep_s = args.poll_ms / 1000.0
        while True:
            status, rows = view.request("GET", path)
            seen = time.perf_counter()
            if status == 200 and any(r.get("rsvId") == rsv_id and r.get("status") == "reserved" for r in rows):
                return seen - answered
            if seen - answered > timeout_s:
                return None
            time.sleep(sleep_s)

    customer = f"{args.prefix}-warmup"
    rsv_id, answered, _ = reserve(customer)
    if wait_view(customer, rsv_id, answered, args.warmup_timeout_s) is None:
        sys.exit(f"freshness: the warm-up reservation did not reach the view in {args.warmup_timeout_s} s")

    fresh, reserve_latency, timeouts = [], [], 0
    deadline = time.monotonic() + args.deadline_s
    for i in range(args.n):
        if time.monotonic() > deadline:
            break
        customer = f"{args.prefix}-{i}"
        rsv_id, answered, took = reserve(customer)
        reserve_latency.append(took)
        delay = wait_view(customer, rsv_id, answered, args.timeout_s)
        if delay is None:
            timeouts += 1
        else:
            fresh.append(delay)
    fresh.sort()
    reserve_latency.sort()
    ms = lambda v: None if v is None else round(v * 1000.0, 2)
    print(json.dumps({
        "n": len(fresh), "timeouts": timeouts,
        "p50_ms": ms(percentile(fresh, 50)), "p99_ms": ms(percentile(fresh, 99)), "max_ms": ms(fresh[-1] if fresh else None),
        "reserve_p50_ms": ms(percentile(reserve_latency, 50)), "reserve_p99_ms": ms(percentile(reserve_latency, 99)),
    }))


if __name__ == "__main__":
    main()
