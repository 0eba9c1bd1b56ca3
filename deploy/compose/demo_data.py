"""The compose `demo-data` job: what `make run` does after start, for the compose stack.

Imports each served territory's demo tariff into taxcalc (re-importing the same file publishes
nothing) and prints ready tokens for the demo users, signed with the stack's JWT secret. Runs in
the taxcalc image (stdlib and chassis only). The users come from
`deploy/reference/demo-users.yaml`, the file `make run` reads too.
"""

from __future__ import annotations

import json
import os
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import yaml

from chassis.http.auth import mint
from chassis.settings import ServiceSettings

TERRITORIES = ("971", "972", "973", "974", "976")

# The same users as `make run` (devstack reads the same file); the image ships deploy/reference/.
DEMO_USERS_FILE = Path(os.environ.get("DEMO_USERS_FILE", "/app/deploy/reference/demo-users.yaml"))


def demo_users() -> dict[str, dict[str, Any]]:
    users: dict[str, dict[str, Any]] = yaml.safe_load(DEMO_USERS_FILE.read_text(encoding="utf-8"))
    return users


def wait_ready(base_url: str, within: float = 180.0) -> None:
    deadline = time.monotonic() + within
    while True:
        try:
            with urllib.request.urlopen(f"{base_url}/health/ready", timeout=5):
                return
        except (urllib.error.URLError, OSError):
            if time.monotonic() > deadline:
                raise
            time.sleep(2)


def import_tariff(base_url: str, token: str, territory: str, csv: bytes) -> str:
    request = urllib.request.Request(
        f"{base_url}/api/v1/tariffs?territory={territory}",
        data=csv,
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "text/csv"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return "publié" if json.load(response)["published"] else "inchangé"


def main() -> int:
    base_url = os.environ.get("DEMO_TAXCALC_URL", "http://taxcalc:8002")
    settings = ServiceSettings(jwt_secret=os.environ["DEMO_JWT_SECRET"])
    served = [t.strip() for t in os.environ.get("DEMO_TERRITORIES", ",".join(TERRITORIES)).split(",") if t.strip()]
    reference = Path(os.environ.get("DEMO_REFERENCE_DIR", "/app/deploy/territories"))
    tokens = {name: mint(settings, **claims) for name, claims in demo_users().items()}
    wait_ready(base_url)
    for territory in served:
        csv = reference / territory / "tariff.csv"
        if csv.exists():
            print(f"tarif {territory} : {import_tariff(base_url, tokens['admin'], territory, csv.read_bytes())}")
    print("Jetons de démonstration (Authorization: Bearer …) :")
    print(json.dumps(tokens, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
