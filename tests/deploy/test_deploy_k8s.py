"""deploy/k8s: every overlay builds with `kubectl kustomize`, validates against the Kubernetes schemas,
and configures the services and the portal the way their settings classes read it."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any
from urllib.parse import urlsplit

import kubernetes_validate
import pytest

from chassis import tracing

from deploy_support import (
    K8S,
    OVERLAYS,
    ServiceInfo,
    dockerfile_env,
    kustomize,
    portal,
    service_of_env,
    services,
    topic_partitions,
)

KUBERNETES_VERSION = "1.33"  # the oldest release we support; the manifests use nothing newer
TREES = {"base": K8S / "base", **{name: K8S / "overlays" / name for name in OVERLAYS}}
ROLES = ("api", "consumer", "worker")
PORTAL_DEPLOYMENT = "portal-web"
Doc = dict[str, Any]


def of_kind(docs: list[Doc], kind: str) -> dict[str, Doc]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def container_env(docs: list[Doc], container: Doc) -> dict[str, str]:
    """The environment a container gets: its ConfigMaps, then its own `env` (Secrets get a stand-in)."""
    config_maps = of_kind(docs, "ConfigMap")
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        env.update(config_maps[source["configMapRef"]["name"]]["data"])
    for item in container.get("env", []):
        if "value" in item:
            env[item["name"]] = item["value"]
        elif "secretKeyRef" in item.get("valueFrom", {}):
            env[item["name"]] = f"mongodb://secret.example:27017/?replicaSet=rs0&w=majority#{item['name']}"
    return env


def deployments(docs: list[Doc]) -> dict[str, tuple[ServiceInfo, str, Doc]]:
    """name → (service, role, deployment), from the app.kubernetes.io labels: the four services' Deployments
    (the portal's has its own checks below)."""
    found = {}
    for name, d in of_kind(docs, "Deployment").items():
        labels = d["spec"]["template"]["metadata"]["labels"]
        if labels["app.kubernetes.io/name"] in services():
            found[name] = (services()[labels["app.kubernetes.io/name"]], labels["app.kubernetes.io/component"], d)
    return found


def main_container(service: ServiceInfo, deployment: Doc) -> Doc:
    containers = {c["name"]: c for c in deployment["spec"]["template"]["spec"]["containers"]}
    return containers[service.name]


def test_the_overlays_are_the_territories_of_the_issue() -> None:
    assert sorted(p.name for p in (K8S / "overlays").iterdir() if p.is_dir()) == sorted(OVERLAYS)


@pytest.mark.parametrize("tree", list(TREES))
def test_builds_and_validates_against_the_kubernetes_schemas(tree: str) -> None:
    docs = kustomize(TREES[tree])
    assert docs
    for doc in docs:
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
    kinds = Counter(d["kind"] for d in docs)
    expected = (
        "Deployment",
        "Service",
        "ConfigMap",
        "PodDisruptionBudget",
        "HorizontalPodAutoscaler",
        "Job",
        "Ingress",
    )
    for kind in expected:
        assert kinds[kind], f"{tree}: no {kind}"
    assert not kinds["Secret"], "Secrets are created outside git; the manifests only refer to them"


@pytest.mark.parametrize("tree", list(TREES))
def test_every_environment_name_is_a_setting_and_the_settings_load(tree: str) -> None:
    docs = kustomize(TREES[tree])
    expected = OVERLAYS.get(tree, ["971", "972", "973", "974", "976"])
    for name, (service, _, deployment) in deployments(docs).items():
        pod = deployment["spec"]["template"]["spec"]
        for container in pod["initContainers"] + [main_container(service, deployment)]:
            env = container_env(docs, container)
            for env_name in env:
                if env_name in tracing.SETTINGS:  # OpenTelemetry's own names, read by chassis.tracing
                    continue
                owner = service_of_env(env_name)
                assert owner is not None and owner.name == service.name, f"{name}: {env_name}"
                assert env_name in service.env_names, f"{name}: {env_name} is no field of its settings"
        settings = service.settings(container_env(docs, main_container(service, deployment)))
        assert settings.territories == expected, name
        assert settings.kafka_idempotence and settings.kafka_acks == "all", name
        assert settings.jwks_url, f"{name}: production verifies RS256 tokens against the JWKS"
        assert settings.database == f"{service.name}-{'-'.join(expected)}"
        assert settings.group_id == settings.database


def test_territory_deployments_never_share_a_database_or_a_consumer_group() -> None:
    seen: dict[tuple[str, str], str] = {}
    for tree in OVERLAYS:
        docs = kustomize(TREES[tree])
        names = set()
        for _, (service, _, deployment) in deployments(docs).items():
            settings = service.settings(container_env(docs, main_container(service, deployment)))
            names |= {("db", settings.database), ("group", settings.group_id)}
        for key in names:
            assert key not in seen, f"{tree} and {seen.get(key)} share {key}"
            seen[key] = tree


@pytest.mark.parametrize("tree", list(TREES))
def test_probes_ask_real_endpoints_on_the_service_port(tree: str) -> None:
    docs = kustomize(TREES[tree])
    for name, (service, _, deployment) in deployments(docs).items():
        container = main_container(service, deployment)
        ports = {p["name"]: p["containerPort"] for p in container["ports"]}
        image_port = int(dockerfile_env(service.name)[f"{service.prefix}HTTP_PORT"])
        assert ports == {"http": image_port}, name
        assert container["readinessProbe"]["httpGet"]["path"] == "/health/ready"
        assert container["livenessProbe"]["httpGet"]["path"] == "/health/live"
        for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
            get = container[probe]["httpGet"]
            assert get["port"] in ports and service.serves(get["path"]), f"{name} {probe}"


@pytest.mark.parametrize("tree", list(TREES))
def test_every_container_has_requests_limits_and_runs_as_non_root(tree: str) -> None:
    docs = kustomize(TREES[tree])
    pods = [
        (n, d["spec"]["template"]["spec"]) for n, d in {**of_kind(docs, "Deployment"), **of_kind(docs, "Job")}.items()
    ]
    for name, pod in pods:
        assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] != 0
        for container in pod.get("initContainers", []) + pod["containers"]:
            for kind in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(container["resources"][kind]), f"{name}/{container['name']}"
            assert container["securityContext"]["allowPrivilegeEscalation"] is False
            assert re.fullmatch(r"registry\.douane\.example/octroi/\w+:\d+\.\d+\.\d+", container["image"])


@pytest.mark.parametrize("tree", list(TREES))
def test_roles_one_relay_per_service_and_consumers_where_topics_are_read(tree: str) -> None:
    docs = kustomize(TREES[tree])
    found = deployments(docs)
    partitions = topic_partitions()
    hpas = of_kind(docs, "HorizontalPodAutoscaler")
    for service in services().values():
        roles = {role: d for _, (s, role, d) in found.items() if s is service}
        topics = service.subscribe_topics()
        assert set(roles) == ({"api", "consumer", "worker"} if topics else {"api", "worker"}), service.name
        relays = background = 0
        for role, deployment in roles.items():
            settings = service.settings(container_env(docs, main_container(service, deployment)))
            relays += settings.relay_enabled
            background += settings.background_enabled
            assert settings.consume == (role == "consumer"), f"{service.name}-{role}"
        assert relays == background == 1, f"{service.name}: one relay, one set of background loops"
        worker = roles["worker"]["spec"]
        assert worker["replicas"] == 1 and worker["strategy"]["type"] == "Recreate"
        if topics:
            hpa = hpas[f"{service.name}-consumer"]["spec"]
            assert 2 <= hpa["minReplicas"] <= hpa["maxReplicas"] <= min(partitions[t] for t in topics), (
                "more consumers than partitions would sit idle"
            )


@pytest.mark.parametrize("tree", list(TREES))
def test_autoscalers_budgets_and_services_point_at_what_exists(tree: str) -> None:
    docs = kustomize(TREES[tree])
    found = deployments(docs)
    every = of_kind(docs, "Deployment")  # the services' and the portal's
    labels_of = {n: d["spec"]["template"]["metadata"]["labels"] for n, d in every.items()}

    def selects(selector: dict[str, str]) -> list[str]:
        return [n for n, labels in labels_of.items() if selector.items() <= labels.items()]

    for name, hpa in of_kind(docs, "HorizontalPodAutoscaler").items():
        assert hpa["spec"]["scaleTargetRef"]["name"] in every, name
        assert "replicas" not in every[hpa["spec"]["scaleTargetRef"]["name"]]["spec"], (
            f"{name}: the autoscaler owns the replica count"
        )
        lag = [m for m in hpa["spec"]["metrics"] if m["type"] == "External"]
        if name.endswith("-consumer"):
            service, _, deployment = found[name]
            group = service.settings(container_env(docs, main_container(service, deployment))).group_id
            assert [m["external"]["metric"]["selector"]["matchLabels"]["consumergroup"] for m in lag] == [group]
    for name, pdb in of_kind(docs, "PodDisruptionBudget").items():
        assert selects(pdb["spec"]["selector"]["matchLabels"]) == [name]
    for name, svc in of_kind(docs, "Service").items():
        assert selects(svc["spec"]["selector"]) == [PORTAL_DEPLOYMENT if name == "portal" else f"{name}-api"]


@pytest.mark.parametrize("tree", list(TREES))
def test_the_portal_is_a_stateless_autoscaled_web_deployment(tree: str) -> None:
    docs = kustomize(TREES[tree])
    deployment = of_kind(docs, "Deployment")[PORTAL_DEPLOYMENT]
    assert deployment["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/name"] == "portal"
    strategy = deployment["spec"]["strategy"]
    assert strategy == {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}}
    pod = deployment["spec"]["template"]["spec"]
    assert not pod.get("initContainers"), "no Kafka, no database: nothing to wait for"
    assert all("emptyDir" in v for v in pod.get("volumes", [])), "stateless: no persistent volume"
    assert pod["securityContext"]["runAsUser"] == 10001
    assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
    assert pod["automountServiceAccountToken"] is False
    (container,) = pod["containers"]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]
    assert container["args"] == ["serve"]
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports == {"http": int(dockerfile_env("portal")["PORTAL_PORT"])} == {"http": portal().port}
    assert container["readinessProbe"]["httpGet"] == {"path": "/health/ready", "port": "http"}
    assert container["livenessProbe"]["httpGet"] == {"path": "/health/live", "port": "http"}
    for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
        assert portal().serves(container[probe]["httpGet"]["path"]), probe
    hpa = of_kind(docs, "HorizontalPodAutoscaler")[PORTAL_DEPLOYMENT]["spec"]
    assert hpa["scaleTargetRef"]["name"] == PORTAL_DEPLOYMENT and 2 <= hpa["minReplicas"] < hpa["maxReplicas"]
    assert [m["resource"]["name"] for m in hpa["metrics"] if m["type"] == "Resource"] == ["cpu"]
    assert of_kind(docs, "PodDisruptionBudget")[PORTAL_DEPLOYMENT]["spec"]["maxUnavailable"] == 1
    assert of_kind(docs, "Service")["portal"]["spec"]["ports"] == [{"name": "http", "port": 80, "targetPort": "http"}]


@pytest.mark.parametrize("tree", list(TREES))
def test_the_portal_settings_load_with_oidc_and_its_secrets(tree: str) -> None:
    docs = kustomize(TREES[tree])
    container = of_kind(docs, "Deployment")[PORTAL_DEPLOYMENT]["spec"]["template"]["spec"]["containers"][0]
    env = container_env(docs, container)
    for name in env:
        if name in tracing.SETTINGS:  # OpenTelemetry's own names, read by chassis.tracing
            continue
        assert name.startswith("PORTAL_") and name in portal().env_names, f"{name} is no field of PortalSettings"
    assert not any("DEV_" in name or "DEMO_" in name for name in env), "the development sign-in is for `make run`"
    secrets = {
        item["name"]: (item["valueFrom"]["secretKeyRef"]["name"], item["valueFrom"]["secretKeyRef"]["key"])
        for item in container["env"]
        if "secretKeyRef" in item.get("valueFrom", {})
    }
    assert secrets == {
        "PORTAL_SESSION_SECRET": ("portal-secrets", "session-secret"),
        "PORTAL_OIDC_CLIENT_SECRET": ("portal-secrets", "oidc-client-secret"),
        "PORTAL_METRICS_TOKEN": ("portal-secrets", "metrics-token"),
        "PORTAL_MONGO_URI": ("portal-mongo", "uri"),
    }
    settings = portal().settings({**dockerfile_env("portal"), **env})
    assert settings.startup_problem() is None, "`portal serve` would refuse to start"
    assert settings.host == "0.0.0.0" and settings.dev_login is False
    assert settings.public_url.startswith("https://") and settings.secure_cookies
    service_names = set(of_kind(docs, "Service"))
    for name in ("declarations", "taxcalc", "essoc"):
        assert getattr(settings, f"{name}_url") == f"http://{name}" and name in service_names, name
    # The provider the portal signs in with is the one whose keys the services verify tokens with.
    for service, (info, role, deployment) in deployments(docs).items():
        if role == "api":
            jwks = info.settings(container_env(docs, main_container(info, deployment))).jwks_url
            assert jwks and jwks.startswith(settings.oidc_issuer.rstrip("/") + "/"), service


@pytest.mark.parametrize("tree", list(TREES))
def test_the_portal_ingress_serves_the_public_address(tree: str) -> None:
    docs = kustomize(TREES[tree])
    container = of_kind(docs, "Deployment")[PORTAL_DEPLOYMENT]["spec"]["template"]["spec"]["containers"][0]
    public = urlsplit(portal().settings(container_env(docs, container)).public_url)
    ingress = of_kind(docs, "Ingress")["portal"]["spec"]
    assert ingress["ingressClassName"] == "nginx"
    (rule,) = ingress["rules"]
    assert rule["host"] == public.hostname and public.path in ("", "/")
    assert ingress["tls"] == [{"hosts": [public.hostname], "secretName": "portal-tls"}]
    paths = rule["http"]["paths"]
    assert ("/", "Exact") in [(p["path"], p["pathType"]) for p in paths]  # the home; the spaces: test_deploy_portal
    service = of_kind(docs, "Service")["portal"]
    for path in paths:
        backend = path["backend"]["service"]
        assert backend["name"] == "portal" and backend["port"]["name"] in {p["name"] for p in service["spec"]["ports"]}


@pytest.mark.parametrize("tree", list(TREES))
def test_payfip_notifications_reach_the_declarations_service_at_the_portals_address(tree: str) -> None:
    """PayFiP posts a card payment's result to `<DECLARATIONS_PUBLIC_URL>/api/v1/payfip/notifications`: that one
    path, on the portal's host, goes to the declarations API and nothing else of it is public."""
    docs = kustomize(TREES[tree])
    portal_host = of_kind(docs, "Ingress")["portal"]["spec"]["rules"][0]["host"]
    (rule,) = of_kind(docs, "Ingress")["declarations-payfip"]["spec"]["rules"]
    assert rule["host"] == portal_host
    [(path, kind, backend)] = [(p["path"], p["pathType"], p["backend"]["service"]) for p in rule["http"]["paths"]]
    assert (path, kind, backend["name"]) == ("/api/v1/payfip/notifications", "Exact", "declarations")
    service, _, api = next(d for d in deployments(docs).values() if d[0].name == "declarations" and d[1] == "api")
    settings = service.settings(container_env(docs, main_container(service, api)))
    assert urlsplit(settings.public_url).hostname == portal_host == urlsplit(settings.portal_url).hostname
    assert settings.payfip_url.startswith("https://") and settings.payfip_payment_url.startswith("https://")
    assert not settings.card_payments  # until the recette's PayFiP client number is set


def test_each_territory_portal_has_its_own_address() -> None:
    hosts = {tree: of_kind(kustomize(TREES[tree]), "Ingress")["portal"]["spec"]["rules"][0]["host"] for tree in TREES}
    assert len(set(hosts.values())) == len(hosts), hosts


def test_the_topics_job_replicates_three_times_with_two_in_sync() -> None:
    job = kustomize(TREES["base"])
    container = of_kind(job, "Job")["kafka-topics"]["spec"]["template"]["spec"]["containers"][0]
    command = container["command"]
    assert command[:4] == ["python", "-m", "chassis.kafka", "create"]
    arguments = dict(zip(command[4::2], command[5::2], strict=True))
    assert arguments["--replication"] == "3" and arguments["--config"] == "min.insync.replicas=2"
    assert arguments["--file"] == "/app/deploy/kafka/topics.yaml"
    env = container_env(job, container)
    assert re.fullmatch(r"\$\((\w+)\)", arguments["--bootstrap"])[1] in env  # type: ignore[index]


def test_the_operators_handbook_covers_what_the_issue_asks() -> None:
    handbook = K8S.parents[1] / "docs" / "operations"
    section = "\n".join(page.read_text() for page in sorted(handbook.glob("*.md"))).lower()
    for topic in (
        "what runs where",
        "partitions",
        "scaling the consumers",
        "adding a territory",
        "rotating the jwt keys",
        "mongodump",
        "mongorestore",
        "replay",
    ):
        assert topic in section, topic
