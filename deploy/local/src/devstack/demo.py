"""Demo users and their tokens, and the demo tariffs loaded into taxcalc at start."""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

import httpx
import yaml

from chassis.http.auth import mint
from chassis.settings import ServiceSettings
from contracts.audit import Keyring, generate_private_key, load_private_key, public_key_entry

TERRITORIES = ("971", "972", "973", "974", "976")

DEMO_USERS_FILE = Path(__file__).resolve().parents[3] / "reference" / "demo-users.yaml"
DEMO_USERS: dict[str, dict[str, Any]] = yaml.safe_load(DEMO_USERS_FILE.read_text(encoding="utf-8"))


def jwt_secret(var_dir: Path) -> str:
    """A secret generated once per `var/`, so tokens printed earlier keep working after a restart."""
    return secret(var_dir, "jwt-secret")


def secret(var_dir: Path, name: str) -> str:
    """A secret generated once per `var/` (tokens and sessions outlive a restart of `make run`)."""
    path = var_dir / name
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def audit_keys(var_dir: Path, services: list[str]) -> Path:
    """Each service's seal-signing key, generated once in `var/audit/` (outside the database, as a mounted
    secret is in production), and the public keyring of all of them, written at each start."""
    folder = var_dir / "audit"
    folder.mkdir(parents=True, exist_ok=True)
    entries = []
    for service in services:
        path = folder / f"{service}.key"
        key = load_private_key(path) if path.exists() else generate_private_key(path)
        entries.append(public_key_entry(key, service))
    keyring = folder / "keyring.json"
    keyring.write_text(Keyring(keys=entries).dumps(), encoding="utf-8")
    return keyring


def tokens(secret: str) -> dict[str, str]:
    settings = ServiceSettings(jwt_secret=secret)
    return {name: mint(settings, **claims) for name, claims in DEMO_USERS.items()}


def write_tokens(var_dir: Path, minted: dict[str, str]) -> Path:
    path = var_dir / "tokens.json"
    path.write_text(json.dumps(minted, indent=2) + "\n")
    return path


async def load_tariffs(taxcalc_url: str, admin_token: str, reference_dir: Path) -> dict[str, str]:
    """Imports each territory's demo tariff; re-importing the same file publishes nothing."""
    outcome: dict[str, str] = {}
    async with httpx.AsyncClient(base_url=taxcalc_url, timeout=30) as client:
        for territory in TERRITORIES:
            csv = reference_dir / territory / "tariff.csv"
            if not csv.exists():
                continue
            r = await client.post(
                "/api/v1/tariffs",
                content=csv.read_bytes(),
                params={"territory": territory},
                headers={"Authorization": f"Bearer {admin_token}", "Content-Type": "text/csv"},
            )
            r.raise_for_status()
            outcome[territory] = "publié" if r.json()["published"] else "inchangé"
    return outcome
