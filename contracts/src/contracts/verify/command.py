"""The offline verifier's command line, `python -m contracts.verify LOT.jsonl --key TROUSSEAU.json`: exits
0 when the bundle is verified, 1 when it finds a problem, 2 when the bundle or the key cannot be read."""

from __future__ import annotations

import errno
import sys
from collections.abc import Sequence

from contracts.audit import KeyringError, load_keyring
from contracts.verify.checking import check_bundle
from contracts.verify.report import show

USAGE = """usage : python -m contracts.verify LOT.jsonl --key TROUSSEAU.json|CLE_PUBLIQUE.pem

Vérifie hors ligne un lot d'audit exporté par un service : la signature de son sceau par une clé du
trousseau, l'inclusion de la tête de chaque flux dans l'arbre du sceau, et le chaînage des événements de
chaque flux depuis son origine jusqu'à cette tête.

Codes de sortie : 0 lot vérifié, 1 problème trouvé, 2 lot ou clé illisible."""


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
    show(bundle, keyring, report)
    return 0 if report.verified else 1
