"""The environment of each process `make run` and the test stacks start: its settings (ports, servers, secrets,
reference data, the other services' addresses), the caller's overrides winning."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from devstack.stack import ServiceProcess, Stack

ROOT = Path(__file__).resolve().parents[4]


def of(stack: Stack, service: ServiceProcess) -> dict[str, str]:
    prefix = service.name.upper() + "_"
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefix)}
    # Two malloc arenas, not one per thread (FastAPI runs blocking work in a pool of threads): the same
    # work in less memory, as the Dockerfiles set it.
    env.setdefault("MALLOC_ARENA_MAX", "2")
    # Spans as OTLP/JSON lines in var/traces (`devstack trace` reads them), exported every half second so that a
    # filing's trace is there as soon as its mail is; TRACES_DIR="" in the caller's environment turns them off.
    env.setdefault("TRACES_DIR", str(stack.var_dir / "traces"))
    env.setdefault("OTEL_BSP_SCHEDULE_DELAY", "500")
    if service.name == "portal":
        return _portal(stack, service, env)
    settings = {
        "MONGO_URI": stack.mongo.uri,
        "KAFKA_BOOTSTRAP": stack.kafka.bootstrap,
        "HTTP_PORT": str(service.port),
        "JWT_SECRET": stack.secret,
        "TOPICS_FILE": str(ROOT / "deploy/kafka/topics.yaml"),
        "REFERENCE_DIR": str(ROOT / "deploy/territories"),
        "AUDIT_SIGNING_KEY": str(stack.var_dir / "audit" / f"{service.name}.key"),
        "AUDIT_KEYRING": str(stack.keyring),
        "KEYSTORE_KEK_FILE": str(stack.var_dir / "keystore.kek"),  # crypto-shredding's master key (decision 0031)
    }
    if service.name == "declarations":
        payfip = f"http://127.0.0.1:{stack.service_port('payfip')}"
        settings |= {  # card payments through the PayFiP SIMULATOR; production sets PayFiP's own addresses
            "PAYFIP_URL": f"{payfip}/services/securite",
            "PAYFIP_PAYMENT_URL": f"{payfip}/tpa/paiementws.web",
            "PAYFIP_CLIENT": "097400",
            "PAYFIP_MODE": "T",
            "PUBLIC_URL": f"http://127.0.0.1:{service.port}",
            "PORTAL_URL": stack.portal_public_url(),
        }
    if service.name == "notifier":
        settings |= {
            "SMTP_HOST": stack.smtp.host,
            "SMTP_PORT": str(stack.smtp.port),
            "ESSOC_URL": f"http://127.0.0.1:{stack.service_port('essoc')}",
            "DECLARATIONS_URL": f"http://127.0.0.1:{stack.service_port('declarations')}",
            "PORTAL_URL": stack.portal_public_url(),  # each mail links to the page it is about
        }
    env |= {prefix + k: v for k, v in settings.items()}
    env |= {k: v for k, v in os.environ.items() if k.startswith(prefix)}  # the caller's overrides win
    env |= {k: v for k, v in stack.extra_env.items() if k.startswith(prefix)}
    return env


def _portal(stack: Stack, service: ServiceProcess, env: dict[str, str]) -> dict[str, str]:
    """The portal on the services' APIs, with the development sign-in (never outside `make run`)."""
    settings = {
        "PORT": str(service.port),
        "PUBLIC_URL": stack.portal_public_url(),
        "DECLARATIONS_URL": f"http://127.0.0.1:{stack.service_port('declarations')}",
        "TAXCALC_URL": f"http://127.0.0.1:{stack.service_port('taxcalc')}",
        "ESSOC_URL": f"http://127.0.0.1:{stack.service_port('essoc')}",
        "NOTIFIER_URL": f"http://127.0.0.1:{stack.service_port('notifier')}",
        "SESSION_SECRET": stack.session_secret,
        "MONGO_URI": stack.mongo.uri,
        "DEV_LOGIN": "true",
        "DEV_JWT_SECRET": stack.secret,
        "DEMO_USERS_FILE": str(ROOT / "deploy/reference/demo-users.yaml"),
        "CHANGELOG_FILE": str(ROOT / "CHANGELOG.md"),
        "PAYFIP_ORIGIN": f"http://127.0.0.1:{stack.service_port('payfip')}",  # the SIMULATOR's page
    }
    env |= {"PORTAL_" + k: v for k, v in settings.items()}
    env |= {k: v for k, v in os.environ.items() if k.startswith("PORTAL_") and k != "PORTAL_PORT"}
    env |= {k: v for k, v in stack.extra_env.items() if k.startswith("PORTAL_")}
    return env
