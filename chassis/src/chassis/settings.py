"""Settings every service shares, read from the environment with a per-service prefix."""

from __future__ import annotations

import json
from typing import Annotated, Self

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from pymongo import uri_parser
from pymongo.errors import ConfigurationError

ALL_TERRITORIES = ("971", "972", "973", "974", "976")
KAFKA_ACKS = ("all", "1", "0")
DEV_SECRET = "dev-secret-change-me-in-production-0123456789"
"""Only for tests that build settings in code; `serve` refuses to start with it."""
MIN_SECRET_LENGTH = 32


class ServiceSettings(BaseSettings):
    """Subclass per service with `model_config = SettingsConfigDict(env_prefix="DECLARATIONS_")`."""

    model_config = SettingsConfigDict(env_prefix="SERVICE_", extra="ignore")

    service_name: str = "service"
    mongo_uri: str = "mongodb://127.0.0.1:27017/?directConnection=true&w=majority&journal=true"
    # `{service}` and `{territories}` (served codes joined by "-", e.g. "971-972") are filled in,
    # so one value keeps each territory deployment in its own database: "{service}-{territories}".
    mongo_db: str = ""
    kafka_bootstrap: str = "127.0.0.1:9092"
    # Tansu rejects idempotent producers; production turns this on with acks=all.
    kafka_idempotence: bool = False
    kafka_acks: str = "all"
    kafka_linger_ms: int = Field(
        default=0,
        ge=0,
        le=1000,
        description="how long the relay's producer waits to fill a batch: every hop pays it, and a relay pass "
        "already sends its whole batch at once",
    )
    # Same placeholders as mongo_db: deployments sharing a broker need a group each.
    kafka_group: str = ""
    # Prepended to every topic name: lets several environments (or test runs) share one cluster.
    kafka_topic_prefix: str = ""
    topics_file: str = "deploy/kafka/topics.yaml"
    consume: bool = True
    consumer_max_attempts: int = Field(default=3, ge=1)
    consumer_fetch_wait_ms: int = Field(
        default=50, ge=1, le=500, description="how long a consumer's fetch waits for records (Tansu waits it all)"
    )
    relay_enabled: bool = True
    relay_batch: int = Field(default=500, ge=1)
    relay_poll_seconds: float = Field(default=0.2, gt=0)
    max_event_bytes: int = Field(
        default=512 * 1024, gt=1024, le=900 * 1024, description="an event heavier is refused at its command (413)"
    )
    relay_check_seconds: float = Field(
        default=10.0, gt=0, description="how often the relay checks the broker still holds what it acknowledged"
    )
    relay_stuck_seconds: float = Field(default=30.0, gt=0, description="readiness fails past this many seconds")
    # Background loops (the notifier's mail sender, essoc's deadline clock) must run in one
    # process only, like the relay: scaled-out replicas turn both off.
    background_enabled: bool = True
    # The audit seals: a signing key the database does not hold (a mounted secret), the public keyring the
    # seals are checked against, and how often the log is sealed when something was appended.
    audit_signing_key: str | None = None
    audit_keyring: str | None = None
    audit_seal_seconds: float = Field(default=300.0, gt=0, description="how often the log is sealed")
    # Crypto-shredding (decision 0031): the key store's own database (on the log's server unless KEYSTORE_URI
    # names another), shared by every service of a deployment, and the master key that wraps its keys: a Secret
    # in production (base64 of 32 bytes), else generated once into keystore_kek_file (var/, never committed).
    keystore_uri: str = ""
    keystore_db: str = "keystore"
    keystore_kek: str | None = None
    keystore_kek_file: str = "var/keystore.kek"
    keystore_cache_seconds: float = Field(
        default=60.0, ge=0, le=600, description="how long a replica uses a key it read: an erased key, at most"
    )
    erasure_of_due_subjects: bool = Field(
        default=False,
        description=(
            "the daily erasure pass destroys the keys of the persons recorded due for erasure; off until keys are "
            "per person and record (decision 0031): a person's key also opens their records still kept by law"
        ),
    )
    erasure_seconds: float = Field(
        default=24 * 3600.0, gt=0, description="how often the due erasures are done and the views rebuilt after one"
    )
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    jwt_secret: str = DEV_SECRET
    jwt_algorithm: str = "HS256"
    jwks_url: str | None = None
    jwt_audience: str | None = None
    # NoDecode: the environment value reaches _split as written ("971,972", "974" or a JSON list),
    # instead of going through json.loads, which fails on "971,972".
    territories: Annotated[list[str], NoDecode] = Field(default_factory=lambda: list(ALL_TERRITORIES))
    # e.g. TERRITORIES="971,972" (comma separated) is accepted as well as a JSON list
    reference_dir: str = "deploy/territories"
    log_level: str = "INFO"
    log_json: bool = True

    @field_validator("territories", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            if value.lstrip().startswith("["):
                return json.loads(value)
            return [t.strip() for t in value.split(",") if t.strip()]
        return value

    @field_validator("territories")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        unknown = [t for t in value if t not in ALL_TERRITORIES]
        if unknown:
            raise ValueError(f"unknown territories {unknown}; expected some of {ALL_TERRITORIES}")
        return value

    @field_validator("kafka_acks", mode="before")
    @classmethod
    def _acks(cls, value: object) -> object:
        text = str(value).strip().lower()
        text = "all" if text == "-1" else text
        if text not in KAFKA_ACKS:
            raise ValueError(f"kafka_acks must be one of {KAFKA_ACKS} (or -1), not {value!r}")
        return text

    @model_validator(mode="after")
    def _idempotence_needs_all_acks(self) -> Self:
        if self.kafka_idempotence and self.kafka_acks != "all":
            raise ValueError("kafka_idempotence requires kafka_acks=all")
        return self

    def signing_problem(self) -> str | None:
        """Why tokens could not be trusted with these settings (a service then refuses to start), or None."""
        if self.jwks_url:
            return None
        if self.jwt_secret == DEV_SECRET or len(self.jwt_secret) < MIN_SECRET_LENGTH:
            prefix = str(self.model_config.get("env_prefix", ""))
            return (
                f"Refus de démarrer : ni adresse JWKS ({prefix}JWKS_URL) ni secret de signature fort "
                f"({prefix}JWT_SECRET, {MIN_SECRET_LENGTH} caractères au moins, autre que celui des tests)."
            )
        return None

    def durability_problem(self) -> str | None:
        """Why writes outside a transaction (checkpoints, idempotency keys, dead letters) could be rolled back by
        a fail-over with this Mongo URI (a service then refuses to start), or None. Transactions commit with
        w=majority whatever the URI says; the rest takes the URI's write concern."""
        # The key store too: a data key rolled back after events were encrypted with it would lose them all.
        for name, uri in (("MONGO_URI", self.mongo_uri), ("KEYSTORE_URI", self.keystore_uri)):
            if not uri:
                continue
            try:
                options = uri_parser.parse_uri(uri)["options"]
            except (ValueError, ConfigurationError):
                return f"Refus de démarrer : l'adresse MongoDB ({name}) est illisible."
            if str(options.get("w", "")).lower() != "majority":
                return (
                    "Refus de démarrer : l'adresse MongoDB doit demander des écritures confirmées par la majorité du "
                    f"replica set (w=majority dans {name}) ; sinon une bascule peut effacer ce qui a été confirmé."
                )
        return None

    @property
    def territory_key(self) -> str:
        """The served territories as one name part: "971-972"."""
        return "-".join(sorted(self.territories))

    def _render(self, template: str) -> str:
        return template.replace("{service}", self.service_name).replace("{territories}", self.territory_key)

    @property
    def database(self) -> str:
        return self._render(self.mongo_db or self.service_name)

    @property
    def keystore_database(self) -> str:
        """The key store's database, shared by the services of one deployment: "keystore-971-972"."""
        return self._render(self.keystore_db)

    @property
    def group_id(self) -> str:
        return self._render(self.kafka_group or self.service_name)
