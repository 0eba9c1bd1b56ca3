"""Notifier settings (environment prefix NOTIFIER_)."""

from __future__ import annotations

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from chassis.settings import ServiceSettings


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
    support_mailbox: str = "assistance@douane.example"
    """The support's mailbox: every « Demande d'assistance » is sent to it (decision record 0028)."""
    portal_url: str = "http://127.0.0.1:8000"
    """The portal's public address (the portal's `PORTAL_PUBLIC_URL`): each mail links to the page it is about."""
    send_attempts: int = Field(default=3, ge=1, description="SMTP tries before NotificationFailed")
    retry_initial_seconds: float = Field(default=0.5, gt=0)
    redelivery_seconds: float = Field(default=5.0, gt=0, description="first wait after a failure")
    redelivery_max_seconds: float = Field(default=300.0, gt=0)
    sender_poll_seconds: float = Field(default=0.5, gt=0)
    send_lease_seconds: float = Field(default=120.0, gt=0, description="a mail being sent is not picked again")
    essoc_url: str = "http://127.0.0.1:8003"
    """Where the answer's attachments are fetched from (claim check)."""
    essoc_token: str | None = None
    """A service token for essoc; by default one is signed with the shared `jwt_secret`."""
    declarations_url: str | None = "http://127.0.0.1:8001"
    """Where the filing receipt PDF is fetched from to attach it to the receipt mail; none: not attached."""
    declarations_token: str | None = None
    """A service token for declarations; by default one is signed with the shared `jwt_secret`."""
    attachment_fetch_timeout_seconds: float = Field(default=30.0, gt=0)
    mail_max_attachment_bytes: int = Field(
        default=15 * 1024 * 1024, ge=0, description="above it, the files stay in OGDE and the mail says so"
    )

    @field_validator("portal_url")
    @classmethod
    def _absolute(cls, value: str) -> str:
        """A link in a mail is absolute: the scheme and the host, nothing after the path."""
        if not value.startswith(("https://", "http://")) or "?" in value or "#" in value:
            raise ValueError(f"portal_url must be an absolute http(s) address without query: {value!r}")
        return value.rstrip("/")
