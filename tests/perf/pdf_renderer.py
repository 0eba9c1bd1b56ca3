"""Issue 26 item 5 (decision 0035): a service's memory with the PDFs drawn in place (before) and in the renderer's
process (after), and the receipt's latency. `uv run python tests/perf/pdf_renderer.py` prints the figures as JSON.

Each figure comes from a fresh interpreter that starts the service as `serve` does (its entry module imported, its
application built) without the databases: what is measured is what the PDF libraries add, not the data held.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

ROUNDS = 50
FILING_LINES = 20

PROBE = r"""
import json, statistics, sys, time
from pathlib import Path

def rss(pid="self"):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)

service, mode, rounds, lines = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
import importlib
importlib.import_module(f"{service}.entrypoints.cli")
from chassis.service import create_app
create_app(importlib.import_module(f"{service}.bootstrap").build())
if service == "declarations":
    from declarations.domain.deductions import enter_deductions
    from declarations.entrypoints import views
    line = {"cana": None, "rates_date": "2026-07-01", "avitaillement": False, "rfs": False, "assessment": None,
            "naf": "10.71C", "annex": "A", "nomenclature": "19059080", "price_excl_tax": "12500.00"}
    sales = {f"l-{n}": line | {"line_id": f"l-{n}"} for n in range(lines)}
    doc = {
        "_id": "decl-rel-974-0001-2026-Q3", "relation_id": "rel-974-0001", "relation_number": "0974000789",
        "siret": "41234567800012", "establishment": "Savonnerie Bourbon", "office": "974001", "territory": "974",
        "year": 2026, "quarter": 3, "due_date": "2026-10-24", "status": "filed",
        "declarant": {"name": "Marie Payet", "quality": "representant", "place": "Le Port",
                      "payment_method": "virement"},
        "lines": sales, "line_order": list(sales), "annual_turnover": None, "totals": None,
        "deductions": enter_deductions({"7": "1000.00"}, {}).model_dump(mode="json"),
        "filing": {"filed_at": "2026-10-20T08:00:00+00:00", "totals_version": 6, "boxes": {"1": "250000.00"},
                   "total_due": "0.00", "late": False, "days_late": 0, "declarant_email": None, "warnings": []},
        "assessed_at": None, "created_at": "2026-10-01T08:00:00+00:00", "updated_at": "2026-10-20T08:00:00+00:00",
        "version": 6,
    }
    target, args, kwargs = "declarations.adapters.receipt_pdf:render", (views.detail(doc), None), {}
    modules = ("declarations.adapters.receipt_pdf",)
else:
    from chassis.pdf_fonts import find_font
    detail = {
        "number": 150, "territory": "971", "state": "prise_en_charge", "state_label": "Prise en charge",
        "requester": {"name": "Bricot", "first_name": "Juda", "email": "juda@entreprise.example",
                      "requester_type": "entreprise", "siret": "41234567000019",
                      "company_name": "Distillerie Bellevue SAS", "represented_siren": None},
        "characteristics": {"created_at": "2026-03-10T09:00:00+00:00", "origin": "ProDouane", "nature": "rescrit",
                            "nature_label": "rescrit", "category_label": "octroi de mer", "sub_category": None,
                            "collegial": False, "previous_request": None},
        "fields": [{"domain_label": "Octroi de mer", "sub_domain": "octroi de mer interne"}],
        "request": {"subject": "Taux réduit", "admissibility_label": "Oui", "unit": "DR Guadeloupe - PAE",
                    "description": "Une situation de fait décrite. " * 60, "response": None,
                    "refusal_grounds": None},
        "deadline": {"period_months": 3, "awaiting_admissibility": False, "deadline_at": None},
        "history": [{"at": "2026-03-10T09:00:00+00:00", "event": "Dépôt de la demande", "type": "rescrit",
                     "unit": "DR Guadeloupe - PAE", "state_label": "Déposée"}],
        "exchanges": [], "attachments": [],
    }
    target, args, kwargs = "essoc.adapters.pdf:render_request", (detail,), {"font": find_font()}
    modules = ("essoc.adapters.pdf", "essoc.documents.render")

module, _, name = target.partition(":")
renderer = None
if mode == "before":
    for m in modules:  # what the service imported at start-up
        importlib.import_module(m)
    function = getattr(importlib.import_module(module), name)
    draw = lambda: function(*args, **kwargs)
else:
    from chassis.renderer import Renderer
    renderer = Renderer()
    if mode == "after, warmed up":
        renderer.render_now("import", modules)
    draw = lambda: renderer.render_now(target, args, kwargs)
started = rss()
took = []
for _ in range(rounds):
    begun = time.perf_counter()
    content = draw()
    took.append((time.perf_counter() - begun) * 1000)
assert content.startswith(b"%PDF")
warm = sorted(took[1:])
print(json.dumps({
    "service_rss_at_start_mb": started,
    "service_rss_after_mb": rss(),
    "worker_rss_after_mb": rss(renderer.pid) if renderer else None,
    "pdf_libraries_in_service": [m for m in ("fpdf", "fontTools", "PIL", "numpy") if m in sys.modules],
    "first_ms": round(took[0], 1),
    "warm_p50_ms": round(statistics.median(warm), 1),
    "warm_p99_ms": round(warm[min(len(warm) - 1, int(0.99 * len(warm)))], 1),
    "bytes": len(content),
}))
if renderer:
    renderer.close()
"""


def probe(service: str, mode: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", PROBE, service, mode, str(ROUNDS), str(FILING_LINES)],
        capture_output=True,
        text=True,
        check=True,
        env={"MALLOC_ARENA_MAX": "2", **os.environ},  # as devstack and the Dockerfiles run the services
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    figures = {
        service: {mode: probe(service, mode) for mode in ("before", "after", "after, warmed up")}
        for service in ("declarations", "essoc")
    }
    print(json.dumps(figures, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
