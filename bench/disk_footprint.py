#!/usr/bin/env python3
"""Disk footprint of cinema: bytes of log files and of the embedded event log per 1,000 reservations.

Starts `cinema up` on a fresh data directory, then
  1. N refusals: reservations of seats already taken (409), the most common answer at full rate;
  2. M successes: reservations that each publish events (created, paid, confirmed, ...);
and prints the growth of data/logs and data/bus (live log and archive) for each, per 1,000 requests.

  bench/disk_footprint.py --cinema build/test/cinema [--refused 5000] [--reserved 1000]
  bench/disk_footprint.py --cinema /work/main/build/image/cinema   # the same figures before the change
Extra `cinema up` settings come from the environment (e.g. EVENT_ARCHIVE_AFTER_SECONDS=1).
"""
import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "tools"))
from benchlib import Client, wait_until  # noqa: E402
from seed import create_movie, create_screening  # noqa: E402


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def du(path):
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            try:
                total += os.path.getsize(os.path.join(root, name))
            except OSError:
                pass
    return total


def footprint(data):
    archive = os.path.join(data, "bus", "archive")
    bus = du(os.path.join(data, "bus"))
    return {"logs": du(os.path.join(data, "logs")), "bus": bus - du(archive), "archive": du(archive)}


def seat(n, cols):
    return chr(ord("A") + n // cols) + str(n % cols + 1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cinema", required=True)
    parser.add_argument("--refused", type=int, default=5000)
    parser.add_argument("--reserved", type=int, default=1000)
    parser.add_argument("--settle", type=float, default=3.0, help="seconds to wait before measuring")
    parser.add_argument("--keep", action="store_true", help="leave the data directory (its path is printed)")
    args = parser.parse_args()

    data = tempfile.mkdtemp(prefix="cinema-disk-bench-")
    port, base = free_port(), 20000 + os.getpid() % 20000
    up = subprocess.Popen([args.cinema, "up", "--data", data, "--port", str(port), "--base-port", str(base)],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        client = Client(f"127.0.0.1:{port}")
        if not wait_until(lambda: _ready(client), 30):
            sys.exit("cinema up did not get ready")
        movie = create_movie(client, "disk bench")
        rows, cols = 26, min(100, args.reserved // 25 + 2)  # a seat for each (--reserved up to 2,500)
        screening = create_screening(client, movie, 0, rows, cols)
        wait_until(lambda: client.request("POST", "/reservations", {"screeningId": screening, "seats": ["A1"],
                                                                    "customerId": "first"})[0] in (201, 409), 15)
        time.sleep(args.settle)
        rows_out = []
        before = footprint(data)
        for i in range(args.refused):
            client.request("POST", "/reservations", {"screeningId": screening, "seats": ["A1"], "customerId": f"r{i}"})
        time.sleep(args.settle)
        after = footprint(data)
        rows_out.append(("refused (409)", args.refused, before, after))
        before = after
        for i in range(args.reserved):
            client.request("POST", "/reservations", {"screeningId": screening, "seats": [seat(i + 1, cols)],
                                                      "customerId": f"s{i}", "cardNumber": "4111111111111111"})
        time.sleep(args.settle)
        after = footprint(data)
        rows_out.append(("reserved (201)", args.reserved, before, after))
        print(f"cinema: {args.cinema}")
        print(f"{'requests':<16}{'count':>7}{'logs B/1000':>14}{'bus B/1000':>13}{'archive B/1000':>16}")
        for name, count, b, a in rows_out:
            per = {k: (a[k] - b[k]) * 1000 // max(count, 1) for k in a}
            print(f"{name:<16}{count:>7}{per['logs']:>14}{per['bus']:>13}{per['archive']:>16}")
        print(f"totals: logs {after['logs']} B, bus {after['bus']} B, archive {after['archive']} B")
    finally:
        up.terminate()
        up.wait(timeout=30)
        if args.keep:
            print(f"data: {data}")
        else:
            shutil.rmtree(data, ignore_errors=True)


def _ready(client):
    try:
        return client.request("GET", "/movies")[0] == 200
    except OSError:
        return False


if __name__ == "__main__":
    main()
