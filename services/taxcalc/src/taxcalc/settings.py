"""Taxcalc settings (environment prefix TAXCALC_)."""

from __future__ import annotations

from decimal import Decimal

from pydantic_settings import SettingsConfigDict

from chassis.settings import ServiceSettings


class TaxcalcSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="TAXCALC_", extra="ignore")

    service_name: str = "taxcalc"
    http_port: int = 8002
    # DOMAIN §1: the 150 € / 760 € refund thresholds are unconfirmed, hence configurable.
    refund_threshold_annual: Decimal | None = None
    refund_threshold_quarterly: Decimal | None = None

    def threshold_overrides(self) -> dict[str, Decimal]:
        overrides = {"annual": self.refund_threshold_annual, "quarterly": self.refund_threshold_quarterly}
        return {k: v for k, v in overrides.items() if v is not None}
