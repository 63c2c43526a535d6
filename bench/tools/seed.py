#!/usr/bin/env python3
"""Seeds data for bench/run through an API shaped like cinema's (cinema's gateway or the Node peer).

  seed.py views   --base HOST:PORT --movies 100 --screenings 10
      creates movies with screenings; waits until GET /movieViews/{last} shows them all
  seed.py reserve --base HOST:PORT --screenings N --rows 26 --cols 100
      creates one movie with N large screenings; waits until each takes a reservation (its last
      seat, which bench/wrk/reserve.lua never asks for)
Prints one JSON line with the ids.
"""
import argparse
import datetime
import json
import sys
import time

from benchlib import Client, wait_until


def starts_at(i):
    base = datetime.datetime.now(datetime.timezone.utc).replace(minute=0, second=0, microsecond=0)
    when = base + datetime.timedelta(days=60, hours=i)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def create_movie(client, desc):
    status, body = client.request("POST", "/movies", {"desc": desc, "title": desc[:40]})
    if status != 201:
        sys.exit(f"seed: POST /movies answered {status}: {body}")
    return body["movieId"]


def create_screening(client, movie_id, i, rows, cols):
    status, body = client.request("POST", f"/movies/{movie_id}/screenings",
                                  {"startsAt": starts_at(i), "hall": str(1 + i % 9), "rows": rows, "cols": cols,
                                   "price": 10000})
    if status != 201:
        sys.exit(f"seed: POST /movies/{movie_id}/screenings answered {status}: {body}")
    return body["screeningId"]


def seed_views(args):
    client = Client(args.base)
    movie_ids = []
    for m in range(args.movies):
        movie_id = create_movie(client, f"Bench movie {m + 1}")
        for s in range(args.screenings):
            create_screening(client, movie_id, s, 10, 10)
        movie_ids.append(movie_id)
    last = movie_ids[-1]

    def complete():
        status, body = client.request("GET", f"/movieViews/{last}")
        return status == 200 and len(body.get("screenings", [])) >= args.screenings

    if not wait_until(complete, 30):
        sys.exit(f"seed: /movieViews/{last} did not show its screenings within 30 s")
    print(json.dumps({"firstMovieId": movie_ids[0], "count": len(movie_ids)}))


def seed_reserve(args):
    client = Client(args.base)
    movie_id = create_movie(client, "Bench reserve movie")
    ids = [create_screening(client, movie_id, i, args.rows, args.cols) for i in range(args.screenings)]
    probe_seat = chr(ord("A") + args.rows - 1) + str(args.cols)
    for sid in ids:
        def probe():
            status, body = client.request("POST", "/reservations",
                                          {"screeningId": sid, "seats": [probe_seat], "customerId": f"probe-{sid}"})
            if status in (201, 409):  # 409: taken by an earlier probe of a re-run
                return True
            if status != 404:
                sys.exit(f"seed: probe reservation on screening {sid} answered {status}: {body}")
            return False
        if not wait_until(probe, 15, 0.01):
            sys.exit(f"seed: screening {sid} unknown to reservations after 15 s")
    print(json.dumps({"movieId": movie_id, "screeningIds": ids}))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="what", required=True)
    views = sub.add_parser("views")
    views.add_argument("--base", required=True)
    views.add_argument("--movies", type=int, default=100)
    views.add_argument("--screenings", type=int, default=10)
    reserve = sub.add_parser("reserve")
    reserve.add_argument("--base", required=True)
    reserve.add_argument("--screenings", type=int, default=20)
    reserve.add_argument("--rows", type=int, default=26)
    reserve.add_argument("--cols", type=int, default=100)
    args = parser.parse_args()
    started = time.monotonic()
    (seed_views if args.what == "views" else seed_reserve)(args)
    print(f"seed {args.what}: {time.monotonic() - started:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
