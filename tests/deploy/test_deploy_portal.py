"""The portal's development sign-in (PORTAL_DEV_LOGIN: anyone picks a demo user) is for `make run` only:
no deployment artefact may turn it on, neither in its text nor in what it renders to."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from deploy_support import COMPOSE, DOCKER, K8S, OVERLAYS, interpolate, kustomize, portal

# pydantic-settings reads the environment case-insensitively: portal_dev_login would turn it on too.
DEV_SIGN_IN = re.compile(r"PORTAL_DEV_(LOGIN|JWT_SECRET)|PORTAL_DEMO_USERS_FILE", re.IGNORECASE)
DEPLOYMENT_DIRS = (COMPOSE.parent, K8S, DOCKER)


def mentions(root: Path) -> list[str]:
    """`file:line` of every mention of the development sign-in's settings under `root`."""
    found = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        text = path.read_text(encoding="utf-8", errors="replace")
        found += [f"{path}:{n}" for n, line in enumerate(text.splitlines(), 1) if DEV_SIGN_IN.search(line)]
    return found


def test_no_file_under_deploy_compose_k8s_or_docker_sets_portal_dev_login() -> None:
    for root in DEPLOYMENT_DIRS:
        assert mentions(root) == [], f"the development sign-in is for `make run` only: {mentions(root)}"


def test_the_scan_does_find_a_dev_login(tmp_path: Path) -> None:
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s" / "portal.env").write_text("PORTAL_HOST=0.0.0.0\nportal_dev_login=true\n")
    assert mentions(tmp_path) == [f"{tmp_path / 'k8s' / 'portal.env'}:2"]


def test_the_rendered_portal_settings_have_no_dev_login() -> None:
    """What compose and every kustomize tree actually give the portal container."""
    compose = yaml.safe_load(COMPOSE.read_text())["services"]["portal"]["environment"]
    given = {"JWT_SECRET": "x" * 32, "PORTAL_SESSION_SECRET": "y" * 32, "PORTAL_DEV_LOGIN": "true"}
    environments = {"compose": {k: interpolate(str(v), given) for k, v in compose.items()}}
    for tree in ("base", *OVERLAYS):
        docs = kustomize(K8S / "base" if tree == "base" else K8S / "overlays" / tree)
        deployment = next(d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"] == "portal-web")
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        config_maps = {d["metadata"]["name"]: d["data"] for d in docs if d["kind"] == "ConfigMap"}
        env = {k: v for s in container.get("envFrom", []) for k, v in config_maps[s["configMapRef"]["name"]].items()}
        env |= {e["name"]: e["value"] for e in container.get("env", []) if "value" in e}
        environments[tree] = env
    for where, env in environments.items():
        assert not any(DEV_SIGN_IN.search(name) for name in env), where
        settings = portal().settings(env)
        assert settings.dev_login is False and settings.dev_jwt_secret is None, where


def test_the_ingress_exposes_every_page_of_the_portal_and_neither_its_metrics_nor_its_health() -> None:
    """The probe found `/metrics` public through an Ingress routing `/`. Every space of the portal is routed, and
    nothing else: a new space missing here fails, as does a path that would reach `/metrics` or `/health`."""
    from portal.app import create_app
    from portal.settings import PortalSettings

    docs = kustomize(K8S / "base")
    ingress = next(d for d in docs if d["kind"] == "Ingress" and d["metadata"]["name"] == "portal")
    routed = [(p["path"], p["pathType"]) for rule in ingress["spec"]["rules"] for p in rule["http"]["paths"]]

    def exposed(path: str) -> bool:
        return any(
            path == p if kind == "Exact" else path == p or path.startswith(p.rstrip("/") + "/") for p, kind in routed
        )

    app = create_app(PortalSettings(session_secret="s" * 40, dev_login=True, dev_jwt_secret="j" * 40))
    pages = {getattr(r, "path", "") for r in _routes_of(app)}
    internal = {p for p in pages if p == "/metrics" or p.startswith("/health") or p.startswith("/dev/")}
    assert internal >= {"/metrics", "/health/live", "/health/ready"}
    assert not [p for p in internal if exposed(p)], routed
    assert [p for p in pages - internal if not exposed(p)] == []


def _routes_of(app: object) -> list[object]:
    found: list[object] = []

    def walk(routes: list[object]) -> None:
        for route in routes:
            candidates = getattr(route, "effective_candidates", None)
            if candidates is not None:
                walk(candidates())
            elif hasattr(route, "methods"):
                found.append(route)

    walk(list(getattr(app, "routes", [])))
    return found
