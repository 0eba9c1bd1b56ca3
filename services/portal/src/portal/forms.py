"""A form as typed: its values kept as typed, a message per field, an idempotency key per rendering, and
the CSRF check every POST goes through.

A refusal of a service names its field (problem+json `field`); `Form.refuse` puts the message next to the
input of that field, so the person sees what to correct where they typed it. French input (`10 000,00`,
`24/01/2027`) is read here into the APIs' formats, with a message when it cannot be read without guessing.
"""

from __future__ import annotations

import hmac
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlsplit

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request

from chassis.http.inputs import hidden_problem
from contracts.french import FrenchInputError, parse_amount, parse_day
from portal.backends import Refused
from portal.session import session_of


class CsrfRefused(Exception):
    """A form without the session's token: another site's, or an old page after signing in again."""


class CrossSiteRefused(CsrfRefused):
    """A state-changing request another site's page sent (its `Origin` or `Sec-Fetch-Site` says so)."""


SAME_SITE_FETCHES = ("same-origin", "none")
"""`Sec-Fetch-Site` values of a request the portal's own pages (or the person, typing) sent."""


@dataclass
class Form:
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    summary: str | None = None
    """A message that belongs to no field of the page (shown at the top, in an alert)."""
    key: str = field(default_factory=lambda: str(uuid.uuid4()))
    """The `Idempotency-Key` the next submission of this form carries."""

    def value(self, name: str, default: str = "") -> str:
        return self.values.get(name, default)

    def checked(self, name: str) -> bool:
        return self.values.get(name) in ("on", "true", "1", "oui")

    @property
    def ok(self) -> bool:
        return not self.errors and self.summary is None

    def error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)
        self.renew()

    def tell(self, message: str) -> None:
        """A message that belongs to no field, at the top of the form."""
        self.summary = message
        self.renew()

    def renew(self) -> None:
        """A form shown again to be corrected is another command: it gets another Idempotency-Key (the key
        it was sent with may have been spent on the refused one)."""
        self.key = str(uuid.uuid4())

    def required(self, name: str, message: str) -> str | None:
        text = " ".join(self.value(name).split())
        if not text:
            self.error(name, message)
            return None
        return text

    def amount(self, name: str, *, required: bool = False, message: str = "Saisissez un montant.") -> str | None:
        """`10 000,00` → `10000.00`; empty → None (or the message when required)."""
        typed = self.value(name).strip()
        if not typed:
            if required:
                self.error(name, message)
            return None
        try:
            return parse_amount(typed)
        except FrenchInputError as error:
            self.error(name, str(error))
            return None

    def day(self, name: str) -> date | None:
        typed = self.value(name).strip()
        if not typed:
            return None
        try:
            return parse_day(typed)
        except FrenchInputError as error:
            self.error(name, str(error))
            return None

    def refuse(self, refused: Refused, fields: Mapping[str, str] | None = None) -> None:
        """The service's message next to the input of its field (every field it names, when it names
        several); at the top when no input matches."""
        for error in refused.errors:
            named = (fields or {}).get(str(error.get("field") or ""), str(error.get("field") or ""))
            message = error.get("message") or error.get("detail")
            if named and message and (named in self.values or (fields and named in fields.values())):
                self.error(named, str(message))
        name = (fields or {}).get(refused.field or "", refused.field or "")
        if name and (name in self.values or (fields and name in fields.values())):
            self.error(name, refused.detail)
        else:
            self.tell(refused.detail)


MAX_FILES = 5
MAX_FIELDS = 400


async def submitted(request: Request) -> tuple[Form, FormData]:
    """The POSTed form, after the CSRF check; text values kept as typed (files aside). The body's size is
    capped before it is read (`app.BodyCap`); here, the number of files and fields."""
    data = await request.form(max_files=MAX_FILES, max_fields=MAX_FIELDS)
    check_csrf(request, data)
    values = {k: v for k, v in data.multi_items() if isinstance(v, str) and k not in ("csrf", "key")}
    key = data.get("key")
    form = Form(values=values)
    for name, value in values.items():  # refused here as the services refuse it, next to its field
        problem = hidden_problem(value)
        if problem is not None:
            form.error(name, problem)
    if isinstance(key, str) and 8 <= len(key) <= 64 and key.replace("-", "").isalnum():
        form.key = key
    return form, data


def check_origin(request: Request, public_url: str) -> None:
    """Refuses a state-changing request that another site sent, before its token is even looked at: the
    browser's `Sec-Fetch-Site` (same-origin, or none for what the person did) and `Origin` (the portal's public
    address, or the address the request came to), when the browser sends them."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site not in SAME_SITE_FETCHES:
        raise CrossSiteRefused()
    origin = request.headers.get("origin")
    if origin is not None:
        ours = {_origin(public_url), _origin(str(request.base_url))}
        if origin.rstrip("/") not in ours:
            raise CrossSiteRefused()


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def check_csrf(request: Request, data: FormData | None = None) -> None:
    expected = session_of(request).csrf
    given = request.headers.get("X-CSRF-Token")
    if given is None and data is not None:
        value = data.get("csrf")
        given = value if isinstance(value, str) else None
    if not given or not hmac.compare_digest(given, expected):
        raise CsrfRefused()


def uploaded(data: FormData, name: str) -> UploadFile | None:
    value = data.get(name)
    if isinstance(value, UploadFile) and value.filename:
        return value
    return None
