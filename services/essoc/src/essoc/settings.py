"""ESSOC settings (environment prefix ESSOC_)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from chassis.settings import ServiceSettings
from essoc.domain.attachments import DEFAULT_MAX_SIZE


class EssocSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ESSOC_", extra="ignore")

    service_name: str = "essoc"
    http_port: int = 8003
    attachment_max_bytes: int = Field(default=DEFAULT_MAX_SIZE, gt=0, description="size cap of one attachment")
    company_directory: str = "deploy/reference/companies.csv"
    """CSV `siret,company_name[,territory]`: the company directory a SIRET is looked up in."""
    agent_directory: str = "deploy/reference/agents.yaml"
    """YAML `agents: [{id, name, given_name, email, territories, directorates}]`: who a request may be entrusted to."""
    first_request_number: int = Field(default=1, ge=1, description="number given to the first request filed")
    deadline_scan_seconds: float = Field(default=60.0, gt=0, description="how often the answer clock is checked")
    orphan_blob_grace_seconds: float = Field(
        default=3600.0, gt=0, description="age after which stored content no event refers to is deleted"
    )
    pdf_font_path: str | None = None
    """A Unicode TTF for the PDF; by default DejaVu Sans when installed, else the core fonts (latin-1)."""
