"""Settings from HUMAS_* environment variables (pydantic-settings)."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HUMAS_", env_file=".env", extra="ignore")

    database_url: str = "sqlite:///./humas.db"
    # Default task queue: a SQLite file next to the database; Redis when set.
    redis_url: str | None = None
    queue_path: str = "./humas-queue.db"
    queue_name: str = "humas"
    # NOTE: the default key is only for the demo and tests; `humas init` writes a real one to .env.
    secret_key: str = "dev-insecure-change-me"
    fernet_key: str | None = None
    # The https address at which the platforms reach this server (webhooks), e.g. https://humas.example.go.id
    public_url: str | None = None
    # The media library (docs/decisions/0089-media-library.md): where files are kept ("local": a folder,
    # HUMAS_MEDIA_DIR, by default "media" next to the SQLite database or the working folder; "s3" is not
    # built yet and refuses to start), and the largest upload taken.
    media_store: str = "local"
    media_dir: Path | None = None
    media_max_bytes: int = Field(default=300 * 1024 * 1024, ge=1)
    session_hours: int = 12
    cookie_secure: bool = False
    login_max_failures: int = 5
    login_lock_minutes: int = 15
    default_locale: str = "id"
    immediate_jobs: bool = False
    # `humas serve`: web processes (0: one per CPU core). With more than one, /metrics aggregates them
    # through prometheus_client's multiprocess mode (see docs/decisions/0082-operations.md).
    web_workers: int = Field(default=0, ge=0, le=256)
    # /metrics answers loopback clients only, or anyone sending `Authorization: Bearer <this token>`.
    metrics_token: str | None = None
    # A stored webhook delivery still unprocessed after this long is queued again (its job was lost).
    webhook_requeue_after_s: int = Field(default=120, ge=1)
    data_dir: Path = Field(
        default_factory=lambda: Path(__file__).resolve().parents[3].parent / "shared" / "data"
    )
    # When the models retrain with the analysts' label corrections: five cron fields in UTC ("0 2 * * 0":
    # Sundays 02:00); empty or "off" (the default): never. See humas.ingest.retrain.
    nlp_retrain_with_corrections: str = ""

    @field_validator("nlp_retrain_with_corrections")
    @classmethod
    def _cron_like(cls, value: str) -> str:
        text = value.strip()
        if text.lower() in ("", "0", "off", "false", "no"):
            return ""
        if len(text.split()) != 5 or not re.fullmatch(r"[0-9*/,\- ]+", text):
            raise ValueError(
                "HUMAS_NLP_RETRAIN_WITH_CORRECTIONS: expected five cron fields (minute hour day month "
                f"weekday, e.g. '0 2 * * 0') or 'off', got {value!r}"
            )
        return text


@lru_cache
def get_settings() -> Settings:
    return Settings()
