"""deploy/compose/compose.yaml, parsed and checked against the code it runs (no Docker here)."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from deploy_support import (
    COMPOSE,
    ROOT,
    TOOLS_EXPECTED,
    images,
    interpolate,
    portal,
    service_of_env,
    services,
    topic_partitions,
)

ENV = {  # what `docker compose up` is given
    "JWT_SECRET": "a-test-secret-of-at-least-thirty-two-bytes",
    "PORTAL_SESSION_SECRET": "another-test-secret-of-32-bytes-or-more",
    "KEYSTORE_KEK": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",  # 32 bytes in base64 (decision 0031)
}
APP_SERVICES = ("declarations", "taxcalc", "essoc", "notifier")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    spec: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())  # resolves the YAML anchors and merges
    return spec


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {k: interpolate(str(v), ENV) for k, v in env.items()}


def image_service(name: str, service: dict[str, Any]) -> str | None:
    """The service whose Dockerfile built this container's image."""
    build = service.get("build")
    if not build:
        return None
    match = re.fullmatch(r"deploy/docker/(\w+)\.Dockerfile", build["dockerfile"])
    assert match, f"{name}: builds from {build['dockerfile']}"
    return match[1]


def test_compose_spec_parser_accepts_it(compose: dict[str, Any]) -> None:
    if not TOOLS_EXPECTED:
        pytest.skip("compose-spec has no wheel for this platform")
    from compose_spec import PyCompose  # the Rust compose_spec crate: rejects unknown keys and bad values

    parsed = PyCompose.from_json(json.dumps(compose))
    parsed.validate()
    assert set(parsed.service_names()) == set(compose["services"])


def test_every_image_builds_from_a_dockerfile_that_exists(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        image = service["image"]
        if image.startswith("octroi/"):
            built = image_service(name, service)
            assert built is not None, f"{name}: {image} is ours, so it is built here"
            assert image == f"octroi/{built}:local"
            assert (COMPOSE.parent / service["build"]["context"]).resolve() == ROOT
            assert (ROOT / service["build"]["dockerfile"]).is_file()
        else:
            assert re.fullmatch(r"[\w./-]+:v?\d+\.\d+\.\d+", image), f"{name}: pin {image} to an exact version"


def test_every_environment_name_is_a_setting_of_its_service(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        built = image_service(name, service)
        if built is None:
            continue
        for env_name in environment(service):
            owner = service_of_env(env_name)
            if owner is None:
                continue  # read by a job's own script (DEMO_*), not by a service's settings
            assert owner.name == built, f"{name}: {env_name} is read by {owner.name}, this runs {built}"
            assert env_name in owner.env_names, f"{name}: {env_name} is no field of {owner.settings_class.__name__}"


def test_the_settings_load_and_say_production(compose: dict[str, Any]) -> None:
    """Each service's environment, read by its settings class: valid, idempotent producers, acks=all."""
    for name in APP_SERVICES:
        for container in (name, f"{name}-consumer"):
            if container not in compose["services"]:
                continue
            settings = services()[name].settings(environment(compose["services"][container]))
            assert settings.kafka_idempotence is True and settings.kafka_acks == "all", container
            assert settings.territories == ["971", "972", "973", "974", "976"]
            assert "replicaSet=rs0" in settings.mongo_uri and settings.mongo_uri.count("mongo-") == 3
            assert settings.kafka_bootstrap.count("kafka-") == 3
            assert settings.jwt_secret == ENV["JWT_SECRET"]


def test_jwt_secret_must_be_given() -> None:
    with pytest.raises(KeyError):
        interpolate(yaml.safe_load(COMPOSE.read_text())["x-settings"]["jwt-secret"], {})


def test_portal_session_secret_must_be_given() -> None:
    with pytest.raises(KeyError):
        interpolate(yaml.safe_load(COMPOSE.read_text())["x-settings"]["portal-session-secret"], {"JWT_SECRET": "x"})


def test_the_portal_runs_on_the_three_apis_with_oidc_sign_in_only(compose: dict[str, Any]) -> None:
    service = compose["services"]["portal"]
    assert image_service("portal", service) == "portal"
    depends = service["depends_on"]
    assert {name: d["condition"] for name, d in depends.items()} == dict.fromkeys(
        ("declarations", "taxcalc", "essoc"), "service_healthy"
    )
    env = environment(service)
    settings = portal().settings(env)
    for name in ("declarations", "taxcalc", "essoc"):
        assert getattr(settings, f"{name}_url") == f"http://{name}:{services()[name].port}", name
    assert settings.session_secret == ENV["PORTAL_SESSION_SECRET"] != ENV["JWT_SECRET"]
    assert settings.dev_login is False and settings.dev_jwt_secret is None
    assert settings.public_url == "http://localhost:8000" and not settings.secure_cookies
    assert settings.state_identity is False
    # The operator fills the OpenID Connect client: without it the portal refuses to start, with it, it starts.
    assert "PORTAL_OIDC_ISSUER" in (settings.startup_problem() or "")
    given = {**ENV, "PORTAL_OIDC_ISSUER": "https://auth.example", "PORTAL_OIDC_CLIENT_ID": "octroi-portal"}
    filled = portal().settings({k: interpolate(str(v), given) for k, v in service["environment"].items()})
    assert filled.startup_problem() is None
    assert (filled.oidc_issuer, filled.oidc_client_id) == ("https://auth.example", "octroi-portal")


def test_every_healthcheck_asks_a_real_endpoint_on_the_service_port(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        built = image_service(name, service)
        if built is None or name in ("kafka-topics", "demo-data"):
            continue
        test = service["healthcheck"]["test"]
        url = re.fullmatch(r"http://127\.0\.0\.1:(\d+)(/\S+)", test[-1])
        assert url, f"{name}: {test}"
        info = images()[built]
        port = int(environment(service).get(info.port_env, info.port))
        assert int(url[1]) == port, name
        assert url[2] == "/health/ready" and info.serves(url[2]), name


def test_the_api_answers_where_make_run_answers(compose: dict[str, Any]) -> None:
    for name in (*APP_SERVICES, "portal"):
        port = images()[name].port
        assert compose["services"][name]["ports"] == [f"{port}:{port}"]
    assert "8025:8025" in compose["services"]["mailpit"]["ports"]


def test_consumers_run_twice_and_singletons_once(compose: dict[str, Any]) -> None:
    partitions = topic_partitions()
    for name in APP_SERVICES:
        info = services()[name]
        topics = info.subscribe_topics()
        main = info.settings(environment(compose["services"][name]))
        assert main.relay_enabled and main.background_enabled, f"{name}: the relay and loops run here"
        consumer = compose["services"].get(f"{name}-consumer")
        if not topics:
            assert consumer is None, f"{name} subscribes to nothing"
            continue
        assert consumer is not None, f"{name} consumes {topics}: it needs {name}-consumer replicas"
        replicas = consumer["deploy"]["replicas"]
        assert 2 <= replicas <= min(partitions[t] for t in topics)
        settings = info.settings(environment(consumer))
        assert settings.consume and not settings.relay_enabled and not settings.background_enabled
        assert settings.group_id == main.group_id == name, "one consumer group per service"
        assert not main.consume, f"{name}: the replicas consume, the API container does not"


def test_kafka_is_three_kraft_brokers_replicating_three_times(compose: dict[str, Any]) -> None:
    brokers = {n: s for n, s in compose["services"].items() if s.get("image", "").startswith("apache/kafka:")}
    assert len(brokers) == 3
    ids = set()
    for name, broker in brokers.items():
        env = environment(broker)
        assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
        assert not any("ZOOKEEPER" in k for k in env)
        assert env["KAFKA_DEFAULT_REPLICATION_FACTOR"] == "3" and env["KAFKA_MIN_INSYNC_REPLICAS"] == "2"
        assert env["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"] == "3"
        assert env["KAFKA_ADVERTISED_LISTENERS"] == f"PLAINTEXT://{name}:9092"
        assert len(base64.urlsafe_b64decode(env["CLUSTER_ID"] + "==")) == 16
        voters = {v.split("@")[0]: v.split("@")[1] for v in env["KAFKA_CONTROLLER_QUORUM_VOTERS"].split(",")}
        assert voters[env["KAFKA_NODE_ID"]] == f"{name}:9093"
        ids.add(env["KAFKA_NODE_ID"])
        assert broker["volumes"], f"{name} keeps its log on a volume"
    assert ids == {"1", "2", "3"}


def test_the_topics_job_creates_the_topics_file_replicated(compose: dict[str, Any]) -> None:
    job = compose["services"]["kafka-topics"]
    command = job["entrypoint"] + job["command"]
    assert command[:4] == ["python", "-m", "chassis.kafka", "create"]
    arguments = dict(zip(command[4::2], command[5::2], strict=True))
    assert arguments["--file"] == "/app/deploy/kafka/topics.yaml"
    assert (
        "COPY deploy/kafka/topics.yaml deploy/kafka/topics.yaml"
        in (ROOT / "deploy/docker/declarations.Dockerfile").read_text()
    )
    assert arguments["--replication"] == "3" and arguments["--config"] == "min.insync.replicas=2"
    assert set(arguments["--bootstrap"].split(",")) == {"kafka-1:9092", "kafka-2:9092", "kafka-3:9092"}
    from chassis.kafka import main  # the arguments parse

    with pytest.raises(SystemExit) as exited:
        main([*command[3:], "--help"])
    assert exited.value.code == 0
    for name in APP_SERVICES:
        depends = compose["services"][name]["depends_on"]
        assert depends["kafka-topics"]["condition"] == "service_completed_successfully"
        assert depends["mongo-init"]["condition"] == "service_completed_successfully"


def test_mongo_is_a_three_node_replica_set_initiated_by_a_job(compose: dict[str, Any]) -> None:
    nodes = {n for n, s in compose["services"].items() if s.get("command", [None])[0] == "mongod"}
    assert nodes == {"mongo-1", "mongo-2", "mongo-3"}
    for node in nodes:
        assert compose["services"][node]["command"][1:3] == ["--replSet", "rs0"]
    script = (COMPOSE.parent / "mongo-init.js").read_text()
    assert set(re.findall(r'host: "([\w-]+):27017"', script)) == nodes
    init = compose["services"]["mongo-init"]
    assert set(init["depends_on"]) == nodes and "mongo-init.js" in init["command"][-1]


def test_mail_goes_to_mailpit(compose: dict[str, Any]) -> None:
    settings = services()["notifier"].settings(environment(compose["services"]["notifier"]))
    assert (settings.smtp_host, settings.smtp_port) == ("mailpit", 1025)  # type: ignore[attr-defined]
    assert compose["services"]["mailpit"]["image"].startswith("axllent/mailpit:")


def test_references_resolve(compose: dict[str, Any]) -> None:
    declared_volumes = set(compose.get("volumes") or {})
    for name, service in compose["services"].items():
        for dependency in service.get("depends_on") or {}:
            assert dependency in compose["services"], f"{name} depends on unknown {dependency}"
        for volume in service.get("volumes") or []:
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (COMPOSE.parent / source).exists(), f"{name}: {source}"
            else:
                assert source in declared_volumes, f"{name}: volume {source} is not declared"


def test_demo_data_job_mints_for_the_same_users_as_make_run(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    from devstack import demo

    # The job reads the file the image ships at /app/deploy/reference; here, the repository's copy.
    monkeypatch.setenv("DEMO_USERS_FILE", str(ROOT / "deploy/reference/demo-users.yaml"))
    spec = importlib.util.spec_from_file_location("compose_demo_data", COMPOSE.parent / "demo_data.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.demo_users() == demo.DEMO_USERS
    assert set(demo.DEMO_USERS) == {
        "declarant",
        "productrice_demandeuse",
        "requester",
        "agent_971",
        "agent_971_b",
        "agent_974",
        "admin",
        "auditor",
        "comptable",
        "dpo",
    }
    dockerfile = (ROOT / "deploy/docker/taxcalc.Dockerfile").read_text()
    assert "WORKDIR /app" in dockerfile and "COPY deploy/reference/ deploy/reference/" in dockerfile
    assert Path(ROOT / "deploy/territories/971/tariff.csv").exists()
