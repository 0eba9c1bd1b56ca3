"""French formats, both ways: how amounts, rates and dates are shown to people (babel, locale fr_FR, in
the territory's zone), and how what people type the French way becomes the APIs' strict formats.

Shown: `10 000,00 €`, `2,5 %`, `24/10/2026`, `24/10/2026 à 14:05`. Typed: `10 000,00` as well as
`10000.00`; `24/01/2027` as well as `2027-01-24`. Anything ambiguous (`1,234`, `1.234,56`, `01/02/27`) is
refused with a message that says how to write it, never guessed.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from babel.dates import format_date as _babel_date
from babel.dates import format_datetime as _babel_datetime
from babel.numbers import format_decimal as _babel_decimal

LOCALE = "fr_FR"
NBSP = "\u00a0"
_SPACES = re.compile(r"[ \u00a0\u202f\u2009]")
_GROUPED = re.compile(r"^-?\d{1,3}([ \u00a0\u202f\u2009]\d{3})+([.,]\d*)?$")

TERRITORY_NAMES = {
    "971": "Guadeloupe",
    "972": "Martinique",
    "973": "Guyane",
    "974": "La Réunion",
    "976": "Mayotte",
}

# How people name each territory's time: « heure de la Guadeloupe », never an IANA zone name.
TERRITORY_HOURS = {
    "971": "heure de la Guadeloupe",
    "972": "heure de la Martinique",
    "973": "heure de la Guyane",
    "974": "heure de La Réunion",
    "976": "heure de Mayotte",
}


def hour_of(territory: str) -> str:
    """`heure de la Guadeloupe`: the territory's time as people name it (the code itself if unknown)."""
    return TERRITORY_HOURS.get(territory, f"heure locale ({territory})")


class FrenchInputError(ValueError):
    """What a person typed cannot be read without guessing; the message says how to write it."""


# ---- shown ------------------------------------------------------------------------------------------


def _decimal(value: Decimal | str | int) -> Decimal:
    if isinstance(value, float):
        raise TypeError("a float has already lost the cents: pass a Decimal or a decimal string")
    return value if isinstance(value, Decimal) else Decimal(str(value))


def amount(value: Decimal | str | int) -> str:
    """`10 000,00` (a narrow no-break space groups the thousands): an amount without its unit."""
    return _babel_decimal(_decimal(value), format="#,##0.00", locale=LOCALE)


def euros(value: Decimal | str | int) -> str:
    """`10 000,00 €`."""
    return f"{amount(value)}{NBSP}€"


def rate(value: Decimal | str | int) -> str:
    """`2,5 %`, `0 %`, `12,25 %`: a rate in percent, no trailing zero, a decimal comma."""
    return f"{_babel_decimal(_decimal(value), format='#,##0.####', locale=LOCALE)}{NBSP}%"


def day(value: date | str) -> str:
    """`24/10/2026`."""
    return _babel_date(date.fromisoformat(value) if isinstance(value, str) else value, "dd/MM/yyyy", locale=LOCALE)


def long_day(value: date | str) -> str:
    """`24 octobre 2026`."""
    return _babel_date(date.fromisoformat(value) if isinstance(value, str) else value, "d MMMM y", locale=LOCALE)


def moment(value: datetime | str, zone: ZoneInfo) -> str:
    """`24/10/2026 à 14:05`, in the territory's zone (the value is an aware instant, stored in UTC)."""
    instant = datetime.fromisoformat(value) if isinstance(value, str) else value
    if instant.tzinfo is None:
        raise ValueError("an instant without its zone cannot be shown in the territory's time")
    return _babel_datetime(instant, "dd/MM/yyyy 'à' HH:mm", tzinfo=zone, locale=LOCALE)


def quarter(year: int, number: int) -> str:
    """`1er trimestre 2027`, `3e trimestre 2026`: a quarter as the portal, the PDFs and the mails name it."""
    return f"{number}{'er' if number == 1 else 'e'} trimestre {year}"


# ---- typed ------------------------------------------------------------------------------------------


def parse_amount(text: str) -> str:
    """What a person typed as an amount, as the APIs' decimal string: `10 000,00` → `10000.00`.

    Thousands may be grouped by spaces; the decimal separator is a comma or a point. Refused as
    ambiguous: both separators (`1.234,56`), one repeated (`1.234.567`), three decimals (`1,234`: a
    thousand or one euro?).
    """
    raw = text.strip().removesuffix("€").strip()
    if not raw:
        raise FrenchInputError("Saisissez un montant, par exemple 10 000,00.")
    if _SPACES.search(raw):
        if not _GROUPED.match(raw):
            raise FrenchInputError(
                f"« {text.strip()} » n'est pas un montant : groupez les milliers par trois (10 000,00) "
                "ou écrivez-le sans espace (10000.00)."
            )
        raw = _SPACES.sub("", raw)
    commas, points = raw.count(","), raw.count(".")
    if (commas and points) or commas > 1 or points > 1:
        raise FrenchInputError(
            f"« {text.strip()} » est ambigu : n'utilisez qu'un séparateur décimal, "
            "la virgule (10 000,00) ou le point (10000.00), sans séparateur de milliers autre que l'espace."
        )
    units, _, fraction = raw.replace(",", ".").partition(".")
    if len(fraction) == 3:
        raise FrenchInputError(
            f"« {text.strip()} » est ambigu (mille ou un euro ?) : écrivez 1 234,00 ou 1,23 ; "
            "un montant a au plus deux décimales."
        )
    digits = units.removeprefix("-")
    if not digits.isascii() or not digits.isdigit() or (fraction and not (fraction.isascii() and fraction.isdigit())):
        raise FrenchInputError(f"« {text.strip()} » n'est pas un montant : écrivez par exemple 10 000,00.")
    try:
        Decimal(f"{units}.{fraction or '0'}")
    except InvalidOperation:  # pragma: no cover - excluded above
        raise FrenchInputError(f"« {text.strip()} » n'est pas un montant.") from None
    return f"{units}.{fraction}" if fraction else units


_FRENCH_DAY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_day(text: str) -> date:
    """A date typed `24/01/2027` (day first, as in France) or `2027-01-24`; a two-digit year is refused."""
    raw = text.strip()
    if _ISO_DAY.match(raw):
        try:
            return date.fromisoformat(raw)
        except ValueError:
            raise FrenchInputError(f"« {raw} » n'est pas une date du calendrier.") from None
    found = _FRENCH_DAY.match(raw)
    if not found:
        raise FrenchInputError(f"« {raw} » n'est pas une date : écrivez-la jj/mm/aaaa, par exemple 24/01/2027.")
    d, m, y = (int(x) for x in found.groups())
    try:
        return date(y, m, d)
    except ValueError:
        raise FrenchInputError(
            f"« {raw} » n'est pas une date du calendrier (jour/mois/année, par exemple 24/01/2027)."
        ) from None


ECHO_LIMIT = 80
"""What a message shows of a value someone typed, at most (a cell of a file can be 100 000 characters)."""


def echo(typed: object) -> str:
    """A typed value as a message quotes it: stripped, and cut at 80 characters (« … » says it was cut)."""
    text = str(typed).strip()
    return text if len(text) <= ECHO_LIMIT else text[: ECHO_LIMIT - 1] + "…"


LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae"})


def plain(text: str) -> str:
    """Lower case without accents nor ligatures: what a search compares (« Écart » finds « ecart » and
    « écart », « Œuvre » finds « oeuvre »)."""
    decomposed = unicodedata.normalize("NFKD", text.translate(LIGATURES))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
