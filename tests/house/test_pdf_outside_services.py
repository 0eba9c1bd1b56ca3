"""Issue 26 item 5, decision 0035: no service keeps fpdf2, fontTools, Pillow or numpy in its memory; the PDFs are
drawn in the renderer's process (`chassis.renderer`), which alone imports them."""

from __future__ import annotations

import json
import subprocess
import sys

PDF_LIBRARIES = ("fpdf", "fontTools", "PIL", "numpy")
CHASSIS_SERVICES = ("declarations", "essoc", "notifier", "taxcalc")

STARTUP = """
import importlib, json, sys
from chassis.service import create_app
libraries, loaded = {libraries!r}, {{}}
def newly(name):
    loaded[name] = [m for m in libraries if m in sys.modules and not any(m in v for v in loaded.values())]
for name in {services!r}:
    importlib.import_module(name + ".entrypoints.cli")  # what `serve` imports, then the application it builds
    create_app(importlib.import_module(name + ".bootstrap").build())
    newly(name)
if {portal!r}:
    from portal.app import create_app as portal_app
    portal_app()
    newly("portal")
print("loaded:" + json.dumps(loaded))
"""


def _loaded_by(services: tuple[str, ...], *, portal: bool, first: str = "") -> dict[str, list[str]]:
    """The PDF libraries each service's start-up brought into a fresh interpreter, started one after the other."""
    script = first + STARTUP.format(libraries=PDF_LIBRARIES, services=services, portal=portal)
    done = subprocess.run([sys.executable, "-W", "ignore", "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return dict(json.loads(done.stdout.strip().splitlines()[-1].removeprefix("loaded:")))


def test_no_service_started_holds_a_pdf_library() -> None:
    assert _loaded_by(CHASSIS_SERVICES, portal=False) == {name: [] for name in CHASSIS_SERVICES}


def test_the_portal_started_holds_no_pdf_library() -> None:
    """« Mes données » as PDF is drawn by the renderer too (`shared_renderer().render(...)`)."""
    assert _loaded_by((), portal=True) == {"portal": []}


def test_the_check_sees_a_pdf_library_a_start_up_imports() -> None:
    assert _loaded_by(("taxcalc",), portal=False, first="import chassis.pdf\n") == {"taxcalc": list(PDF_LIBRARIES)}
