"""Settings every service shares, read from the environment with a per-service prefix."""

from __future__ import annotations

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ALL_TERRITORIES = ("971", "972", "973", "974", "976")


class ServiceSettings(BaseSettings):
    """Subclass per service with `model_config = SettingsConfigDict(env_prefix="DECLARATIONS_")`."""

    model_config = SettingsConfigDict(env_prefix="SERVICE_", extra="ignore")

    service_name: str = "service"
    mongo_uri: str = "mongodb://127.0.0.1:27017/?directConnection=true&journal=true"
    mongo_db: str = ""
    kafka_bootstrap: str = "127.0.0.1:9092"
    # Tansu rejects idempotent producers; production turns this on with acks=all.
    kafka_idempotence: bool = False
    kafka_acks: str = "all"
    kafka_group: str = ""
    topics_file: str = "deploy/kafka/topics.yaml"
    consume: bool = True
    consumer_max_attempts: int = Field(default=3, ge=1)
    relay_enabled: bool = True
    relay_batch: int = Field(default=500, ge=1)
    relay_poll_seconds: float = Field(default=0.2, gt=0)
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    jwt_secret: str = "dev-secret-change-me-in-production-0123456789"
    jwt_algorithm: str = "HS256"
    jwks_url: str | None = None
    jwt_audience: str | None = None
    territories: list[str] = Field(default_factory=lambda: list(ALL_TERRITORIES))
    # e.g. TERRITORIES="971,972" (comma separated) is accepted as well as a JSON list
    reference_dir: str = "deploy/territories"
    log_level: str = "INFO"
    log_json: bool = True

    @field_validator("territories", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            return [t.strip() for t in value.split(",") if t.strip()]
        return value

    @field_validator("territories")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        unknown = [t for t in value if t not in ALL_TERRITORIES]
        if unknown:
            raise ValueError(f"unknown territories {unknown}; expected some of {ALL_TERRITORIES}")
        return value

    @property
    def database(self) -> str:
        return self.mongo_db or self.service_name

    @property
    def group_id(self) -> str:
        return self.kafka_group or self.service_name
