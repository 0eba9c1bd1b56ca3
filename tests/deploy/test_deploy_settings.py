"""The chassis settings a deployment changes: territories from the environment, per-territory
databases and consumer groups, producer acks and idempotence, topic replication."""

from __future__ import annotations

import pytest
import yaml
from pydantic import ValidationError

from chassis import kafka, topics
from chassis.settings import ServiceSettings
from declarations.settings import DeclarationsSettings

from deploy_support import TOPICS


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("971,972", ["971", "972"]),
        ("974", ["974"]),
        (" 971 , 976 ", ["971", "976"]),
        ('["972", "973"]', ["972", "973"]),
    ],
)
def test_territories_are_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, value: str, expected: list[str]
) -> None:
    monkeypatch.setenv("DECLARATIONS_TERRITORIES", value)
    assert DeclarationsSettings().territories == expected


def test_an_unknown_territory_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DECLARATIONS_TERRITORIES", "971,975")
    with pytest.raises(ValidationError, match="unknown territories"):
        DeclarationsSettings()


def test_database_and_group_default_to_the_service_name() -> None:
    settings = DeclarationsSettings(territories=["974"])
    assert settings.database == settings.group_id == "declarations"


def test_placeholders_give_each_territory_set_its_own_database_and_group() -> None:
    antilles = DeclarationsSettings(
        territories=["972", "971"], mongo_db="{service}-{territories}", kafka_group="{service}-{territories}"
    )
    assert antilles.database == antilles.group_id == "declarations-971-972"
    reunion = DeclarationsSettings(territories=["974"], mongo_db="octroi_{territories}_{service}")
    assert reunion.database == "octroi_974_declarations" and reunion.group_id == "declarations"


@pytest.mark.parametrize(("given", "acks"), [("all", "all"), ("-1", "all"), ("ALL", "all"), ("1", "1"), ("0", "0")])
def test_kafka_acks_are_normalised(given: str, acks: str) -> None:
    assert ServiceSettings(kafka_acks=given).kafka_acks == acks


def test_kafka_acks_must_be_a_kafka_value_and_idempotence_needs_all() -> None:
    with pytest.raises(ValidationError):
        ServiceSettings(kafka_acks="2")
    with pytest.raises(ValidationError, match="requires kafka_acks=all"):
        ServiceSettings(kafka_idempotence=True, kafka_acks="1")


def test_the_producer_honours_acks_and_idempotence(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[dict[str, object]] = []
    monkeypatch.setattr(kafka, "AIOKafkaProducer", lambda **kwargs: made.append(kwargs))
    kafka.producer(ServiceSettings(kafka_acks="1"))
    kafka.producer(ServiceSettings(kafka_acks="0"))
    kafka.producer(ServiceSettings(kafka_acks="all", kafka_idempotence=True))
    kafka.producer(ServiceSettings())
    assert [(m["acks"], m["enable_idempotence"]) for m in made] == [
        (1, False),
        (0, False),
        ("all", True),
        ("all", False),
    ]


def test_topics_take_the_file_replication_unless_told_otherwise() -> None:
    spec = yaml.safe_load(TOPICS.read_text())
    local = topics.load_topic_specs(TOPICS)
    assert {t.replication_factor for t in local} == {int(spec.get("replication_factor", 1))}
    production = topics.load_topic_specs(TOPICS, replication_factor=3, config={"min.insync.replicas": "2"})
    assert {t.replication_factor for t in production} == {3}
    assert all(t.config["min.insync.replicas"] == "2" for t in production)
    assert [t.name for t in production] == [t["name"] for t in spec["topics"]]
    prefixed = topics.load_topic_specs(TOPICS, prefix="ci.")
    assert [t.name for t in prefixed] == ["ci." + t["name"] for t in spec["topics"]]


def test_background_loops_can_be_turned_off() -> None:
    assert ServiceSettings().background_enabled
    assert not ServiceSettings(background_enabled=False).background_enabled
