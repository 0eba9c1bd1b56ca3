"""Refusals every layer may raise (domain included); the HTTP layer turns them into RFC 9457 problems."""

from __future__ import annotations


class DomainError(Exception):
    """A refused command: French message for the user, the field at fault, an HTTP status."""

    status = 422
    code = "regle-metier"

    def __init__(
        self,
        detail: str,
        *,
        field: str | None = None,
        code: str | None = None,
        status: int | None = None,
        extra: dict[str, object] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        if code:
            self.code = code
        if status:
            self.status = status
        self.extra = extra or {}


class NotFound(DomainError):
    status = 404
    code = "introuvable"


class Forbidden(DomainError):
    status = 403
    code = "interdit"


class Conflict(DomainError):
    status = 409
    code = "conflit"


class CommandAlreadyCommitted(Conflict):
    """The command of this Idempotency-Key was committed by another run of it (a retry that took the key over
    while the first was still running): this run appended nothing."""

    code = "commande-deja-executee"

    def __init__(self) -> None:
        super().__init__(
            "Cette commande a déjà été enregistrée par un envoi précédent avec la même clé d'idempotence : "
            "rechargez la ressource pour la voir.",
            field="Idempotency-Key",
        )


class ConcurrencyError(Conflict):
    """The stream moved on since the command read it: nothing was appended."""

    code = "conflit-de-version"

    def __init__(self, stream_id: str, expected: int, actual: int | None = None) -> None:
        super().__init__(
            f"Le dossier {stream_id} a été modifié entre-temps (version attendue {expected}"
            + (f", version actuelle {actual}" if actual is not None else "")
            + "). Rechargez-le puis recommencez.",
            extra={"expected_version": expected, "actual_version": actual},
        )
        self.stream_id = stream_id
        self.expected = expected
        self.actual = actual
