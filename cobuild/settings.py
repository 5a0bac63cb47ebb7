"""Deployment settings from the environment (COBUILD_*), one class, no secrets in code."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COBUILD_", env_file=".env", extra="ignore")

    db_url: str = "sqlite:///cobuild.db"
    # language of messages printed by the CLI: zh (default) or en
    lang: str = "zh"
    # how a naive --now (no offset) is read
    timezone: str = "Asia/Shanghai"


def get_settings() -> Settings:
    return Settings()
