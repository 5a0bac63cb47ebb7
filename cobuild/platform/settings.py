"""Deployment settings from the environment (COBUILD_*), one class, no secrets in code."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COBUILD_", env_file=".env", extra="ignore", frozen=True)

    db_url: str = "sqlite:///cobuild.db"
    # language of messages printed by the CLI: zh (default) or en
    lang: str = "zh"
    # how a naive --now (no offset) is read
    timezone: str = "Asia/Shanghai"
    # delivery: "live" sends through each person's channels; "file" writes every message to
    # <outbox_dir>/outbox.jsonl instead (demos, trials, tests)
    delivery: str = "live"
    outbox_dir: str = "cobuild-outbox"
    # an Apprise mailto URL with the SMTP account, e.g. mailtos://user:password@smtp.example.org?from=noreply@example.org
    smtp_url: str | None = None
    # an Apprise URL of an SMS gateway with {phone} where the number goes
    sms_url: str | None = None
    channel_timeout: float = 10.0
    # the group robots' webhooks, `{token}` where the key or access token goes (defaults: the
    # services' own, notifications/channels.py ROBOT_URLS): for a proxy, or a test's stand-in
    wecom_url: str | None = None
    dingtalk_url: str | None = None
    feishu_url: str | None = None
    # webhooks (and robot webhooks given as whole URLs) may point at loopback, private and
    # link-local addresses: off, so that no member can make the dispatcher post into this network
    allow_private_webhooks: bool = False
    # a delivery is retried with back-off and dead-lettered after this many attempts
    max_attempts: int = 5
    # the web app: signs session cookies; must be set (>= 32 characters) outside demo mode
    secret_key: str | None = None
    # evidence files uploaded with progress reports
    upload_dir: str = "cobuild-uploads"
    # what one council's evidence files may take on disk together
    upload_quota_mb: int = 2048
    # cookies only over HTTPS (set when served behind a TLS proxy)
    secure_cookies: bool = False
    # the proxies whose X-Forwarded-For / -Proto are believed (uvicorn's forwarded_allow_ips: addresses
    # or networks, comma separated; "*" for any): set it to your proxy's address behind nginx, or
    # every user has the proxy's address and the sign-in limiter counts them all as one
    forwarded_allow_ips: str = "127.0.0.1"
    # the sweep's speed paths (cobuild/sweep/executor.py, speed_paths): auto, or serial (one
    # process, no collector tuning; what `cobuild serve` uses unless this is set)
    sweep_tuning: Literal["auto", "serial"] = "auto"
    # the web app's public address: every message, calendar event and document links into it
    public_url: str | None = None
    # admission control, per web process (cobuild/web/admission.py): requests handled at once, how
    # many more may wait, and how soon a newcomer's turn must be expected; past that it is answered
    # 503 at once
    max_in_flight: int = Field(default=4, ge=1, le=10_000)
    max_queue: int = Field(default=64, ge=0, le=100_000)
    queue_wait_seconds: float = Field(default=0.5, ge=0, le=60)


def get_settings() -> Settings:
    """The settings for the environment as it is now. Building them reads the environment and
    .env (milliseconds each time; the demo's dispatch asked twice a simulated day), so they are
    kept per (folder, .env's last change, COBUILD_* variables): a changed variable is seen at once."""
    env_file = Path(".env")
    key = (os.getcwd(), env_file.stat().st_mtime_ns if env_file.is_file() else None,
           tuple(sorted((k, v) for k, v in os.environ.items() if k.upper().startswith("COBUILD_"))))
    return _settings(key)


@lru_cache(maxsize=16)
def _settings(key: tuple) -> Settings:
    return Settings()
