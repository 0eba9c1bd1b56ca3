"""Attachments: allowed extensions (manual §3.2.5), the size cap, safe names, who may delete what."""

from __future__ import annotations

from typing import Any, Literal

import pytest

from contracts.errors import Conflict, DomainError, Forbidden, NotFound
from contracts.events.essoc import AttachmentAdded, AttachmentRemoved, RequestClosed
from essoc.domain.attachments import (
    ALLOWED_EXTENSIONS,
    DEFAULT_MAX_SIZE,
    check_upload,
    sanitize_filename,
)
from essoc.domain.request import EssocEvent

from essoc_given import AGENT, OTHER_USER, REQUESTER, admitted, given, submitted

START = submitted()
MANUAL_EXTENSIONS = "doc docx eml gif jpg ods odt pdf png ppt pptx sxc sxw txt xls xlsx xml xsd zip".split()


# ---- what may be uploaded -------------------------------------------------------------------------


def test_the_allow_list_is_the_manuals() -> None:
    assert sorted(ALLOWED_EXTENSIONS) == sorted(MANUAL_EXTENSIONS)


@pytest.mark.parametrize("extension", MANUAL_EXTENSIONS)
def test_each_allowed_extension_is_accepted_whatever_its_case(extension: str) -> None:
    upload = check_upload(f"Pièce.{extension.upper()}", 1024)
    assert upload.extension == extension
    assert upload.filename == f"Pièce.{extension}"


@pytest.mark.parametrize("filename", ["setup.exe", "facture.pdf.exe", "archive.tar.gz", "lisezmoi", "page.html"])
def test_other_extensions_are_refused(filename: str) -> None:
    with pytest.raises(DomainError) as error:
        check_upload(filename, 1024)
    assert (error.value.field, error.value.code) == ("file", "extension-interdite")
    assert "Extensions autorisées" in error.value.detail


def test_the_content_type_comes_from_the_extension() -> None:
    assert check_upload("rescrit.pdf", 10).content_type == "application/pdf"
    assert check_upload("mail.eml", 10).content_type == "message/rfc822"


def test_size_cap_is_20_megabytes_by_default() -> None:
    assert check_upload("gros.pdf", DEFAULT_MAX_SIZE).size == 20 * 1024 * 1024
    with pytest.raises(DomainError) as error:
        check_upload("gros.pdf", DEFAULT_MAX_SIZE + 1)
    assert (error.value.status, error.value.code) == (413, "fichier-trop-volumineux")
    assert "20 Mo" in error.value.detail


def test_size_cap_is_a_parameter() -> None:
    with pytest.raises(DomainError, match="2,5 Mo"):
        check_upload("moyen.pdf", 3 * 1024 * 1024, max_size=5 * 1024 * 1024 // 2)


def test_an_empty_file_is_refused() -> None:
    with pytest.raises(DomainError, match="vide"):
        check_upload("vide.pdf", 0)


# ---- stored names ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given_name", "stored"),
    [
        ("../../etc/rapport.pdf", "rapport.pdf"),
        ("C:\\Users\\juda\\Mon Rapport  Final!!.PDF", "Mon Rapport Final.pdf"),
        ("fact\x00ure\n.txt", "facture.txt"),
        ("-rf.zip", "rf.zip"),
        ("   .pdf", "piece-jointe.pdf"),
        ("Déclaration d'octroi de mer.odt", "Déclaration d_octroi de mer.odt"),
    ],
)
def test_stored_name_is_sanitised(given_name: str, stored: str) -> None:
    assert sanitize_filename(given_name) == stored


def test_a_long_name_is_shortened_but_keeps_its_extension() -> None:
    name = sanitize_filename("é" * 300 + ".docx")
    assert len(name) == 120
    assert name.endswith("é.docx")


# ---- attachments on a request ---------------------------------------------------------------------


def attach(
    history: list[EssocEvent],
    by: str = REQUESTER.id,
    role: Literal["requester", "agent"] = "requester",
    **changes: Any,
) -> list[AttachmentAdded]:
    params: dict[str, Any] = {
        "attachment_id": "pj-1",
        "filename": "../Factures 2026.PDF",
        "size": 2048,
        "sha256": "a" * 64,
        "blob_id": "blob-1",
        **changes,
    }
    return given(*history).add_attachment(added_by=by, role=role, **params)


def test_the_requester_attaches_a_file_under_its_sanitised_name() -> None:
    assert attach([START]) == [
        AttachmentAdded(
            attachment_id="pj-1",
            filename="Factures 2026.pdf",
            content_type="application/pdf",
            size=2048,
            sha256="a" * 64,
            blob_id="blob-1",
            added_by=REQUESTER.id,
            added_by_role="requester",
        )
    ]


def test_the_agent_attaches_a_file_too() -> None:
    [event] = attach(admitted(START), by=AGENT, role="agent")
    assert event.added_by_role == "agent"


def test_a_stranger_cannot_attach_to_a_request() -> None:
    with pytest.raises(Forbidden):
        attach([START], by=OTHER_USER)


def test_a_closed_request_takes_no_attachment() -> None:
    with pytest.raises(Conflict, match="clôturée"):
        attach([*admitted(START), RequestClosed(response="R.", notice=START.notice)])


def test_the_request_refuses_a_forbidden_extension_or_an_oversized_file() -> None:
    with pytest.raises(DomainError, match="n'est pas autorisé"):
        attach([START], filename="virus.exe")
    with pytest.raises(DomainError, match="taille maximale"):
        attach([START], size=11, max_size=10)


def test_an_attachment_id_is_used_once() -> None:
    [event] = attach([START])
    with pytest.raises(Conflict):
        attach([START, event])


def test_one_deletes_ones_own_attachment_while_the_request_is_open() -> None:
    [added] = attach([START])
    request = given(START, added)
    assert request.remove_attachment(attachment_id="pj-1", removed_by=REQUESTER.id) == [
        AttachmentRemoved(attachment_id="pj-1")
    ]
    assert "pj-1" not in given(START, added, AttachmentRemoved(attachment_id="pj-1")).attachments


def test_one_cannot_delete_someone_elses_attachment() -> None:
    [added] = attach(admitted(START), by=AGENT, role="agent")
    with pytest.raises(Forbidden) as error:
        given(*admitted(START), added).remove_attachment(attachment_id="pj-1", removed_by=REQUESTER.id)
    assert error.value.field == "attachment_id"


def test_attachments_of_a_closed_request_are_kept() -> None:
    [added] = attach([START])
    closed = [START, added, *admitted(START)[1:], RequestClosed(response="R.", notice=START.notice)]
    with pytest.raises(Conflict, match="ne peuvent plus être supprimées"):
        given(*closed).remove_attachment(attachment_id="pj-1", removed_by=REQUESTER.id)


def test_deleting_an_unknown_attachment_is_not_found() -> None:
    with pytest.raises(NotFound):
        given(START).remove_attachment(attachment_id="pj-9", removed_by=REQUESTER.id)
