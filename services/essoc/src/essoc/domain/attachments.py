"""What an attachment may be: an allowed extension (manual §3.2.5), a size under the cap, a safe name."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import PurePosixPath

from contracts.errors import DomainError

DEFAULT_MAX_SIZE = 20 * 1024 * 1024
MAX_NAME_LENGTH = 120
MAX_EXTENSION_LENGTH = 10
FALLBACK_STEM = "piece-jointe"

# OGDE manual §3.2.5, "Extensions autorisées"; the MIME type is ours, never the browser's claim.
CONTENT_TYPES: dict[str, str] = {
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "eml": "message/rfc822",
    "gif": "image/gif",
    "jpg": "image/jpeg",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odt": "application/vnd.oasis.opendocument.text",
    "pdf": "application/pdf",
    "png": "image/png",
    "ppt": "application/vnd.ms-powerpoint",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "sxc": "application/vnd.sun.xml.calc",
    "sxw": "application/vnd.sun.xml.writer",
    "txt": "text/plain",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "xml": "application/xml",
    "xsd": "application/xml",
    "zip": "application/zip",
}
ALLOWED_EXTENSIONS = tuple(CONTENT_TYPES)

SNIFF_BYTES = 8 * 1024
"""How much of a file is read to check that its content is what its extension says."""
_ZIP = (b"PK\x03\x04", b"PK\x05\x06")
_OLE2 = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "gif": (b"GIF87a", b"GIF89a"),
    "jpg": (b"\xff\xd8\xff",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "zip": _ZIP,
    **{office: _ZIP for office in ("docx", "xlsx", "pptx", "odt", "ods", "sxc", "sxw")},
    **{legacy: _OLE2 for legacy in ("doc", "xls", "ppt")},
}
"""The first bytes of each binary format (its "magic number"); a PDF says `%PDF-` in its first kilobyte."""
TEXT_FORMATS = ("txt", "eml", "xml", "xsd")

_UNSAFE = re.compile(r"[^\w.\- ()]+")
_RUNS = re.compile(r"([_ .-])\1+")


@dataclass(frozen=True)
class CheckedUpload:
    filename: str
    extension: str
    content_type: str
    size: int


def check_upload(filename: str, size: int, max_size: int = DEFAULT_MAX_SIZE) -> CheckedUpload:
    """The upload as it will be stored, or a refusal naming the rule it breaks."""
    name = sanitize_filename(filename)
    extension = PurePosixPath(name).suffix.lstrip(".").lower()
    if extension not in CONTENT_TYPES:
        raise DomainError(
            f"Le type de fichier « .{extension or '?'} » n'est pas autorisé. "
            f"Extensions autorisées : {', '.join(ALLOWED_EXTENSIONS)}.",
            field="file",
            code="extension-interdite",
        )
    if size <= 0:
        raise DomainError("Le fichier est vide.", field="file", code="fichier-vide")
    if size > max_size:
        raise DomainError(
            f"Le fichier dépasse la taille maximale autorisée ({_megabytes(max_size)} Mo).",
            field="file",
            code="fichier-trop-volumineux",
            status=413,
            extra={"max_size": max_size, "size": size},
        )
    return CheckedUpload(name, extension, CONTENT_TYPES[extension], size)


def check_content(filename: str, head: bytes) -> None:
    """Refuses a file whose first bytes are not those of the format its extension names (an executable
    renamed `facture.pdf` is not a PDF): what is stored and served as a PDF must be one."""
    extension = PurePosixPath(sanitize_filename(filename)).suffix.lstrip(".").lower()
    if extension not in CONTENT_TYPES or _looks_like(extension, head):
        return
    raise DomainError(
        f"Le contenu du fichier ne correspond pas à son extension « .{extension} » : "
        "envoyez le document dans son format d'origine.",
        field="file",
        code="contenu-non-conforme",
    )


def _looks_like(extension: str, head: bytes) -> bool:
    if extension == "pdf":
        return b"%PDF-" in head[:1024]
    if extension in SIGNATURES:
        return head.startswith(SIGNATURES[extension])
    # Text formats: no NUL byte (binaries have them), decodable, and XML starts with a tag.
    if b"\x00" in head or head.startswith((b"MZ", b"\x7fELF")):
        return False
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(head) - 3:  # not just a character cut at the end of the sample
            text = head.decode("cp1252", errors="replace")
        else:
            text = head[: error.start].decode("utf-8")
    if extension in ("xml", "xsd"):
        return text.lstrip("\ufeff \t\r\n").startswith("<")
    return True


def sanitize_filename(filename: str) -> str:
    """The last path segment, without control or shell-special characters, at most 120 characters.

    Accented letters stay (French names); the extension is lower-cased and kept when shortening.
    """
    name = unicodedata.normalize("NFC", filename).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = _RUNS.sub(r"\1", _UNSAFE.sub("_", name))
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    extension = extension.strip(" _-").lower()[:MAX_EXTENSION_LENGTH]
    room = MAX_NAME_LENGTH - (len(extension) + 1 if extension else 0)
    stem = stem.strip(" ._-")[:room].rstrip(" ._-") or FALLBACK_STEM
    return f"{stem}.{extension}" if extension else stem


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g}".replace(".", ",")
