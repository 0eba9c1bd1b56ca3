"""The Dockerfiles of the four services and the portal, linted without Docker: hadolint, then our own rules
on top of it."""

from __future__ import annotations

import http.server
import re
import subprocess
import sys
import threading
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from deploy_support import DOCKER, IMAGES, ROOT, dockerfile_env, images, tool

SERVICES = IMAGES  # the four services and the portal
SECRET_WORDS = re.compile(r"SECRET|PASSWORD|PASSWD|TOKEN|PRIVATE|CREDENTIAL|API_?KEY", re.IGNORECASE)
PINNED_TAG = re.compile(r"^[\w./-]+:(v?\d+\.\d+\.\d+[\w.-]*)(@sha256:[0-9a-f]{64})?$|^[\w./-]+@sha256:[0-9a-f]{64}$")


def instructions(service: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined, comments dropped."""
    text = (DOCKER / f"{service}.Dockerfile").read_text().replace("\\\n", " ")
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, args = line.partition(" ")
            out.append((keyword.upper(), args.strip()))
    return out


def stages(service: str) -> list[list[tuple[str, str]]]:
    found: list[list[tuple[str, str]]] = [[]]
    for keyword, args in instructions(service):
        if keyword == "FROM":
            found.append([])
        found[-1].append((keyword, args))
    return found  # [0] is what precedes the first FROM (global ARGs)


def global_args(service: str) -> dict[str, str]:
    return dict(a.split("=", 1) for k, a in stages(service)[0] if k == "ARG" and "=" in a)


@pytest.mark.parametrize("service", SERVICES)
def test_hadolint_finds_nothing(service: str) -> None:
    result = subprocess.run(
        [
            tool("hadolint"),
            "--no-color",
            "--config",
            str(DOCKER / "hadolint.yaml"),
            str(DOCKER / f"{service}.Dockerfile"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_does_fail_a_bad_dockerfile(tmp_path: Path) -> None:
    bad = tmp_path / "bad.Dockerfile"
    bad.write_text("FROM python:latest\nRUN pip install requests\nENV DB_PASSWORD=hunter2\n")
    result = subprocess.run(
        [tool("hadolint"), "--no-color", "--config", str(DOCKER / "hadolint.yaml"), str(bad)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0 and "DL3007" in result.stdout


@pytest.mark.parametrize("service", SERVICES)
def test_multi_stage_build_from_pinned_base_images(service: str) -> None:
    args = global_args(service)
    froms = [args_ for stage in stages(service)[1:] for k, args_ in stage if k == "FROM"]
    assert len(froms) >= 2, "a build stage and a runtime stage"
    stage_names = {f.split(" AS ")[-1] for f in froms if " AS " in f}
    for line in froms:
        image = line.split(" AS ")[0].removeprefix("--platform=linux/amd64 ").strip()
        image = re.sub(r"\$\{(\w+)\}", lambda m: args[m[1]], image)
        assert image in stage_names or PINNED_TAG.match(image), f"{image}: pin an exact version or a digest"
    final = stages(service)[-1]
    assert any(k == "COPY" and a.startswith("--from=build ") for k, a in final), "the runtime copies the build"
    assert not any(k == "RUN" and "uv " in a for k, a in final), "no uv, no build tools in the runtime stage"


@pytest.mark.parametrize("service", SERVICES)
def test_dependencies_come_from_the_lock_without_dev_tools(service: str) -> None:
    syncs = [a for k, a in instructions(service) if k == "RUN" and "uv sync" in a]
    assert len(syncs) == 2, "dependencies layer, then the workspace packages"
    for sync in syncs:
        assert "--locked" in sync or "--frozen" in sync
        assert "--no-dev" in sync and f"--package {service}" in sync
    assert "--no-editable" in syncs[-1], "the runtime stage copies a self-contained venv"


@pytest.mark.parametrize("service", SERVICES)
def test_every_workspace_member_is_known_to_the_locked_sync(service: str) -> None:
    """`uv sync --locked` compares uv.lock with every member's pyproject: all must be in the image."""
    workspace = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["uv"]["workspace"]["members"]
    members = {
        p.parent.relative_to(ROOT).as_posix() for pattern in workspace for p in ROOT.glob(f"{pattern}/pyproject.toml")
    }
    copied = {
        a.split()[0].removesuffix("/pyproject.toml")
        for k, a in instructions(service)
        if k == "COPY" and a.split()[0].endswith("/pyproject.toml")
    }
    assert members and members == copied


@pytest.mark.parametrize("service", SERVICES)
def test_runs_as_a_non_root_user(service: str) -> None:
    final = stages(service)[-1]
    users = [a for k, a in final if k == "USER"]
    assert users, "the runtime stage sets USER"
    user = users[-1].split(":")[0]
    assert user not in ("0", "root"), user
    assert user.isdigit(), "a numeric uid, so Kubernetes' runAsNonRoot can check it"
    assert [k for k, _ in final].index("USER") > max(i for i, (k, _) in enumerate(final) if k == "RUN")


@pytest.mark.parametrize("service", SERVICES)
def test_healthcheck_asks_the_readiness_endpoint_on_the_exposed_port(service: str) -> None:
    info = images()[service]
    final = stages(service)[-1]
    checks = [a for k, a in final if k == "HEALTHCHECK"]
    assert len(checks) == 1
    url = re.search(r"http://127\.0\.0\.1:(\d+)(/\S+?)\"", checks[0])
    assert url, checks[0]
    assert url[2] == "/health/ready" and info.serves(url[2])
    exposed = [a for k, a in final if k == "EXPOSE"]
    env = dockerfile_env(service)
    assert exposed == [url[1]] == [env[info.port_env]] == [str(info.port)]


@pytest.mark.parametrize("service", SERVICES)
def test_no_secret_in_env_or_args(service: str) -> None:
    for keyword, args in instructions(service):
        if keyword in ("ENV", "ARG"):
            for name in re.findall(r"([A-Za-z_][A-Za-z0-9_]*)(?==|\s|$)", args):
                assert not SECRET_WORDS.search(name), f"{keyword} {name}: secrets come from the orchestrator"


@pytest.mark.parametrize("service", SERVICES)
def test_env_names_are_settings_of_the_service(service: str) -> None:
    info = images()[service]
    for name in dockerfile_env(service):
        if name.startswith(info.prefix):
            assert name in info.env_names, f"{name} is no field of {info.settings_class.__name__}"
    settings = info.settings({k: v for k, v in dockerfile_env(service).items() if k.startswith(info.prefix)})
    assert getattr(settings, info.host_field) == "0.0.0.0", f"{info.host_env}: a container listens on every address"


@pytest.mark.parametrize("service", SERVICES)
def test_entrypoint_is_the_service_console_script(service: str) -> None:
    project = tomllib.loads((ROOT / "services" / service / "pyproject.toml").read_text())
    assert service in project["project"]["scripts"]
    final = stages(service)[-1]
    assert ("ENTRYPOINT", f'["{service}"]') in final and ("CMD", '["serve"]') in final


@pytest.mark.parametrize("service", SERVICES)
def test_every_copied_path_exists_and_a_dockerignore_sits_beside(service: str) -> None:
    for keyword, args in instructions(service):
        if keyword == "COPY" and not args.startswith("--from"):
            for source in args.split()[:-1]:
                if not source.startswith("--"):
                    assert (ROOT / source).exists(), source
    ignore = (DOCKER / f"{service}.Dockerfile.dockerignore").read_text()
    assert ".venv" in ignore and ".git" in ignore


def normalised_recipe(service: str) -> str:
    """The Dockerfile with what may differ taken out: the header comments, the service-specific block,
    and the service's name and port replaced by SVC / svc / PORT."""
    text = (DOCKER / f"{service}.Dockerfile").read_text()
    text = re.sub(r"# --- service-specific: begin\n.*?# --- service-specific: end\n", "", text, flags=re.S)
    text = re.sub(r"^# .*\n", "", text, flags=re.M)  # the header comment names the service
    port = str(images()[service].port)
    members = re.compile(r"^COPY services/\w+/pyproject.toml ")  # every Dockerfile copies all the members
    return "\n".join(
        line
        if members.match(line)
        else line.replace(service.upper(), "SVC").replace(service, "svc").replace(port, "PORT")
        for line in text.splitlines()
    )


def without_runtime_data_and_settings(recipe: str) -> str:
    """A normalised recipe without the runtime stage's data files and the SVC_ settings (the portal needs
    no topics, territories or reference data, and names its host and port settings PORTAL_HOST/_PORT)."""
    build, runtime = recipe.split(" AS runtime\n")
    kept = [
        line
        for line in runtime.splitlines()
        if not re.match(r"COPY (?!--from=|deploy/docker/healthcheck\.py )", line) and not re.match(r"\s+SVC_\w+=", line)
    ]
    return build + " AS runtime\n" + "\n".join(kept)


def test_the_five_dockerfiles_are_one_recipe() -> None:
    reference = normalised_recipe("declarations")
    for service in ("taxcalc", "essoc", "notifier"):
        assert normalised_recipe(service) == reference, f"{service}.Dockerfile drifted from declarations.Dockerfile"
    # The portal: the same recipe, but for the data it copies and its settings (checked above: host, port,
    # PORTAL_ names that are settings of PortalSettings, and below: the release notes).
    assert without_runtime_data_and_settings(normalised_recipe("portal")) == without_runtime_data_and_settings(
        reference
    ), "portal.Dockerfile drifted from declarations.Dockerfile"


def test_the_portal_image_carries_the_release_notes_and_no_service_data() -> None:
    final = stages("portal")[-1]
    copies = [a for k, a in final if k == "COPY" and not a.startswith("--from=")]
    assert copies == ["CHANGELOG.md CHANGELOG.md", "deploy/docker/healthcheck.py /usr/local/bin/octroi-healthcheck"]
    assert ("WORKDIR", "/app") in final
    env = dockerfile_env("portal")
    assert env["PORTAL_CHANGELOG_FILE"] == "/app/CHANGELOG.md"
    assert env["PORTAL_LOG_JSON"] == "true"
    assert not any(name.startswith("PORTAL_") and SECRET_WORDS.search(name) for name in env)
    assert "PORTAL_DEV_LOGIN" not in env and "PORTAL_DEV_JWT_SECRET" not in env


@pytest.fixture
def http_status() -> Iterator[tuple[str, list[int]]]:
    status = [200]

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(status[0])
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/health/ready", status
    finally:
        server.shutdown()


def test_healthcheck_script_exits_0_when_ready_and_1_when_degraded(http_status: tuple[str, list[int]]) -> None:
    url, status = http_status
    script = str(DOCKER / "healthcheck.py")
    assert subprocess.run([sys.executable, script, url], capture_output=True, check=False).returncode == 0
    status[0] = 503
    assert subprocess.run([sys.executable, script, url], capture_output=True, check=False).returncode == 1
    assert (
        subprocess.run(
            [sys.executable, script, "http://127.0.0.1:9/health/ready"], capture_output=True, check=False
        ).returncode
        == 1
    )
