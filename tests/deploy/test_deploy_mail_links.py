"""The mails link to the portal people use: in every deployment, the notifier's NOTIFIER_PORTAL_URL is the address
of the portal deployed beside it (its PORTAL_PUBLIC_URL), so a mail of La Réunion opens La Réunion's portal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from devstack.stack import Stack

from deploy_support import COMPOSE, K8S, OVERLAYS, interpolate, kustomize, portal, services

TREES = {"base": K8S / "base", **{name: K8S / "overlays" / name for name in OVERLAYS}}


def _config(docs: list[dict[str, Any]], name: str) -> dict[str, str]:
    [config] = [d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"].startswith(f"{name}-config")]
    data: dict[str, str] = config["data"]
    return data


@pytest.mark.parametrize("tree", list(TREES))
def test_each_k8s_deployment_links_its_mails_to_its_own_portal(tree: str) -> None:
    docs = kustomize(TREES[tree])
    notifier = services()["notifier"].settings(_config(docs, "notifier"))
    public = portal().settings(_config(docs, "portal")).public_url
    assert notifier.portal_url == public.rstrip("/") and notifier.portal_url.startswith("https://")


def test_compose_links_the_mails_to_the_portal_address_people_type() -> None:
    environment = yaml.safe_load(COMPOSE.read_text())["services"]["notifier"]["environment"]
    for given in ({}, {"PORTAL_PUBLIC_URL": "https://portail.example"}):
        link = interpolate(str(environment["NOTIFIER_PORTAL_URL"]), given)
        portal_address = interpolate(
            str(yaml.safe_load(COMPOSE.read_text())["services"]["portal"]["environment"]["PORTAL_PUBLIC_URL"]), given
        )
        assert link == portal_address


def test_make_run_links_the_mails_to_its_portal(tmp_path: Path) -> None:
    stack = Stack(tmp_path, ports={"portal": 8123})
    assert stack.service("notifier").env["NOTIFIER_PORTAL_URL"] == stack.portal.env["PORTAL_PUBLIC_URL"]
    assert stack.portal.env["PORTAL_PUBLIC_URL"] == "http://127.0.0.1:8123"
