"""A webhook receiver in its own process: `python -m bench.receiver PORT FAIL_PERCENT OUT.json [threaded]`.

Answers 500 to the first attempt of FAIL_PERCENT % of messages (chosen by a hash of the
dedupe key), 200 otherwise, and counts how many times each message was accepted. On SIGTERM it
writes {"accepted": {key: times}, "refused": n} to OUT.json.

By default it is a small asyncio HTTP/1.1 server (keep-alive, Content-Length bodies — what a
webhook sender speaks), the way a production receiver (nginx, a Go or Node service) answers
without a thread per connection. `threaded` runs the standard library's ThreadingHTTPServer
instead, the receiver of the earlier runs: on these 2 cores it, not the sender, was the limit
(see docs/BENCHMARKS.md).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, fail_percent, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
threaded = len(sys.argv) > 4 and sys.argv[4] == "threaded"
accepted: dict[str, int] = {}
seen: set[str] = set()
refused = 0


def answer(key: str) -> int:
    """Record one attempt; the status to answer with."""
    global refused
    fail = int(hashlib.sha256(key.encode()).hexdigest(), 16) % 100 < fail_percent
    first = key not in seen
    seen.add(key)
    if fail and first:
        refused += 1
        return 500
    accepted[key] = accepted.get(key, 0) + 1
    return 200


def write_out() -> None:
    with open(out, "w", encoding="utf-8") as f:
        json.dump({"accepted": accepted, "refused": refused}, f)


REPLY = {200: b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
         500: b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n"}


class Receiver(asyncio.Protocol):
    """One connection: requests parsed from the byte stream as they complete (keep-alive)."""

    def connection_made(self, transport):
        self.transport, self.buffer = transport, b""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buffer[:end].decode("latin-1").split("\r\n")
            headers = {}
            for line in head[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            length = int(headers.get("content-length", "0"))
            if len(self.buffer) < end + 4 + length:
                return  # the body is still coming
            self.buffer = self.buffer[end + 4 + length:]
            self.transport.write(REPLY[answer(headers.get("x-cobuild-dedupe-key", ""))])
            if headers.get("connection", "").lower() == "close":
                self.transport.close()
                return


async def serve_async() -> None:
    loop = asyncio.get_running_loop()
    stopped = loop.create_future()
    loop.add_signal_handler(signal.SIGTERM, lambda: stopped.done() or stopped.set_result(None))
    server = await loop.create_server(Receiver, "127.0.0.1", port, backlog=1024)
    async with server:
        await stopped
    write_out()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    lock = threading.Lock()

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with self.lock:
            code = answer(self.headers.get("X-Cobuild-Dedupe-Key", ""))
        self.send_response(code)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


if threaded:
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)

    def stop(*_):
        write_out()
        threading.Thread(target=server.shutdown).start()

    signal.signal(signal.SIGTERM, stop)
    server.serve_forever()
else:
    asyncio.run(serve_async())
