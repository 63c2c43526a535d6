"""Small keep-alive JSON client for bench/tools/*.py (Python 3 standard library only)."""
import http.client
import json
import math
import os
import socket
import time


class Client:
    """One keep-alive HTTP/1.1 connection to host:port; reconnects once if the server closed it."""

    def __init__(self, address, timeout=10.0):
        host, port = address.rsplit(":", 1)
        self.host, self.port, self.timeout = host, int(port), timeout
        self.conn = None

    def _connect(self):
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        self.conn.connect()
        # Small requests on a persistent connection: do not let Nagle delay them.
        self.conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def request(self, method, path, body=None, headers=None):
        data = None if body is None else json.dumps(body).encode()
        hdrs = {"Content-Type": "application/json"} if data is not None else {}
        if os.environ.get("BENCH_TOKEN"):  # bench/run's enforce-mode runs sign in
            hdrs["Authorization"] = "Bearer " + os.environ["BENCH_TOKEN"]
        hdrs.update(headers or {})
        for attempt in (0, 1):
            if self.conn is None:
                self._connect()
            try:
                self.conn.request(method, path, body=data, headers=hdrs)
                response = self.conn.getresponse()
                raw = response.read()
                break
            except (http.client.HTTPException, ConnectionError, OSError):
                self.conn.close()
                self.conn = None
                if attempt == 1:
                    raise
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = raw.decode(errors="replace")
        return response.status, parsed

    def close(self):
        if self.conn is not None:
            self.conn.close()


def wait_until(predicate, timeout_s, interval_s=0.02):
    """Calls predicate until it returns a true value or timeout_s passes; returns its last value."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval_s)


def percentile(sorted_values, p):
    """Nearest-rank percentile of an already sorted list (p in 0..100)."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(p / 100.0 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]
