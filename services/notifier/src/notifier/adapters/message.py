"""Builds the MIME message of a rendered mail: text and HTML alternatives, a stable Message-ID."""

from __future__ import annotations

from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import format_datetime, formatdate


def build(
    *,
    notification_id: str,
    sender: str,
    recipient: str,
    subject: str,
    text: str,
    html: str,
    source_event_id: str,
    sent_at: object = None,
    attachments: Sequence[tuple[str, str, bytes]] = (),
) -> EmailMessage:
    """`attachments`: (file name, MIME type, content) each, after the text and HTML alternatives."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = subject
    # The same notification always has the same Message-ID, so a receiver can drop a resent copy.
    message["Message-ID"] = f"<{notification_id}@notifier.douane.example>"
    message["Date"] = format_datetime(sent_at) if sent_at is not None else formatdate(localtime=False)  # type: ignore[arg-type]
    message["X-Notification-Id"] = notification_id
    message["X-Source-Event-Id"] = source_event_id
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    for filename, content_type, content in attachments:
        maintype, _, subtype = content_type.partition("/")
        if not subtype:
            maintype, subtype = "application", "octet-stream"
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return message
