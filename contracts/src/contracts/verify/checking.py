"""Checking an audit bundle against a keyring: each line read strictly, the seal's signature, each head's
inclusion proof, each stream's hash chain; every problem a French sentence in the `BundleReport`."""

from __future__ import annotations

import hashlib
import json
import os
from typing import IO, Any

from pydantic import ValidationError

from contracts.audit import Keyring, Seal, StreamHead, french_errors, moment, verify_inclusion, verify_seal
from contracts.envelope import EventEnvelope, canonical_dumps, verify_chain
from contracts.verify.records import NAMES, RANK, EndLine, EventLine, HeaderLine, StreamLine
from contracts.verify.report import BundleReport, count


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
    header: HeaderLine | None = None
    seal: Seal | None = None
    end: EndLine | None = None
    streams: dict[str, StreamLine] = {}
    events: dict[str, list[EventLine]] = {}
    digest, rank = hashlib.sha256(), -1
    for number, raw in enumerate(lines, start=1):
        parsed = _parse(number, raw, report)
        if parsed is not None:
            kind, record = parsed
            if end is not None or RANK[kind] < rank or (RANK[kind] == rank and kind in ("bundle", "seal", "end")):
                report.problems.append(
                    f"ligne {number} : {NAMES[kind]} inattendu à cet endroit "
                    "(ordre attendu : en-tête, sceau, têtes de flux, événements, ligne de fin)"
                )
            rank = max(rank, RANK[kind])
            match record:
                case HeaderLine():
                    header = header or record
                case Seal():
                    seal = seal or record
                case StreamLine() if record.stream_id in streams:
                    report.problems.append(f"ligne {number} : flux {record.stream_id} déjà présent dans le lot")
                case StreamLine():
                    streams[record.stream_id] = record
                case EventLine():
                    events.setdefault(record.envelope.stream_id, []).append(record)
                case EndLine():
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
    if kind not in RANK:
        report.problems.append(f"{where} : enregistrement de type inconnu")
        return None
    value: Any
    try:
        match kind:
            case "bundle":
                value = HeaderLine.model_validate(record)
                canonical = value.model_dump(mode="json")
            case "seal":
                value = Seal.model_validate({k: v for k, v in record.items() if k != "kind"})
                canonical = {"kind": "seal", **value.model_dump(mode="json")}
            case "stream":
                value = StreamLine.model_validate(record)
                canonical = value.model_dump(mode="json")
            case "event":
                sealed = record.get("sealed")
                if not isinstance(sealed, bool):
                    report.problems.append(f"{where} : événement sans mention « sealed » vrai ou faux")
                    return None
                body = {k: v for k, v in record.items() if k not in ("kind", "sealed")}
                value = EventLine(sealed, EventEnvelope.model_validate(body))
                canonical = {"kind": "event", "sealed": sealed, **value.envelope.model_dump(mode="json")}
            case _:
                value = EndLine.model_validate(record)
                canonical = value.model_dump(mode="json")
    except ValidationError as error:
        report.problems.append(f"{where} : {NAMES[kind]} illisible ({french_errors(error)})")
        return None
    if canonical_dumps(canonical) != text:
        report.problems.append(f"{where} : {NAMES[kind]} écrit autrement que le lot ne l'écrit — ligne retouchée ?")
    return kind, value


def _check_stream(report: BundleReport, seal: Seal, stream: StreamLine, events: list[EventLine]) -> None:
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
            f"{label} : {count(len(after), 'événement postérieur', 'événements postérieurs')} au sceau "
            f"(versions {after[0].version} à {after[-1].version}), chaînés à la tête scellée "
            "mais non couverts par le sceau"
        )
