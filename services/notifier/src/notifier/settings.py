"""Notifier settings (environment prefix NOTIFIER_)."""

from __future__ import annotations

from chassis.settings import ServiceSettings
from pydantic import Field
from pydantic_settings import SettingsConfigDict


class NotifierSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFIER_", extra="ignore")

    service_name: str = "notifier"
    http_port: int = 8004
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    smtp_timeout_seconds: float = 10.0
    mail_from: str = "DGDDI — ne pas répondre <ne-pas-repondre@douane.example>"
    send_attempts: int = Field(default=3, ge=1, description="SMTP tries before NotificationFailed")
    retry_initial_seconds: float = Field(default=0.5, gt=0)
    redelivery_seconds: float = Field(default=5.0, gt=0, description="first wait after a failure")
    redelivery_max_seconds: float = Field(default=300.0, gt=0)
    sender_poll_seconds: float = Field(default=0.5, gt=0)
