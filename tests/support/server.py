"""`cobuild serve` in a process of its own, for tests and the bench."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A free TCP port on loopback for a server a test or the bench starts."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answers(url: str, process: subprocess.Popen, seconds: float) -> bool:
    """Whether a server just started answers 200 at `url` within `seconds` (False once it exits)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    return False


class Server:
    """`cobuild serve --no-scheduler` in a process of its own, started and waited for (/healthz)."""

    def __init__(self, url: str, workers: int = 1, env: dict[str, str] | None = None) -> None:
        import tempfile

        self.port = free_port()
        env = {**os.environ, "COBUILD_SECRET_KEY": "b" * 48, "COBUILD_DELIVERY": "file", **(env or {})}
        env.pop("PREFECT_API_URL", None)
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "cobuild", "serve", "--no-scheduler", "--host", "127.0.0.1", "--port", str(self.port),
             "--db", url, "--workers", str(workers)],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=self.log)
        self.base = f"http://127.0.0.1:{self.port}"
        if not answers(f"{self.base}/healthz", self.process, 60):
            self.close()
            self.log.seek(0)
            raise RuntimeError(f"cobuild serve did not start: {self.log.read()[-2000:].decode(errors='replace')}")

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
