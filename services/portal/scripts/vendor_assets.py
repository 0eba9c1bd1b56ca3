"""Vendors the front-end files the portal serves: DSFR (the French State design system) and htmx, at the
pinned versions, as the small subset the pages use. `make vendor` runs it; `make run` and `make test` need
no node: the files are committed under `src/portal/static/vendor/`.

    uv run python services/portal/scripts/vendor_assets.py            # the pinned versions
    DSFR_VERSION=1.15.4 uv run python services/portal/scripts/vendor_assets.py

It `npm pack`s the packages (no install, no install script), keeps DSFR's LICENSE.md and its terms of use
(cgu.md) next to the files, and refuses to run without the licence acceptance DSFR's own installer asks
for: `accept-license: true` in `services/portal/.dsfr.yml`, or `DSFR_ACCEPT_LICENSE=1`.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

PORTAL = Path(__file__).resolve().parents[1]
TARGET = PORTAL / "src" / "portal" / "static" / "vendor"
DSFR_VERSION = os.environ.get("DSFR_VERSION", "1.15.3")
HTMX_VERSION = os.environ.get("HTMX_VERSION", "2.0.11")

# The icon classes the templates use (`fr-icon-…`); the stylesheet keeps only their rules.
ICONS = (
    "account-circle-line", "add-line", "arrow-go-back-line", "arrow-left-line", "arrow-right-line",
    "attachment-line", "building-line", "calendar-line", "chat-3-line", "check-line", "checkbox-circle-line",
    "close-line", "delete-line", "download-line", "edit-line", "error-warning-line", "external-link-line",
    "eye-line", "file-pdf-line", "file-text-line", "home-4-line", "information-line", "list-unordered",
    "lock-line", "logout-box-r-line", "mail-line", "money-euro-circle-line", "printer-line", "question-line",
    "refresh-line", "search-line", "send-plane-line", "time-line", "upload-line", "user-line", "warning-line",
)  # fmt: skip


def accepted() -> bool:
    if os.environ.get("DSFR_ACCEPT_LICENSE") == "1":
        return True
    settings = PORTAL / ".dsfr.yml"
    return settings.exists() and re.search(r"^accept-license:\s*true\s*$", settings.read_text(), re.M) is not None


def npm_pack(spec: str, into: Path) -> Path:
    out = subprocess.run(
        ["npm", "pack", spec, "--silent", "--pack-destination", str(into)],
        check=True, capture_output=True, text=True,
    ).stdout.strip().splitlines()[-1]  # fmt: skip
    folder = into / spec.replace("/", "_")
    with tarfile.open(into / out) as archive:
        archive.extractall(folder, filter="data")
    return folder / "package"


def top_level_blocks(css: str) -> list[str]:
    """`a{…}`, `@media …{a{…}b{…}}`: the stylesheet's top-level rules, in order."""
    blocks, depth, start = [], 0, 0
    for index, char in enumerate(css):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                blocks.append(css[start : index + 1])
                start = index + 1
    return blocks


def keep_icons(css: str, names: set[str]) -> tuple[str, set[str]]:
    """Only the rules of the icons named; the SVG files those rules point at."""
    wanted = re.compile(r"\.fr-icon-(" + "|".join(map(re.escape, sorted(names))) + r")(?=[:,{\s])")
    kept: list[str] = []
    for block in top_level_blocks(css):
        if block.startswith("@media") or block.startswith("@supports"):
            head, _, body = block.partition("{")
            inner = [b for b in top_level_blocks(body[:-1]) if wanted.search(b.partition("{")[0])]
            if inner:
                kept.append(head + "{" + "".join(inner) + "}")
        elif "fr-icon-" not in block.partition("{")[0] or wanted.search(block.partition("{")[0]):
            kept.append(block)
    text = "".join(kept)
    return text, set(re.findall(r"url\(\.\./\.\./(icons/[^)]+\.svg)\)", text))


def vendor_dsfr(package: Path) -> None:
    dist, target = package / "dist", TARGET / "dsfr"
    shutil.rmtree(target, ignore_errors=True)
    (target / "utility" / "icons").mkdir(parents=True)
    for name in ("dsfr.min.css", "dsfr.module.min.js", "dsfr.nomodule.min.js"):
        shutil.copy2(dist / name, target / name)
    css = (dist / "dsfr.min.css").read_text()
    needed = set(re.findall(r"url\((icons/[^)]+\.svg)\)", css))
    for font in (dist / "fonts").glob("*.woff2"):
        (target / "fonts").mkdir(exist_ok=True)
        shutil.copy2(font, target / "fonts" / font.name)
    icons_css, icon_files = keep_icons((dist / "utility" / "icons" / "icons.min.css").read_text(), set(ICONS))
    missing = {name for name in ICONS if f"fr-icon-{name}" not in icons_css}
    if missing:
        sys.exit(f"DSFR {DSFR_VERSION} has no icon {sorted(missing)}: update ICONS")
    (target / "utility" / "icons" / "icons.subset.min.css").write_text(icons_css)
    for relative in needed | icon_files:
        source = dist / relative
        (target / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target / relative)
    shutil.copy2(package / "LICENSE.md", target / "LICENSE.md")
    shutil.copy2(package / "doc" / "legal" / "cgu.md", target / "cgu.md")
    (target / "VERSION").write_text(f"@gouvfr/dsfr {DSFR_VERSION} (npm pack), licence accepted: .dsfr.yml\n")


def vendor_htmx(package: Path) -> None:
    target = TARGET / "htmx"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    shutil.copy2(package / "dist" / "htmx.min.js", target / "htmx.min.js")
    shutil.copy2(package / "LICENSE", target / "LICENSE")
    (target / "VERSION").write_text(f"htmx.org {HTMX_VERSION} (npm pack)\n")


def main() -> None:
    if not accepted():
        sys.exit(
            "DSFR's terms must be accepted first (https://www.systeme-de-design.gouv.fr/utilisation-et-organisation/"
            "perimetre-d-application): write `accept-license: true` in services/portal/.dsfr.yml or set "
            "DSFR_ACCEPT_LICENSE=1."
        )
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        vendor_dsfr(npm_pack(f"@gouvfr/dsfr@{DSFR_VERSION}", work))
        vendor_htmx(npm_pack(f"htmx.org@{HTMX_VERSION}", work))
    size = sum(f.stat().st_size for f in TARGET.rglob("*") if f.is_file())
    print(f"vendored DSFR {DSFR_VERSION} and htmx {HTMX_VERSION} into {TARGET} ({size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
