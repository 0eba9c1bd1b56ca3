"""Declarations settings (environment prefix DECLARATIONS_)."""

from __future__ import annotations

import json
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from chassis.settings import ServiceSettings


class DeclarationsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="DECLARATIONS_", extra="ignore")

    service_name: str = "declarations"
    http_port: int = 8001
    payment_methods: list[str] | None = None
    """Narrows the accepted payment methods (default: the domain's list)."""
    reminders_enabled: bool = True
    """Deadline reminders to the relations' declarants (off in the test stacks)."""
    reminder_days_before: Annotated[list[int], NoDecode] = Field(default_factory=lambda: [7, 1])
    """Days before the due date (the 24th) a reminder goes out; a late notice goes out the day after."""
    reminder_late_window_days: int = 7
    """How many days after the due date a late notice may still go out (a service down longer sends none)."""
    reminder_check_seconds: float = 300.0
    """How often the scheduler looks for reminders due."""
    totals_pending_enabled: bool = True
    """The `declarations_totals_pending*` gauges' refresh loop (a test stack may turn it off, or call a pass)."""
    totals_pending_seconds: float = Field(default=30.0, gt=0)
    """How often the drafts waiting for their totals are counted."""
    payfip_url: str = ""
    """PayFiP's web service (`…/services/securite`): card payments are offered only when it is set."""
    payfip_payment_url: str = ""
    """PayFiP's payment page (`…/tpa/paiementws.web`), where the payer is sent with the operation's idop."""
    payfip_client: str = ""
    """The recette's PayFiP client number (numcli)."""
    payfip_mode: str = Field(default="W", pattern="^[TXW]$")
    """PayFiP's `saisie`: T (test), X (activation), W (production)."""
    public_url: str = ""
    """This service's address as PayFiP reaches it, for its notifications (`…/api/v1/payfip/notifications`)."""
    portal_url: str = ""
    """The portal's public address: where PayFiP sends the payer back (the filed declaration's page)."""

    @property
    def card_payments(self) -> bool:
        return bool(self.payfip_url and self.payfip_payment_url and self.payfip_client and self.public_url)

    @field_validator("reminder_days_before", mode="before")
    @classmethod
    def _days(cls, value: object) -> object:
        # DECLARATIONS_REMINDER_DAYS_BEFORE="7,1" (comma separated) as well as a JSON list
        if isinstance(value, str):
            return (
                json.loads(value)
                if value.lstrip().startswith("[")
                else [d.strip() for d in value.split(",") if d.strip()]
            )
        return value
