"""The notifier against the real servers: Kafka in, SMTP out, each mail once, an SMTP outage survived."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from prometheus_client import REGISTRY

from chassis.eventstore import from_doc
from contracts.events.essoc import (
    AdmissibilityDecided,
    AttachmentRef,
    FieldOfApplication,
    Notice,
    QuestionAnswered,
    RequestClosed,
    Requester,
    RequestQuestioned,
    RequestSubmitted,
)
from contracts.events.taxcalc import DeclarationAssessed
from devstack.ports import free_port

from notifier_running import envelope, html_of, mails, notifier_running, publish, text_of, to

pytestmark = pytest.mark.integration

MAILBOX = "dr-la-reunion@douane.example"
PORTAL = "https://reunion.portail.douane.example"


@pytest.fixture(scope="module")
async def notifier(infra):  # type: ignore[no-untyped-def]
    # essoc is not running here: the answer's attachments cannot be fetched (see the claim-check test).
    async with notifier_running(infra, essoc_url=f"http://127.0.0.1:{free_port()}", portal_url=PORTAL) as running:
        yield running


def _notice(email: str, number: int) -> Notice:
    return Notice(
        number=number,
        requester_email=email,
        requester_name="Juda Bricot",
        directorate="DR La Réunion",
        directorate_mailbox=MAILBOX,
    )


RECEIVED_AT = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
"""A fixed instant: the notifier mails what the event says, it compares no date with today."""


def _submitted(email: str, number: int) -> RequestSubmitted:
    return RequestSubmitted(
        request_id=f"req-{uuid.uuid4().hex[:8]}",
        number=number,
        requester=Requester(id="u-juda", name="Bricot", first_name="Juda", email=email),
        requester_type="particulier",
        nature="rescrit",
        category="octroi-de-mer",
        sub_category="dr-la-reunion",
        directorate="dr-la-reunion",
        unit="DR La Réunion - PAE",
        fields=[FieldOfApplication(domain="octroi-de-mer", sub_domain="octroi de mer interne")],
        subject="Taux d'octroi de mer",
        description="Quel taux ?",
        received_at=RECEIVED_AT,  # no deadline_at, as filed since v3: the 3 months run from admissibility
        notice=_notice(email, number),
    )


def _email() -> str:
    return f"requester-{uuid.uuid4().hex[:8]}@entreprise.example"


async def test_each_mail_is_sent_once_even_when_its_event_is_delivered_twice(notifier, infra, maildir) -> None:  # type: ignore[no-untyped-def]
    email = _email()
    event = envelope(_submitted(email, 150), stream_id="req-twice")
    duplicates_before = _duplicates()
    await publish(infra.kafka_bootstrap, event, event)
    [first] = await maildir.wait_for_all_async(to(email), timeout=30)
    await publish(infra.kafka_bootstrap, event)  # a third delivery, after the mail went out
    await notifier.wait(lambda: _processed(notifier, event.event_id, duplicates_before + 2))
    await asyncio.sleep(1.0)  # the sender polls every 0.1 s: a second mail would be out by now
    assert len(mails(maildir, to(email))) == 1
    assert first["X-Source-Event-Id"] == str(event.event_id)
    assert first["Subject"] == "[OGDE] Votre demande n° 150 a bien été déposée"
    assert "Votre demande n° 150 (rescrit sur une situation de fait) a bien été déposée" in text_of(first)
    assert "<!DOCTYPE html>" in html_of(first)
    # The requester's page of the request, absolute, in both parts.
    assert f"{PORTAL}/ogde/demandes/150" in text_of(first)
    assert f'<a href="{PORTAL}/ogde/demandes/150">' in html_of(first)
    sent = await notifier.db["events"].count_documents(
        {"type": "NotificationSent", "data.source_event_id": str(event.event_id)}
    )
    assert sent == 1


def _duplicates() -> float:
    return (
        REGISTRY.get_sample_value(
            "consumer_events_total", {"service": "notifier", "type": "RequestSubmitted", "outcome": "duplicate"}
        )
        or 0.0
    )


async def _processed(notifier, event_id, duplicates: float) -> bool:  # type: ignore[no-untyped-def]
    # The consumer records each event once in its inbox; later deliveries are counted as duplicates.
    inbox = await notifier.db["inbox"].count_documents({"event_id": str(event_id)})
    return inbox == 1 and _duplicates() >= duplicates


async def test_each_essoc_mail_goes_to_the_right_recipient(notifier, infra, maildir) -> None:  # type: ignore[no-untyped-def]
    email = _email()
    stream = f"req-{uuid.uuid4().hex[:8]}"
    notice = _notice(email, 163)
    await publish(
        infra.kafka_bootstrap,
        envelope(
            AdmissibilityDecided(decision="non", grounds="Demande abusive.", notice=notice), stream_id=stream, version=3
        ),
        envelope(
            RequestQuestioned(question_id="q-1", text="Quel titre alcoométrique ?", asked_by="a", notice=notice),
            stream_id=stream,
            version=4,
        ),
        envelope(
            QuestionAnswered(
                question_id="q-1", question_text="Quel titre alcoométrique ?", text="40 % vol.", notice=notice
            ),
            stream_id=stream,
            version=5,
        ),
    )
    to_requester = await maildir.wait_for_all_async(to(email), count=2, timeout=30)
    assert {m["Subject"] for m in to_requester} == {
        "[OGDE] Votre demande n° 163 n'est pas recevable",
        "[OGDE] Votre demande n° 163 appelle une réponse de votre part",
    }
    refusal = next(m for m in to_requester if "recevable" in m["Subject"])
    assert "Demande abusive." in text_of(refusal)
    [answer] = await maildir.wait_for_all_async(lambda m: to(MAILBOX)(m) and "n° 163" in m["Subject"], timeout=30)
    assert "40 % vol." in text_of(answer) and answer["Subject"].startswith("[OGDE] Demande n° 163")
    # The directorate is sent to the agents' page of the request, the requester to theirs.
    assert f"{PORTAL}/instruction/demandes/163" in text_of(answer) and "/ogde/" not in text_of(answer)
    assert all(f"{PORTAL}/ogde/demandes/163" in text_of(m) for m in to_requester)


async def test_the_domino_ng_filing_receipt_is_mailed_to_the_declarant(notifier, infra, maildir) -> None:  # type: ignore[no-untyped-def]
    email = f"declarant-{uuid.uuid4().hex[:8]}@producteur.example"
    assessed = DeclarationAssessed(
        declaration_id="decl-rel-974-0001-2026-Q2",
        relation_id="rel-974-0001",
        relation_number="0974000789",
        office="Bureau du Port",
        year=2026,
        quarter=2,
        filed_at=datetime(2026, 7, 20, 8, 0, tzinfo=UTC),
        late=False,
        days_late=0,
        boxes={"1": Decimal("2500.00"), "4": Decimal("162.50"), "15": Decimal("162.50"), "27": Decimal("0")},
        total_due=Decimal("162.50"),
        declarant_email=email,
    )
    await publish(infra.kafka_bootstrap, envelope(assessed, stream_id="assessment-rel-974-0001-2026-Q2"))
    receipt = await maildir.wait_for_async(to(email), timeout=30)
    assert receipt["Subject"] == (
        "[DOMINO-NG] Accusé de dépôt de votre déclaration d'octroi de mer du 2e trimestre 2026 "
        "(OM-974-2026-T2-0974000789)"
    )
    body = text_of(receipt)
    assert "0974000789" in body and "162,50\u00a0€" in body and "dans le délai" in body
    assert "du 2e trimestre 2026" in body and "Référence : OM-974-2026-T2-0974000789" in body
    # The filed declaration's page, absolute, in both parts; the internal id only inside that address.
    page = f"{PORTAL}/domino/declarations/decl-rel-974-0001-2026-Q2"
    assert page in body and f'<a href="{page}">' in html_of(receipt)
    assert "decl-rel" not in body.replace(page, "") and "T2 2026" not in body
    assert "se télécharge dans DOMINO-NG" in body and not list(receipt.iter_attachments())


async def test_notifications_are_listed_by_recipient_and_event_for_support_and_audit(notifier, infra, maildir) -> None:  # type: ignore[no-untyped-def]
    email = _email()
    event = envelope(_submitted(email, 200), stream_id=f"req-{uuid.uuid4().hex[:8]}")
    await publish(infra.kafka_bootstrap, event)
    await maildir.wait_for_async(to(email), timeout=30)
    await notifier.wait(lambda: _listed(notifier, email))
    r = await notifier.http.get("/api/v1/notifications", params={"recipient": email})
    assert r.status_code == 200
    [item] = r.json()["items"]
    assert item["status"] == "sent" and item["template"] == "essoc_request_submitted"
    assert item["source_event_id"] == str(event.event_id) and item["subject"].endswith("a bien été déposée")
    by_event = (await notifier.http.get("/api/v1/notifications", params={"event_id": str(event.event_id)})).json()
    assert [i["notification_id"] for i in by_event["items"]] == [item["notification_id"]]


async def _listed(notifier, email: str) -> bool:  # type: ignore[no-untyped-def]
    return bool(await notifier.notifications(recipient=email, status="sent"))


async def test_after_an_smtp_outage_every_mail_arrives_once(notifier, infra, maildir) -> None:  # type: ignore[no-untyped-def]
    emails = [_email() for _ in range(3)]
    events = [envelope(_submitted(e, 300 + i), stream_id=f"req-{uuid.uuid4().hex[:8]}") for i, e in enumerate(emails)]
    await infra.smtp.stop_async()
    try:
        await publish(infra.kafka_bootstrap, *events)
        await notifier.wait(lambda: _all_failed(notifier, emails), timeout=30, what="NotificationFailed recorded")
        failed = await notifier.notifications(recipient=emails[0])
        assert failed[0]["status"] == "failed" and failed[0]["last_error"]
        # the recipients are stored encrypted (decision 0031): read as the service reads its log
        stored = [from_doc(d) async for d in notifier.db["events"].find({"type": "NotificationFailed"})]
        assert len([e for e in await notifier.runtime.store.opened(stored) if e.data["recipient"] in emails]) >= 3
        await publish(infra.kafka_bootstrap, *events)  # redelivered while SMTP is down: still no second mail
    finally:
        await infra.smtp.start_async()
    for email in emails:
        await maildir.wait_for_async(to(email), timeout=30)
    await asyncio.sleep(1.5)  # longer than the backoff: a duplicate would have arrived
    assert [len(mails(maildir, to(e))) for e in emails] == [1, 1, 1]
    for email in emails:
        [notification] = await notifier.notifications(recipient=email)
        assert notification["status"] == "sent" and [h["outcome"] for h in notification["history"]][-1] == "sent"
    stored = [from_doc(d) async for d in notifier.db["events"].find({"type": "NotificationSent"})]
    sent = [e.data["recipient"] for e in await notifier.runtime.store.opened(stored)]
    assert [sent.count(e) for e in emails] == [1, 1, 1]


async def _all_failed(notifier, emails: list[str]) -> bool:  # type: ignore[no-untyped-def]
    docs = await notifier.notifications(recipient={"$in": emails}, status="failed")
    return len(docs) == len(emails)


async def test_a_closure_mail_waits_while_its_attachments_cannot_be_fetched(notifier, infra, maildir) -> None:  # type: ignore[no-untyped-def]
    email = _email()
    closed = RequestClosed(
        response="Le rescrit est joint.",
        attachment_ids=["pj-1"],
        notice=_notice(email, 400),
        attachments=[AttachmentRef(attachment_id="pj-1", filename="rescrit.pdf", size=10, sha256="0" * 64)],
    )
    await publish(infra.kafka_bootstrap, envelope(closed, stream_id=f"req-{uuid.uuid4().hex[:8]}", version=5))
    await notifier.wait(lambda: _all_failed(notifier, [email]))
    [failed] = await notifier.notifications(recipient=email)
    assert "essoc injoignable" in failed["last_error"]
    assert mails(maildir, to(email)) == [], "never the answer without the files it announces"
