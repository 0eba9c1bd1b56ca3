"""The compose `demo-data` job: what `make run` does after start, for the compose stack.

Imports each served territory's demo tariff into taxcalc (re-importing the same file publishes
nothing) and prints ready tokens for the demo users, signed with the stack's JWT secret. Runs in
the taxcalc image (stdlib and chassis only). The users are those of `devstack.demo.DEMO_USERS`
(tests/deploy checks that the two lists agree).
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

from chassis.http.auth import mint
from chassis.settings import ServiceSettings

TERRITORIES = ("971", "972", "973", "974", "976")

DEMO_USERS: dict[str, dict[str, Any]] = {
    "declarant": {"sub": "declarant-demo", "role": "declarant", "name": "Payet", "given_name": "Marie",
                  "email": "marie.payet@producteur.example",
                  "relations": ["rel-971-0001", "rel-971-0002", "rel-974-0001"]},
    "requester": {"sub": "requester-demo", "role": "requester", "name": "Bricot", "given_name": "Juda",
                  "email": "juda.bricot@entreprise.example"},
    "agent_971": {"sub": "agent-971", "role": "agent", "name": "Lubin", "given_name": "Joseph",
                  "email": "joseph.lubin@douane.example", "territories": ["971"],
                  "directorates": ["dr-guadeloupe"]},
    "admin": {"sub": "admin-demo", "role": "admin", "name": "Admin", "given_name": "Démo",
              "email": "admin@douane.example", "territories": list(TERRITORIES)},
}


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
        f"{base_url}/api/v1/tariffs?territory={territory}", data=csv, method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "text/csv"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return "publié" if json.load(response)["published"] else "inchangé"


def main() -> int:
    base_url = os.environ.get("DEMO_TAXCALC_URL", "http://taxcalc:8002")
    settings = ServiceSettings(jwt_secret=os.environ["DEMO_JWT_SECRET"])
    served = [t.strip() for t in os.environ.get("DEMO_TERRITORIES", ",".join(TERRITORIES)).split(",") if t.strip()]
    reference = Path(os.environ.get("DEMO_REFERENCE_DIR", "/app/deploy/territories"))
    tokens = {name: mint(settings, **claims) for name, claims in DEMO_USERS.items()}
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
