"""A webhook receiver in its own process: `python -m bench.receiver PORT FAIL_PERCENT OUT.json`.

Answers 500 to the first attempt of FAIL_PERCENT % of messages (chosen by a hash of the
dedupe key), 200 otherwise, and counts how many times each message was accepted. On SIGTERM it
writes {"accepted": {key: times}, "refused": n} to OUT.json.
"""

from __future__ import annotations

import hashlib
import json
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, fail_percent, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
accepted: dict[str, int] = {}
seen: set[str] = set()
refused = 0
lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):  # noqa: N802
        global refused
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        key = self.headers.get("X-Cobuild-Dedupe-Key", "")
        fail = int(hashlib.sha256(key.encode()).hexdigest(), 16) % 100 < fail_percent
        with lock:
            first = key not in seen
            seen.add(key)
            if fail and first:
                refused += 1
                code = 500
            else:
                accepted[key] = accepted.get(key, 0) + 1
                code = 200
        self.send_response(code)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", port), Handler)


def stop(*_):
    with open(out, "w", encoding="utf-8") as f:
        json.dump({"accepted": accepted, "refused": refused}, f)
    threading.Thread(target=server.shutdown).start()


signal.signal(signal.SIGTERM, stop)
server.serve_forever()
