"""Declarations settings (environment prefix DECLARATIONS_)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from chassis.settings import ServiceSettings


class DeclarationsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="DECLARATIONS_", extra="ignore")

    service_name: str = "declarations"
    http_port: int = 8001
    payment_methods: list[str] | None = None
    """Narrows the accepted payment methods (default: the domain's list)."""
