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
    # DOMAIN §1: a separate export refund is claimed for at least 150 € (art. 25, décret art. 11).
    refund_threshold_export: Decimal | None = None

    def threshold_overrides(self) -> dict[str, Decimal]:
        overrides = {
            "annual": self.refund_threshold_annual,
            "quarterly": self.refund_threshold_quarterly,
            "export": self.refund_threshold_export,
        }
        return {k: v for k, v in overrides.items() if v is not None}
