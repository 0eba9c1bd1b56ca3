"""Whose personal data an event holds (`contracts.personal_subjects`), given an event, its marks and its envelope:
each value goes to the id of its subject, and to nobody else's."""

from __future__ import annotations

import contracts.events  # noqa: F401  (registers every event)
from contracts.personal_subjects import PersonalValue, stream_owner, subject_id_paths, subjects_of

REQUESTER = {"id": "u-juda", "name": "Bricot", "first_name": "Juda", "email": "juda@example.fr"}


def _paths(found: dict[str, list[PersonalValue]], who: str) -> set[str]:
    return {v.path for v in found.get(who, [])}


def test_an_opening_event_gives_its_requester_their_identity_and_its_texts_by_the_stream_they_own() -> None:
    # given a draft opened by Juda, recorded by Juda
    data = {"draft_id": "d-1", "requester": REQUESTER, "at": "2027-01-04T10:00:00Z"}

    # when its subjects are resolved
    found = subjects_of("DraftStarted", data, actor_id="u-juda", actor_role="requester")

    # then every personal value is Juda's, the envelope's author included
    assert set(found) == {"u-juda"}
    assert _paths(found, "u-juda") == {
        "requester.id",
        "requester.name",
        "requester.first_name",
        "requester.email",
        "actor.id",
        "actor.role",
    }
    assert stream_owner("DraftStarted", data) == "u-juda"


def test_a_stream_owners_text_written_by_an_agent_is_the_owners_and_the_agents_name_is_the_agents() -> None:
    # given an agent's answer on Juda's ticket
    data = {
        "message_id": "m-1",
        "agent_id": "agent-971",
        "agent_name": "Joseph Lubin",
        "text": "Videz le cache de votre navigateur.",
        "notice": {
            "number": "AS-2027-000001",
            "subject": "Erreur",
            "requester_name": "Juda Bricot",
            "requester_email": "juda@example.fr",
        },
        "at": "2027-01-04T10:00:00Z",
    }

    # when resolved with the stream's owner
    found = subjects_of("AssistanceAnswered", data, actor_id="agent-971", actor_role="agent", owner="u-juda")

    # then the text and the notice are Juda's; the agent's id and name, and the envelope, are the agent's
    assert _paths(found, "u-juda") == {
        "text",
        "notice.subject",
        "notice.requester_name",
        "notice.requester_email",
    }
    assert _paths(found, "agent-971") == {"agent_id", "agent_name", "actor.id", "actor.role"}


def test_an_internal_note_is_the_requesters_to_erase_but_withheld_from_their_own_access() -> None:
    # given an agent's private note on Juda's request (CRPA art. L. 311-2: a preparatory document)
    data = {
        "note_id": "n-1",
        "text": "Vérifier le tarif avec le bureau.",
        "author": {"id": "agent-971", "name": "J. Lubin"},
    }

    # when resolved with the stream's owner
    found = subjects_of("NoteAdded", data, actor_id="agent-971", actor_role="agent", owner="u-juda")

    # then the text is Juda's (erased with them) and marked withheld from « Mes données »; the agent's values are not
    (text,) = [v for v in found["u-juda"] if v.path == "text"]
    assert "L. 311-2" in text.withheld and "délégué à la protection des données" in text.withheld
    assert not any(v.withheld for v in found["agent-971"])


def test_without_its_owner_a_streams_texts_go_to_nobody() -> None:
    data = {"message_id": "m-2", "text": "Toujours bloqué.", "at": "2027-01-05T10:00:00Z"}

    found = subjects_of("AssistanceFollowedUp", data, actor_id="u-juda", actor_role="requester")

    assert _paths(found, "u-juda") == {"actor.id", "actor.role"}


def test_a_mail_address_is_its_own_subject_and_a_list_item_keeps_its_index() -> None:
    data = {
        "notification_id": "n-1",
        "source_event_id": "0190a0b0-0000-7000-8000-000000000001",
        "source_event_type": "RequestSubmitted",
        "template": "accuse",
        "recipient": "juda@example.fr",
        "subject": "Votre demande",
        "message_id": "<m@x>",
        "sent_at": "2027-01-04T10:00:00Z",
        "attempts": 1,
    }

    found = subjects_of("NotificationSent", data, actor_id="system", actor_role="system")

    assert _paths(found, "juda@example.fr") == {"recipient"}
    assert "u-juda" not in found


def test_the_paths_an_index_must_cover_name_each_subject_id_once() -> None:
    paths = subject_id_paths(["DraftStarted", "AssistanceAnswered", "NotificationSent", "RightsRequested"])

    assert paths == ["agent_id", "recipient", "requester.id"]
