"""Which font the PDFs are drawn with: a Unicode TTF when the machine has one, else None for fpdf2's core fonts.

Kept apart from `chassis.pdf` so that a service can name the font of a render (a `Font` is plain, picklable data)
without importing fpdf2: the drawing happens in the renderer's process (`chassis.renderer`, decision 0035).
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from functools import cache
from pathlib import Path

_CANDIDATES: tuple[tuple[str, str], ...] = (
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/TTF/DejaVuSans.ttf", "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/dejavu/DejaVuSans.ttf", "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf", "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
     "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf"),
)  # fmt: skip


@dataclass(frozen=True)
class Font:
    """A Unicode TTF (regular and bold), or None for the core fonts."""

    regular: Path | None
    bold: Path | None

    @property
    def unicode(self) -> bool:
        return self.regular is not None


@cache
def find_font(configured: str | None = None) -> Font:
    if configured:
        path = Path(configured)
        if path.is_file():
            bold_path = path.with_name(path.stem + "-Bold" + path.suffix)
            return Font(path, bold_path if bold_path.is_file() else path)
    candidates = list(_CANDIDATES)
    spec = importlib.util.find_spec("matplotlib")
    if spec is not None and spec.origin:
        fonts = Path(spec.origin).parent / "mpl-data" / "fonts" / "ttf"
        candidates.append((str(fonts / "DejaVuSans.ttf"), str(fonts / "DejaVuSans-Bold.ttf")))
    for regular, bold in candidates:
        if Path(regular).is_file():
            return Font(Path(regular), Path(bold) if Path(bold).is_file() else Path(regular))
    return Font(None, None)
