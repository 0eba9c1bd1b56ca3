"""deploy/k8s and compose: the key store of crypto-shredding (decision 0031) — every container of the four services
gets the master key and the key store's address from their Secrets, never from a ConfigMap; the services of one
territory deployment share one key store database, and two deployments never share one; compose requires the master
key and gives the same one to every service."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from test_deploy_compose import APP_SERVICES, ENV, environment
from test_deploy_k8s import TREES, container_env, deployments, main_container, of_kind

from deploy_support import COMPOSE, K8S, OVERLAYS, interpolate, kustomize, services

Doc = dict[str, Any]


def _secret_refs(container: Doc) -> dict[str, tuple[str, str]]:
    return {
        item["name"]: (item["valueFrom"]["secretKeyRef"]["name"], item["valueFrom"]["secretKeyRef"]["key"])
        for item in container.get("env", [])
        if "secretKeyRef" in item.get("valueFrom", {})
    }


@pytest.mark.parametrize("tree", list(TREES))
def test_every_service_container_reads_the_master_key_and_the_key_store_from_secrets(tree: str) -> None:
    docs = kustomize(TREES[tree])
    config_maps = of_kind(docs, "ConfigMap")
    assert not any("KEYSTORE_KEK" in key for cm in config_maps.values() for key in cm.get("data", {}))
    databases = set()
    checked = 0
    for name, (service, _, deployment) in deployments(docs).items():
        prefix = service.name.upper() + "_"
        pod = deployment["spec"]["template"]["spec"]
        for container in [*pod.get("initContainers", []), main_container(service, deployment)]:
            refs = _secret_refs(container)
            if prefix + "MONGO_URI" not in refs:
                continue  # a container that opens no database opens no key store either
            assert refs[prefix + "KEYSTORE_KEK"] == ("keystore-kek", "kek"), name
            assert refs[prefix + "KEYSTORE_URI"] == ("keystore-mongo", "uri"), name
            checked += 1
        settings = service.settings(container_env(docs, main_container(service, deployment)))
        databases.add(settings.keystore_database)
    assert checked >= len(deployments(docs)) > 0
    territories = "-".join(OVERLAYS.get(tree, ["971", "972", "973", "974", "976"]))
    assert databases == {f"keystore-{territories}"}, "one key store per deployment, shared by its services"


def test_two_territory_deployments_never_share_a_key_store() -> None:
    seen: dict[str, str] = {}
    for tree in OVERLAYS:
        docs = kustomize(K8S / "overlays" / tree)
        found = {
            service.settings(container_env(docs, main_container(service, deployment))).keystore_database
            for service, _, deployment in deployments(docs).values()
        }
        [database] = found
        assert database not in seen, f"{tree} and {seen.get(database)} share {database}"
        seen[database] = tree
    assert len(seen) == len(OVERLAYS)


def test_compose_gives_every_service_the_same_master_key_which_must_be_set() -> None:
    spec = yaml.safe_load(COMPOSE.read_text())
    containers = {n: c for n, c in spec["services"].items() if n.split("-")[0] in APP_SERVICES}
    assert set(containers) >= set(APP_SERVICES)
    for name, container in containers.items():
        service = services()[name.split("-")[0]]
        settings = service.settings(environment(container))
        assert settings.keystore_kek == ENV["KEYSTORE_KEK"], name  # one key wraps the keys every service reads
        assert settings.keystore_database == "keystore", name
    with pytest.raises(KeyError):
        interpolate(spec["x-settings"]["keystore-kek"], {})
