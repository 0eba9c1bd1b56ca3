"""Renders a Mail into its subject, plain text and HTML with the Jinja2 templates beside this module.

HTML is autoescaped (requesters' texts go into it); dates are shown in the mail's territory zone; `link` is the
absolute address of the portal page the mail is about, in both parts, and `notifications_link` that of « Mes
notifications », in the footer of every mail.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context
from markupsafe import Markup, escape

from notifier.domain.french import format_date, format_datetime, format_money, format_size
from notifier.domain.mails import NOTIFICATIONS_PAGE, Mail

TEMPLATES = Path(__file__).parent / "templates"


class RenderedMail(NamedTuple):
    subject: str
    text: str
    html: str


def link(portal_url: str, page: str) -> str:
    """`https://reunion.portail.douane.example` and `/domino` → `https://reunion.portail.douane.example/domino`."""
    return portal_url.rstrip("/") + "/" + page.lstrip("/")


def render(mail: Mail, portal_url: str) -> RenderedMail:
    """`portal_url`: the portal's public address, which the mail's page is on."""
    env = environment()
    variables = {
        **mail.context,
        "subject": mail.subject,
        "territory": mail.territory,
        "link": link(portal_url, mail.page),
        "notifications_link": link(portal_url, NOTIFICATIONS_PAGE),
    }
    text = env.get_template(f"{mail.template}.txt.j2").render(variables)
    html = env.get_template(f"{mail.template}.html.j2").render(variables)
    return RenderedMail(mail.subject, text.strip() + "\n", html)


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        money=format_money, datetime_fr=_datetime_fr, date_fr=_date_fr, nl2br=_nl2br, filesize=format_size
    )
    return env


@pass_context
def _datetime_fr(context: Context, value: datetime | str) -> str:
    return format_datetime(value, context.get("territory"))


@pass_context
def _date_fr(context: Context, value: datetime | date | str) -> str:
    return format_date(value, context.get("territory"))


def _nl2br(value: Any) -> Markup:
    """Escapes a user's text and keeps its line breaks."""
    return Markup("<br>\n").join(escape(line) for line in str(value).splitlines())
