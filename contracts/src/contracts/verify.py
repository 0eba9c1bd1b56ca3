"""The bundle an auditor verifies offline — streams of a service's log, the seal that covers them and the
proofs that tie the two — and its verifier: `python -m contracts.verify LOT.jsonl --key TROUSSEAU.json`.

A bundle is JSON Lines in UTF-8, each line the canonical JSON of one record (sorted keys, no spaces, as
`canonical_dumps` writes it) followed by `\\n`, in this order:

    {"created_at":"2026-06-01T10:00:05.120000Z","format":1,"kind":"bundle","service":"declarations"}
    {"kind":"seal", …every field of the Seal, signature included…}
    {"head":{"hash":"…","version":5},"index":3,"kind":"stream","proof":["…","…"],"size":57,"stream_id":"decl-1"}
    {"kind":"event","sealed":true, …the EventEnvelope as model_dump(mode="json")…}
    {"kind":"end","lines":N,"sha256":"…"}

One `stream` line per stream exported, with its head at the seal's position and that head's inclusion
proof in the seal's tree (leaf `index` of `size`, see `contracts.audit.head_proofs`). Then the events
of those streams from version 1, each stream's in version order (streams may interleave, as in global
position order); the events after the sealed head are `"sealed":false`: they are only chained on to the
head, not covered by the seal. The `end` line counts the lines before it and gives the SHA-256 of their
bytes.

What the seal authenticates: the seal itself, the heads (through the inclusion proofs) and, through
each stream's hash chain, every event but its `position`, which the chain does not cover. The bundle's
`created_at` and the positions are protected against accidental corruption only, by the `end` line.

The verifier imports only the standard library, pydantic, cryptography and `contracts`. It exits 0 when
the bundle is verified, 1 when it finds a problem, 2 when the bundle or the key cannot be read.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any, Literal, NamedTuple

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from contracts.audit import (
    HEX64,
    Keyring,
    KeyringError,
    Seal,
    StreamHead,
    french_errors,
    load_keyring,
    moment,
    verify_inclusion,
    verify_seal,
)
from contracts.envelope import EventEnvelope, canonical_dumps, utc_now, verify_chain


class _Header(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["bundle"] = "bundle"
    format: Literal[1] = 1
    service: str = Field(min_length=1)
    created_at: AwareDatetime


class _Head(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: int = Field(ge=1)
    hash: str = Field(pattern=HEX64)


class _Stream(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["stream"] = "stream"
    stream_id: str
    head: _Head
    index: int = Field(ge=0)
    size: int = Field(ge=1)
    proof: list[str]


class _End(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["end"] = "end"
    lines: int = Field(ge=0)
    sha256: str = Field(pattern=HEX64)


class _Event(NamedTuple):
    sealed: bool
    envelope: EventEnvelope


_RANK = {"bundle": 0, "seal": 1, "stream": 2, "event": 3, "end": 4}
_NAMES = {"bundle": "en-tête", "seal": "sceau", "stream": "tête de flux", "event": "événement", "end": "ligne de fin"}


# ---- writing ------------------------------------------------------------------------------------------


def bundle_lines(
    service: str,
    seal: Seal,
    streams: Mapping[str, tuple[StreamHead, int, int, Sequence[str]]],
    events: Iterable[EventEnvelope],
    created_at: datetime | None = None,
) -> Iterator[bytes]:
    """The bundle's lines, `\\n` included, as they can be streamed (an HTTP response, a file).

    `streams` maps each stream exported to its sealed head and that head's proof (`head_proofs`);
    `events` are those streams' events from version 1, each stream's in version order.
    """
    if seal.service != service:
        raise ValueError(f"the seal is {seal.service}'s, not {service}'s")
    heads = {}
    for stream_id, (head, *_) in streams.items():
        if head.stream_id != stream_id:
            raise ValueError(f"the head given for {stream_id} is {head.stream_id}'s")
        heads[stream_id] = head
    digest, count = hashlib.sha256(), 0

    def line(record: dict[str, Any]) -> bytes:
        nonlocal count
        data = (canonical_dumps(record) + "\n").encode()
        digest.update(data)
        count += 1
        return data

    yield line(_Header(service=service, created_at=created_at or utc_now()).model_dump(mode="json"))
    yield line({"kind": "seal", **seal.model_dump(mode="json")})
    for stream_id, (head, index, size, proof) in streams.items():
        record = _Stream(
            stream_id=stream_id,
            head=_Head(version=head.version, hash=head.hash),
            index=index,
            size=size,
            proof=list(proof),
        )
        yield line(record.model_dump(mode="json"))
    for event in events:
        if event.stream_id not in heads:
            raise ValueError(f"an event of {event.stream_id}, a stream without a head in the bundle")
        yield line(
            {
                "kind": "event",
                "sealed": event.version <= heads[event.stream_id].version,
                **event.model_dump(mode="json"),
            }
        )
    yield (canonical_dumps(_End(lines=count, sha256=digest.hexdigest()).model_dump(mode="json")) + "\n").encode()


def write_bundle(
    target: str | os.PathLike[str] | IO[bytes],
    service: str,
    seal: Seal,
    streams: Mapping[str, tuple[StreamHead, int, int, Sequence[str]]],
    events: Iterable[EventEnvelope],
    created_at: datetime | None = None,
) -> None:
    """The bundle written to a path or to a binary file."""
    lines = bundle_lines(service, seal, streams, events, created_at)
    if isinstance(target, str | os.PathLike):
        with open(target, "wb") as file:
            file.writelines(lines)
    else:
        target.writelines(lines)


# ---- checking -----------------------------------------------------------------------------------------


@dataclass
class BundleReport:
    """What the verifier found in a bundle: what it checked, what is wrong (`problems`), what to know."""

    service: str | None = None
    created_at: datetime | None = None
    seal: Seal | None = None
    streams: int = 0
    sealed_events: int = 0
    unsealed_events: int = 0
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def verified(self) -> bool:
        return not self.problems


def verify_bundle(source: str | os.PathLike[str] | IO[bytes], keyring: Keyring) -> list[str]:
    """Every problem of a bundle, in French; empty when it is verified. OSError if it cannot be read."""
    return check_bundle(source, keyring).problems


def check_bundle(source: str | os.PathLike[str] | IO[bytes], keyring: Keyring) -> BundleReport:
    """The bundle read and checked against `keyring`. OSError if it cannot be read."""
    if isinstance(source, str | os.PathLike):
        with open(source, "rb") as file:
            data = file.read()
    else:
        data = source.read()
    report = BundleReport()
    lines = data.split(b"\n")
    if lines[-1]:
        report.problems.append(f"ligne {len(lines)} : sans saut de ligne final — lot tronqué ?")
    else:
        lines.pop()
    header: _Header | None = None
    seal: Seal | None = None
    end: _End | None = None
    streams: dict[str, _Stream] = {}
    events: dict[str, list[_Event]] = {}
    digest, rank = hashlib.sha256(), -1
    for number, raw in enumerate(lines, start=1):
        parsed = _parse(number, raw, report)
        if parsed is not None:
            kind, record = parsed
            if end is not None or _RANK[kind] < rank or (_RANK[kind] == rank and kind in ("bundle", "seal", "end")):
                report.problems.append(
                    f"ligne {number} : {_NAMES[kind]} inattendu à cet endroit "
                    "(ordre attendu : en-tête, sceau, têtes de flux, événements, ligne de fin)"
                )
            rank = max(rank, _RANK[kind])
            match record:
                case _Header():
                    header = header or record
                case Seal():
                    seal = seal or record
                case _Stream() if record.stream_id in streams:
                    report.problems.append(f"ligne {number} : flux {record.stream_id} déjà présent dans le lot")
                case _Stream():
                    streams[record.stream_id] = record
                case _Event():
                    events.setdefault(record.envelope.stream_id, []).append(record)
                case _End():
                    end = record
                    if record.lines != number - 1 or record.sha256 != digest.hexdigest():
                        report.problems.append(
                            f"ligne {number} : le contenu du lot ne correspond pas à sa ligne de fin — lot modifié"
                        )
        digest.update(raw + b"\n")
    if header is None:
        report.problems.append("le lot n'a pas d'en-tête")
    if seal is None:
        report.problems.append("le lot ne contient pas de sceau")
    if end is None:
        report.problems.append("le lot n'a pas de ligne de fin — lot tronqué ?")
    if header is not None:
        report.service, report.created_at = header.service, header.created_at
        if seal is not None and header.service != seal.service:
            report.problems.append(
                f"le lot est celui du service « {header.service} », son sceau celui de « {seal.service} »"
            )
        if seal is not None and header.created_at < seal.sealed_at:
            report.problems.append(f"le lot est daté d'avant son sceau ({moment(header.created_at)})")
    if seal is not None:
        report.seal = seal
        report.problems.extend(verify_seal(seal, keyring))
        for stream in streams.values():
            _check_stream(report, seal, stream, events.get(stream.stream_id, []))
    for stream_id in sorted(events.keys() - streams.keys()):
        report.problems.append(f"flux {stream_id} : événements sans tête scellée dans le lot")
    return report


def _parse(number: int, raw: bytes, report: BundleReport) -> tuple[str, Any] | None:
    """One line read strictly: any spelling but the canonical one is a line someone touched."""
    where = f"ligne {number}"
    try:
        text = raw.decode("utf-8")
        record = json.loads(text)
    except UnicodeDecodeError:
        report.problems.append(f"{where} : texte illisible (UTF-8 invalide)")
        return None
    except json.JSONDecodeError as error:
        report.problems.append(f"{where} : JSON illisible (colonne {error.colno})")
        return None
    kind = record.get("kind") if isinstance(record, dict) else None
    if kind not in _RANK:
        report.problems.append(f"{where} : enregistrement de type inconnu")
        return None
    value: Any
    try:
        match kind:
            case "bundle":
                value = _Header.model_validate(record)
                canonical = value.model_dump(mode="json")
            case "seal":
                value = Seal.model_validate({k: v for k, v in record.items() if k != "kind"})
                canonical = {"kind": "seal", **value.model_dump(mode="json")}
            case "stream":
                value = _Stream.model_validate(record)
                canonical = value.model_dump(mode="json")
            case "event":
                sealed = record.get("sealed")
                if not isinstance(sealed, bool):
                    report.problems.append(f"{where} : événement sans mention « sealed » vrai ou faux")
                    return None
                body = {k: v for k, v in record.items() if k not in ("kind", "sealed")}
                value = _Event(sealed, EventEnvelope.model_validate(body))
                canonical = {"kind": "event", "sealed": sealed, **value.envelope.model_dump(mode="json")}
            case _:
                value = _End.model_validate(record)
                canonical = value.model_dump(mode="json")
    except ValidationError as error:
        report.problems.append(f"{where} : {_NAMES[kind]} illisible ({french_errors(error)})")
        return None
    if canonical_dumps(canonical) != text:
        report.problems.append(f"{where} : {_NAMES[kind]} écrit autrement que le lot ne l'écrit — ligne retouchée ?")
    return kind, value


def _check_stream(report: BundleReport, seal: Seal, stream: _Stream, events: list[_Event]) -> None:
    """A stream's head proven in the seal's tree, and its events chained from the origin up to that head."""
    label = f"flux {stream.stream_id}"
    head = StreamHead(stream.stream_id, stream.head.version, stream.head.hash)
    report.streams += 1
    if stream.size != seal.streams:
        report.problems.append(
            f"{label} : preuve établie pour {stream.size} flux, le {seal.label} en couvre {seal.streams}"
        )
    elif not verify_inclusion(head.leaf(), stream.index, stream.size, stream.proof, seal.root):
        report.problems.append(
            f"{label} : tête version {head.version} (hash {head.hash[:12]}…) absente de l'arbre du {seal.label} "
            "(preuve d'inclusion invalide)"
        )
    for event in events:
        version, position = event.envelope.version, event.envelope.position
        covered = version <= head.version
        if event.sealed != covered:
            report.problems.append(f"{label}, version {version} : marqué {'' if event.sealed else 'non '}scellé à tort")
        if position is not None and covered and position > seal.position:
            report.problems.append(
                f"{label}, version {version} : position {position} après celle du {seal.label} ({seal.position})"
            )
        if position is not None and not covered and position <= seal.position:
            report.problems.append(
                f"{label}, version {version} : postérieur à la tête scellée, mais à la position {position} "
                f"que couvre le {seal.label} — événement inséré ?"
            )
    envelopes = [event.envelope for event in events]
    report.problems.extend(f"{label} : {problem}" for problem in verify_chain(envelopes))
    sealed = [envelope for envelope in envelopes if envelope.version <= head.version]
    last = sealed[-1] if sealed else None
    if last is None or (last.version, last.hash) != (head.version, head.hash):
        found = f"version {last.version} (hash {last.hash[:12]}…)" if last else "aucun"
        report.problems.append(
            f"{label} : tête scellée version {head.version} (hash {head.hash[:12]}…), "
            f"dernier événement scellé du lot : {found}"
        )
    after = envelopes[len(sealed) :]
    report.sealed_events += len(sealed)
    report.unsealed_events += len(after)
    if after:
        report.notes.append(
            f"{label} : {_count(len(after), 'événement postérieur', 'événements postérieurs')} au sceau "
            f"(versions {after[0].version} à {after[-1].version}), chaînés à la tête scellée "
            "mais non couverts par le sceau"
        )


# ---- the command --------------------------------------------------------------------------------------

USAGE = """usage : python -m contracts.verify LOT.jsonl --key TROUSSEAU.json|CLE_PUBLIQUE.pem

Vérifie hors ligne un lot d'audit exporté par un service : la signature de son sceau par une clé du
trousseau, l'inclusion de la tête de chaque flux dans l'arbre du sceau, et le chaînage des événements de
chaque flux depuis son origine jusqu'à cette tête.

Codes de sortie : 0 lot vérifié, 1 problème trouvé, 2 lot ou clé illisible."""


def _count(number: int, one: str, many: str) -> str:
    return f"{number} {one if number == 1 else many}"


def _unreadable(error: OSError) -> str:
    return {
        errno.ENOENT: "fichier introuvable",
        errno.EACCES: "accès refusé",
        errno.EISDIR: "c'est un dossier",
    }.get(error.errno or 0, "lecture impossible")


def _arguments(args: Sequence[str]) -> tuple[str, str] | str:
    """(bundle, key) or what is wrong with the command line."""
    bundle, key, rest = None, None, list(args)
    while rest:
        arg = rest.pop(0)
        if arg == "--key" and rest and key is None:
            key = rest.pop(0)
        elif arg.startswith("--key=") and key is None:
            key = arg.removeprefix("--key=")
        elif arg.startswith("-") or bundle is not None:
            return f"argument inattendu : {arg}"
        else:
            bundle = arg
    if bundle is None:
        return "le lot à vérifier manque"
    if not key:
        return "la clé manque (--key TROUSSEAU.json ou CLE_PUBLIQUE.pem)"
    return bundle, key


def main(argv: Sequence[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if "-h" in args or "--help" in args:
        print(USAGE)
        return 0
    parsed = _arguments(args)
    if isinstance(parsed, str):
        print(f"erreur : {parsed}\n\n{USAGE}", file=sys.stderr)
        return 2
    bundle, key = parsed
    try:
        keyring = load_keyring(key)
    except OSError as error:
        print(f"erreur : clé illisible : {key} ({_unreadable(error)})", file=sys.stderr)
        return 2
    except KeyringError as error:
        print(f"erreur : {error}", file=sys.stderr)
        return 2
    try:
        report = check_bundle(bundle, keyring)
    except OSError as error:
        print(f"erreur : lot illisible : {bundle} ({_unreadable(error)})", file=sys.stderr)
        return 2
    _show(bundle, keyring, report)
    return 0 if report.verified else 1


def _show(bundle: str, keyring: Keyring, report: BundleReport) -> None:
    created = f", créé le {moment(report.created_at)}" if report.created_at else ""
    print(f"Lot : {bundle} — service {report.service or 'inconnu'}{created}")
    seal = report.seal
    if seal is not None:
        print(
            f"Sceau n° {seal.seq} du {moment(seal.sealed_at)} : position {seal.position}, "
            f"{_count(seal.streams, 'flux', 'flux')} scellés, clé {seal.key_id or 'aucune'}"
        )
    print(
        f"Contrôlé : la signature du sceau, l'inclusion dans son arbre de la tête de "
        f"{_count(report.streams, 'flux', 'flux')}, le chaînage depuis l'origine de "
        f"{_count(report.sealed_events, 'événement scellé', 'événements scellés')}"
    )
    if any(entry.service is None for entry in keyring.keys):
        print("Note : clé publique seule — le service et la période de validité de la clé ne sont pas contrôlés")
    for note in report.notes:
        print(f"Note : {note}")
    if report.verified and seal is not None:
        print(
            f"Lot vérifié : {_count(report.streams, 'flux', 'flux')} et "
            f"{_count(report.sealed_events, 'événement', 'événements')} conformes au sceau n° {seal.seq} "
            f"du service {seal.service}."
        )
    else:
        print(f"Lot NON vérifié — {_count(len(report.problems), 'problème', 'problèmes')} :")
        for problem in report.problems:
            print(f"  - {problem}")


if __name__ == "__main__":
    sys.exit(main())
