"""The aiosmtpd sink: a message sent with smtplib lands in the Maildir."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from pathlib import Path

import pytest

from devstack.infra import EmbeddedInfra
from devstack.maildir import Maildir
from devstack.servers import SmtpServer


def _message(subject: str, to: str = "declarant@example.pf") -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "notifier@douane.example"
    msg["To"] = to
    msg["Subject"] = subject
    msg.set_content("Votre déclaration a été déposée.")
    return msg


def test_email_lands_in_the_maildir(infra: EmbeddedInfra, maildir: Maildir) -> None:
    with smtplib.SMTP(infra.smtp_host, infra.smtp_port, timeout=10) as smtp:
        smtp.send_message(_message("Accusé de réception T2-2026"))
    got = maildir.wait_for(lambda m: m["Subject"] == "Accusé de réception T2-2026", timeout=10)
    assert got["To"] == "declarant@example.pf"
    assert got.get_content().strip() == "Votre déclaration a été déposée."
    assert len(maildir.messages()) == 1


async def test_wait_for_async_sees_several_messages(infra: EmbeddedInfra, maildir: Maildir) -> None:
    with smtplib.SMTP(infra.smtp_host, infra.smtp_port, timeout=10) as smtp:
        for i in range(3):
            smtp.send_message(_message(f"n°{i}"))
    got = await maildir.wait_for_all_async(lambda m: str(m["Subject"]).startswith("n°"), count=3, timeout=10)
    assert [m["Subject"] for m in got] == ["n°0", "n°1", "n°2"]  # oldest first


def test_wait_for_times_out_with_what_was_delivered(maildir: Maildir) -> None:
    with pytest.raises(TimeoutError, match="0 delivered"):
        maildir.wait_for(lambda m: False, timeout=0.2)


def test_existing_empty_maildir_folder_is_fine(tmp_path: Path) -> None:
    (tmp_path / "mail").mkdir()  # aiosmtpd alone would fail on this folder
    with SmtpServer(tmp_path) as server:
        with smtplib.SMTP(server.host, server.port, timeout=10) as smtp:
            smtp.send_message(_message("ok"))
        assert server.maildir.wait_for(timeout=10)["Subject"] == "ok"
