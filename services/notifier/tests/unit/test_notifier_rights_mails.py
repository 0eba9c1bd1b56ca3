"""The mails of a request about one's data (decision record 0030): its acknowledgement with the date the answer is
due, the extension, the DPO's answer and the erasure's decision record by record; each to the person, in French,
escaped, dates in the territory's zone, linking to « Mes données »."""

from __future__ import annotations

from datetime import UTC, datetime

from contracts.events.rights import (
    ErasureDecided,
    ErasureOutcome,
    HeldRecord,
    RectificationDecided,
    RightsDeadlineExtended,
    RightsNotice,
    RightsRequested,
    RightsRequester,
)
from notifier.domain.mails import mails_for
from notifier.domain.render import RenderedMail, render

PORTAL = "https://guadeloupe.portail.douane.example"
EVENT_ID = "01939a4e-0000-7000-8000-000000000030"
RECEIVED = datetime(2027, 1, 31, 14, 0, tzinfo=UTC)  # 10:00 in Guadeloupe
JUDA = RightsRequester(id="u-juda", name="Juda Bricot", email="juda@example.fr")
NOTICE = RightsNotice(number="DR-2027-000001", kind="rectification", requester_name="Juda Bricot",
                      requester_email="juda@example.fr")  # fmt: skip


def _only(event: object) -> tuple[str, str, RenderedMail]:
    [mail] = mails_for(event, EVENT_ID, territory="971")  # type: ignore[arg-type]
    return mail.template, mail.recipient, render(mail, PORTAL)


def test_the_acknowledgement_says_the_number_and_the_day_the_answer_is_due() -> None:
    asked = RightsRequested(request_id="d-1", number="DR-2027-000001", kind="rectification", requester=JUDA,
                            data_concerned="Mon <b>prénom</b>", what_is_wrong="Judas", right_value="Juda",
                            received_at=RECEIVED, due_at=datetime(2027, 2, 28, 14, 0, tzinfo=UTC))  # fmt: skip

    template, to, mail = _only(asked)

    assert (template, to) == ("rights_acknowledged", "juda@example.fr")
    assert mail.subject == "[Vos données] Votre demande de rectification DR-2027-000001 est bien reçue"
    assert "au plus tard le 28 février 2027" in mail.text and f"{PORTAL}/mes-donnees" in mail.text
    assert "Mon &lt;b&gt;prénom&lt;/b&gt;" in mail.html


def test_the_extension_and_the_answer_give_their_reason() -> None:
    later = datetime(2027, 2, 20, 14, 0, tzinfo=UTC)
    extended = RightsDeadlineExtended(reason="Demande complexe.", due_at=datetime(2027, 3, 31, 14, 0, tzinfo=UTC),
                                      by_id="dpo-1", notice=NOTICE, at=later)  # fmt: skip
    answered = RectificationDecided(outcome="refusee", reason="Le prénom est juste.", by_id="dpo-1", notice=NOTICE,
                                    at=later)  # fmt: skip

    template, _, mail = _only(extended)
    assert template == "rights_extended" and "prolongé jusqu'au 31 mars 2027" in mail.text
    assert "Demande complexe." in mail.text
    template, _, mail = _only(answered)
    assert template == "rights_rectification_decided" and "est refusée. Motif" in mail.text
    assert "Le prénom est juste." in mail.text and "CNIL" in mail.text


def test_the_erasure_decision_says_each_record_and_the_date_a_kept_one_ends() -> None:
    ends = datetime(2030, 1, 1, 3, 59, tzinfo=UTC)
    declaration = HeldRecord(
        service="declarations",
        record_type="declaration",
        record_id="decl-1",
        label="Déclaration",
        retention_ends_at=ends,
    )
    draft = HeldRecord(service="essoc", record_type="essoc_draft", record_id="b-1", label="Brouillon")
    decided = ErasureDecided(
        outcomes=[
            ErasureOutcome(record=draft, outcome="accordee", reason="Il est supprimé."),
            ErasureOutcome(
                record=declaration,
                outcome="refusee",
                reason="Délai de reprise.",
                kept_until=declaration.retention_ends_at,
                source="Code des douanes, art. 354",
            ),
        ],
        notice=NOTICE.model_copy(update={"kind": "effacement"}),
        at=RECEIVED,
    )

    template, _, mail = _only(decided)

    assert template == "rights_erasure_decided"
    assert "- Brouillon : effacement accordé. Il est supprimé." in mail.text
    # the end of retention in Guadeloupe's zone: 31 December, not 1 January
    assert "effacement refusé. Délai de reprise. Conservé jusqu'au 31 décembre 2029 (Code des douanes, art. 354)." in (
        mail.text
    )
