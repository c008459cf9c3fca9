"""Alert delivery settings (HUMAS_SMTP_*, HUMAS_TELEGRAM_*, HUMAS_WEBHOOK_*), apart from core settings."""

from __future__ import annotations

from functools import lru_cache

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class DeliverySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HUMAS_", env_file=".env", extra="ignore")

    smtp_host: str = "localhost"
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False  # STARTTLS after connecting (port 587)
    smtp_ssl: bool = False  # implicit TLS (port 465)
    smtp_from: str = "humas@localhost"
    smtp_timeout: float = 20.0
    # A bot per installation by default; a unit may bring its own token (stored encrypted by the caller).
    telegram_bot_token: SecretStr | None = None
    telegram_api_base: str = "https://api.telegram.org"
    telegram_timeout: float = 15.0
    webhook_timeout: float = 10.0
    # Attempts and backoff of `deliver_with_retry` (the job queue may retry again later).
    delivery_attempts: int = 4
    delivery_backoff_s: float = 2.0
    delivery_backoff_max_s: float = 300.0


@lru_cache
def get_delivery_settings() -> DeliverySettings:
    return DeliverySettings()
