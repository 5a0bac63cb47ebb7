"""Sign-in rate limiting, CSRF tokens and the secret-key rule."""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import defaultdict, deque

from cobuild.models import TooManyAttempts

DEFAULT_SECRETS = {"", "change-me", "changeme", "secret", "cobuild"}


class SecretRefused(RuntimeError):
    pass


def secret_key(configured: str | None, demo: bool) -> str:
    """The configured key; in demo mode a random one when none is set. Outside demo mode a
    missing, default or short key refuses to start (sessions could be forged)."""
    if configured and configured not in DEFAULT_SECRETS and len(configured) >= 32:
        return configured
    if demo:
        return secrets.token_urlsafe(48)
    raise SecretRefused(
        "COBUILD_SECRET_KEY 未设置或过短(至少 32 个字符);演示可用 --demo。"
        " Set COBUILD_SECRET_KEY to a random value of 32+ characters, e.g. "
        "python -c \"import secrets; print(secrets.token_urlsafe(48))\" (or run with --demo)")


def _name(login: str) -> str:
    """A sign-in name as sign-in reads it (trimmed, any case): " unit7-head" is "unit7-head"."""
    return login.strip().casefold()


class SignInLimiter:
    """At most `attempts` failed sign-ins per (client, name) and per client in `window` seconds.

    In memory, per process: behind several web processes each limits on its own, which still
    caps a guesser at a few tries per minute per process."""

    def __init__(self, attempts: int = 5, window: float = 300.0, per_client: int = 20, refusal: str = "too_many_attempts") -> None:
        self.attempts, self.window, self.per_client, self.refusal = attempts, window, per_client, refusal
        self._failures: dict[tuple, deque] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: tuple, now: float) -> deque:
        q = self._failures[key]
        while q and q[0] <= now - self.window:
            q.popleft()
        return q

    def check(self, client: str, login: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key, cap in (((client, _name(login)), self.attempts), ((client,), self.per_client)):
                q = self._recent(key, now)
                if len(q) >= cap:
                    seconds = int(q[0] + self.window - now) + 1
                    if self.refusal == "too_many_codes":
                        raise TooManyAttempts("too_many_codes", seconds=seconds)
                    raise TooManyAttempts("too_many_attempts", seconds=seconds)

    def failed(self, client: str, login: str) -> None:
        now = time.monotonic()
        with self._lock:
            self._failures[(client, _name(login))].append(now)
            self._failures[(client,)].append(now)

    def succeeded(self, client: str, login: str) -> None:
        with self._lock:
            self._failures.pop((client, _name(login)), None)


def csrf_token(session: dict) -> str:
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def csrf_ok(session: dict, sent: str | None) -> bool:
    expected = session.get("csrf")
    return bool(expected and sent and hmac.compare_digest(expected, sent))
