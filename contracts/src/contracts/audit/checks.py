"""Checking seals, each problem a French sentence: a seal's signature against the keyring, a service's
chain of seals, and the heads of a log against the seal that covers them."""

from __future__ import annotations

from collections.abc import Sequence

from cryptography.exceptions import InvalidSignature

from contracts.audit.heads import StreamHead, heads_root, sorted_heads
from contracts.audit.keyring import Keyring, canonical_b64decode
from contracts.audit.seal import FIRST_PREV, Seal
from contracts.audit.wording import moment


def _short(digest: str) -> str:
    return f"{digest[:12]}…"


def verify_seal(seal: Seal, keyring: Keyring) -> list[str]:
    """Why `seal` cannot be trusted by the holder of `keyring`, as French sentences; empty when it can."""
    if not seal.signature:
        return [f"{seal.label} : non signé"]
    entry = keyring.get(seal.key_id)
    if entry is None:
        return [f"{seal.label} : signé par une clé inconnue du trousseau ({seal.key_id or 'sans identifiant'})"]
    problems = []
    if entry.service is not None and entry.service != seal.service:
        problems.append(
            f"{seal.label} : signé par la clé {seal.key_id} du service « {entry.service} », "
            f"pas du service « {seal.service} »"
        )
    if not entry.valid_at(seal.sealed_at):
        problems.append(
            f"{seal.label} : daté du {moment(seal.sealed_at)}, hors de la période de validité de la clé "
            f"{seal.key_id} ({entry.period()})"
        )
    signature = canonical_b64decode(seal.signature)
    try:
        if signature is None:
            raise InvalidSignature
        entry.key().verify(signature, seal.payload())
    except InvalidSignature:
        problems.append(f"{seal.label} : signature invalide — sceau modifié ou signé par une autre clé")
    return problems


def verify_seal_chain(seals: Sequence[Seal], keyring: Keyring, *, after: Seal | None = None) -> list[str]:
    """Every break in a service's chain of seals, in `seq` order, as French sentences; empty when intact.

    The chain starts at seal n° 1, or just after `after`, a seal already trusted. Each seal must be
    signed, follow the previous one's digest, keep or advance its position and be dated after it.
    """
    problems: list[str] = []
    previous = after
    service = after.service if after else seals[0].service if seals else ""
    for seal in sorted(seals, key=lambda s: s.seq):
        problems.extend(verify_seal(seal, keyring))
        if seal.service != service:
            problems.append(f"{seal.label} : sceau du service « {seal.service} » dans la chaîne de « {service} »")
        expected = previous.seq + 1 if previous else 1
        if previous is not None and seal.seq < previous.seq:
            problems.append(f"{seal.label} : antérieur au {previous.label} déjà vérifié — sceau rejoué ?")
            continue
        if previous is not None and seal.seq == previous.seq:
            problems.append(
                f"{seal.label} : présent deux fois — sceau rejoué ?"
                if seal.digest() == previous.digest()
                else f"{seal.label} : deux sceaux différents portent ce numéro — sceau rejoué ou falsifié ?"
            )
            continue
        if seal.seq > expected:
            missing = (
                f"sceau n° {expected} manquant"
                if seal.seq == expected + 1
                else f"sceaux n° {expected} à {seal.seq - 1} manquants"
            )
            problems.append(f"{seal.label} : {missing}")
        elif previous is None and seal.prev != FIRST_PREV:
            problems.append(f"{seal.label} : devrait ouvrir la chaîne, mais nomme un sceau précédent")
        elif previous is not None and seal.prev != previous.digest():
            problems.append(
                f"{seal.label} : ne suit pas le {previous.label} (empreinte précédente différente) "
                "— sceau rejoué ou inséré ?"
            )
        if previous is not None and seal.position < previous.position:
            problems.append(
                f"{seal.label} : position {seal.position} antérieure à celle du {previous.label} ({previous.position})"
            )
        if previous is not None and seal.sealed_at <= previous.sealed_at:
            problems.append(
                f"{seal.label} : daté du {moment(seal.sealed_at)}, pas après le {previous.label} "
                f"({moment(previous.sealed_at)})"
            )
        previous = seal
    return problems


def check_heads(seal: Seal, heads: Sequence[StreamHead]) -> list[str]:
    """Whether `heads`, those of each stream at the seal's position, are the ones the seal covers."""
    try:
        ordered = sorted_heads(heads)
    except ValueError as error:
        return [f"{seal.label} : {error}"]
    problems = []
    if len(ordered) != seal.streams:
        problems.append(
            f"{seal.label} : {seal.streams} flux scellés, {len(ordered)} trouvés à la position {seal.position}"
        )
    if heads_root(ordered) != seal.root:
        problems.append(
            f"{seal.label} : les têtes des flux à la position {seal.position} ne donnent pas la racine scellée "
            "— journal modifié après le scellement"
        )
    return problems


def diff_heads(sealed: Sequence[StreamHead], current: Sequence[StreamHead]) -> list[str]:
    """Each stream whose head at the seal's position (`current`) is not the sealed one, in French."""
    was = {head.stream_id: head for head in sealed}
    now = {head.stream_id: head for head in current}
    problems = []
    for stream_id in sorted(was.keys() | now.keys()):
        before, after = was.get(stream_id), now.get(stream_id)
        if before == after:
            continue
        if after is None:
            assert before is not None
            problems.append(
                f"flux {stream_id} : scellé (version {before.version}, hash {_short(before.hash)}) "
                "mais absent du journal — flux supprimé"
            )
        elif before is None:
            problems.append(
                f"flux {stream_id} : présent dans le journal (version {after.version}, hash {_short(after.hash)}) "
                "mais absent du sceau — flux ajouté après coup"
            )
        else:
            verdict = (
                "flux réécrit"
                if after.version == before.version
                else "événements retirés — flux tronqué"
                if after.version < before.version
                else "événements ajoutés avant la position scellée — flux réécrit"
            )
            problems.append(
                f"flux {stream_id} : tête scellée version {before.version} (hash {_short(before.hash)}), "
                f"trouvée version {after.version} (hash {_short(after.hash)}) — {verdict}"
            )
    return problems
