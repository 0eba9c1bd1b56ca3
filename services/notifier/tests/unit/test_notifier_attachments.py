"""The closure mail carries the answer's attachments: by reference in the domain, as MIME parts once built."""

from __future__ import annotations

from email import message_from_bytes
from email.policy import default

import pytest

from contracts.registry import parse
from notifier.adapters.message import build
from notifier.domain.french import format_size
from notifier.domain.mails import AttachedFile, mails_for, within_size
from notifier.domain.render import render

from notifier_events import CLOSED, CLOSED_WITH_FILES, EVENT_ID, EXPECTED, PORTAL, SUBMITTED


def test_the_closure_mail_names_the_files_to_attach_with_their_sha256() -> None:
    [mail] = mails_for(CLOSED_WITH_FILES, EVENT_ID)
    assert mail.attachments == (
        AttachedFile("pj-1", "rescrit n°150.pdf", "application/pdf", 250_000, "a" * 64),
        AttachedFile("pj-2", "annexe.txt", "text/plain", 850, "b" * 64),
    )
    assert mails_for(parse("RequestClosed", 1, CLOSED_WITH_FILES.model_dump(mode="json")), EVENT_ID) == [mail]


@pytest.mark.parametrize(("event_type", "event", "template", "recipient"), EXPECTED, ids=[e[2] for e in EXPECTED])
def test_no_other_mail_carries_files(event_type: str, event: object, template: str, recipient: str) -> None:
    if event is CLOSED:
        return
    assert all(m.attachments == () for m in mails_for(event, EVENT_ID))  # type: ignore[arg-type]


def test_the_closure_mail_lists_the_files_it_carries() -> None:
    _, text, html = render(mails_for(CLOSED_WITH_FILES, EVENT_ID, territory="974")[0], PORTAL)
    assert "Les fichiers suivants sont joints à ce courriel :" in text
    assert "- rescrit n°150.pdf (244\u00a0Ko)" in text and "- annexe.txt (850 octets)" in text
    assert "<li>rescrit n°150.pdf (244\u00a0Ko)</li>" in html
    assert "retrouvez-les dans le détail" not in text


def test_an_older_closure_without_file_metadata_points_to_ogde() -> None:
    _, text, _ = render(mails_for(CLOSED, EVENT_ID)[0], PORTAL)
    assert "2 pièces jointes accompagnent cette réponse" in text


def test_files_too_large_for_a_mail_stay_in_ogde_and_the_mail_says_so() -> None:
    [mail] = mails_for(CLOSED_WITH_FILES, EVENT_ID)
    assert within_size(mail, 300_000) is mail
    light = within_size(mail, 200_000)
    assert light.attachments == () and light.notification_id == mail.notification_id
    _, text, _ = render(light, PORTAL)
    assert "2 pièces jointes accompagnent cette réponse : retrouvez-les dans le détail" in text


def test_file_sizes_are_written_the_french_way() -> None:
    assert [format_size(n) for n in (1, 850, 2048, 2_621_440)] == ["1 octet", "850 octets", "2\u00a0Ko", "2,5\u00a0Mo"]


def test_the_built_message_has_text_html_and_each_file_with_its_name() -> None:
    [mail] = mails_for(SUBMITTED, EVENT_ID)
    subject, text, html = render(mail, PORTAL)
    message = build(
        notification_id=mail.notification_id,
        sender="OGDE <ne-pas-repondre@douane.example>",
        recipient=mail.recipient,
        subject=subject,
        text=text,
        html=html,
        source_event_id=str(EVENT_ID),
        attachments=[("rescrit été.pdf", "application/pdf", b"%PDF-1.4"), ("x", "bizarre", b"?")],
    )
    parsed = message_from_bytes(message.as_bytes(), policy=default)
    assert parsed.get_content_type() == "multipart/mixed"
    assert parsed.get_body(preferencelist=("plain",)) is not None
    assert parsed.get_body(preferencelist=("html",)) is not None
    files = {
        part.get_filename(): (part.get_content_type(), part.get_payload(decode=True))
        for part in parsed.iter_attachments()
    }
    assert files == {"rescrit été.pdf": ("application/pdf", b"%PDF-1.4"), "x": ("application/octet-stream", b"?")}
    assert parsed["Message-ID"] == f"<{mail.notification_id}@notifier.douane.example>"
