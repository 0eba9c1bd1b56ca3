"""What the verifier found in a bundle, and the report it prints of it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from contracts.audit import Keyring, Seal, moment


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


def count(number: int, one: str, many: str) -> str:
    return f"{number} {one if number == 1 else many}"


def show(bundle: str, keyring: Keyring, report: BundleReport) -> None:
    """The report printed for the auditor: what was checked, then the verdict and every problem."""
    created = f", créé le {moment(report.created_at)}" if report.created_at else ""
    print(f"Lot : {bundle} — service {report.service or 'inconnu'}{created}")
    seal = report.seal
    if seal is not None:
        print(
            f"Sceau n° {seal.seq} du {moment(seal.sealed_at)} : position {seal.position}, "
            f"{count(seal.streams, 'flux', 'flux')} scellés, clé {seal.key_id or 'aucune'}"
        )
    print(
        f"Contrôlé : la signature du sceau, l'inclusion dans son arbre de la tête de "
        f"{count(report.streams, 'flux', 'flux')}, le chaînage depuis l'origine de "
        f"{count(report.sealed_events, 'événement scellé', 'événements scellés')}"
    )
    if any(entry.service is None for entry in keyring.keys):
        print("Note : clé publique seule — le service et la période de validité de la clé ne sont pas contrôlés")
    for note in report.notes:
        print(f"Note : {note}")
    if report.verified and seal is not None:
        print(
            f"Lot vérifié : {count(report.streams, 'flux', 'flux')} et "
            f"{count(report.sealed_events, 'événement', 'événements')} conformes au sceau n° {seal.seq} "
            f"du service {seal.service}."
        )
    else:
        print(f"Lot NON vérifié — {count(len(report.problems), 'problème', 'problèmes')} :")
        for problem in report.problems:
            print(f"  - {problem}")
