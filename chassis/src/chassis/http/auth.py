"""Bearer JWT authentication: HS256 with a shared secret locally, RS256 through JWKS in production."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from chassis import audit_log
from chassis.http.inputs import HIDDEN
from chassis.settings import ServiceSettings
from contracts.envelope import Actor
from contracts.errors import DomainError, Forbidden

ROLES = ("declarant", "requester", "agent", "admin", "auditor", "comptable", "dpo")
"""An auditor reads everything of its territories (claim `territories`) and acts on nothing. A comptable (the
accountant, or a payment system's service account) records the payments of its territories' declarations. A dpo
(délégué à la protection des données) answers the people's rights requests and reads who read what (issue 25)."""
MAX_ROLES = 20
"""More entries than that in `roles` is not a person's token (an identity provider's whole group list, say)."""


class Unauthenticated(DomainError):
    status = 401
    code = "authentification"


@dataclass(frozen=True)
class Principal:
    """The caller, from its token's claims. One person may hold several roles (a producer who also files a
    rescrit): every check passes when any role held allows it (decision record 0027)."""

    id: str
    roles: tuple[str, ...]
    name: str = ""
    first_name: str = ""
    email: str = ""
    relations: tuple[str, ...] = ()
    territories: tuple[str, ...] = ()
    directorates: tuple[str, ...] = ()
    claims: dict[str, Any] = field(default_factory=dict, compare=False)
    _granted: list[str] = field(default_factory=list, init=False, repr=False, compare=False)
    """The role the last `require` let this request act as (one request, one caller: never shared)."""

    def has(self, *roles: str) -> bool:
        """Whether the caller holds any of `roles`."""
        return any(role in self.roles for role in roles)

    def require(self, *allowed: str) -> str:
        """Passes when the caller holds any of `allowed`, else 403; returns the role it acts as: the first of
        `allowed` it holds (list them in the order a person holding several should act). The events its
        command appends record that role as their actor's (`actor`)."""
        for role in allowed:
            if role in self.roles:
                self._granted[:] = [role]
                return role
        raise Forbidden(
            f"Votre profil ne permet pas cette action (profil {' et '.join(self.roles)}, attendu : "
            f"{' ou '.join(allowed)})."
        )

    @property
    def acting(self) -> str:
        """The role this request acts as: the one its last `require` granted, else the first one held."""
        return self._granted[0] if self._granted else self.roles[0]

    @property
    def actor(self) -> Actor:
        """Who the events of a command name: the caller, in the role the command needed (not every role it
        holds: the log says in which capacity something was done)."""
        return Actor(id=self.id, role=self.acting)

    def reads_territory(self, territory: str) -> bool:
        """An admin reads every territory; an auditor those its token names."""
        return self.has("admin") or (self.has("auditor") and territory in self.territories)


SYSTEM_PRINCIPAL = Principal(id="system", roles=("system",))
"""The service itself, acting on its own (a scheduled pass, not a user's request)."""


def mint(
    settings: ServiceSettings,
    *,
    sub: str,
    role: str | None = None,
    roles: Sequence[str] | None = None,
    ttl_seconds: int = 30 * 24 * 3600,
    **claims: Any,
) -> str:
    """A signed token for local runs and tests (HS256 with the configured secret): `roles` (a list, the claim
    of decision record 0027), or the single `role` of earlier tokens, which is still accepted."""
    if not roles and not role:
        raise ValueError("a token names at least one role")
    now = int(time.time())
    held: dict[str, Any] = {"roles": list(roles)} if roles else {"role": role}
    payload = {"sub": sub, **held, "iat": now, "exp": now + ttl_seconds, **claims}
    if settings.jwt_audience:
        payload["aud"] = settings.jwt_audience
    return jwt.encode(payload, settings.jwt_secret, algorithm="HS256")


def roles_in(claims: Mapping[str, Any]) -> tuple[str, ...]:
    """The roles a token's (or an ID token's) claims give: `roles`, a list, when present; else the single `role`
    of earlier tokens. Entries that are no role of ours (an identity provider's other groups) give nothing;
    a token that gives no role of ours, or whose claim is malformed, is refused."""
    if "roles" in claims:
        value = claims["roles"]
        if not isinstance(value, list) or len(value) > MAX_ROLES or not all(isinstance(v, str) for v in value):
            raise Unauthenticated("Le jeton porte des profils « roles » mal formés.")
    else:
        value = [claims.get("role")]
    held = tuple(dict.fromkeys(v for v in value if v in ROLES))
    if not held:
        raise Unauthenticated("Le jeton ne porte pas de profil reconnu.")
    return held


class TokenVerifier:
    def __init__(self, settings: ServiceSettings) -> None:
        self.settings = settings
        self._jwks = jwt.PyJWKClient(settings.jwks_url) if settings.jwks_url else None

    def verify(self, token: str) -> Principal:
        try:
            if self._jwks is not None:
                key: Any = self._jwks.get_signing_key_from_jwt(token).key
                algorithms = ["RS256"]
            else:
                key, algorithms = self.settings.jwt_secret, [self.settings.jwt_algorithm]
            options: Any = {"require": ["sub", "exp", "iat"], "verify_aud": bool(self.settings.jwt_audience)}
            claims = jwt.decode(token, key, algorithms=algorithms, audience=self.settings.jwt_audience, options=options)
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("Votre jeton d'accès a expiré ; reconnectez-vous.") from None
        except jwt.PyJWTError:
            raise Unauthenticated("Jeton d'accès invalide.") from None
        return Principal(
            id=_text(claims, "sub"),
            roles=roles_in(claims),
            name=_text(claims, "name"),
            first_name=_text(claims, "given_name"),
            email=_text(claims, "email"),
            relations=_codes(claims, "relations"),
            territories=_codes(claims, "territories"),
            directorates=_codes(claims, "directorates"),
            claims=claims,
        )


def _text(claims: dict[str, Any], name: str) -> str:
    value = claims.get(name, "")
    if not isinstance(value, str) or len(value) > 320 or HIDDEN.search(value):
        raise Unauthenticated(f"Le jeton porte une information « {name} » mal formée.")
    return value


def _codes(claims: dict[str, Any], name: str) -> tuple[str, ...]:
    """A list of short identifiers (relations, territories, directorates), or a refusal of the token."""
    value = claims.get(name, [])
    if not isinstance(value, list) or len(value) > 1000:
        raise Unauthenticated(f"Le jeton porte des habilitations « {name} » mal formées.")
    if not all(isinstance(v, str) and 0 < len(v) <= 128 and not HIDDEN.search(v) for v in value):
        raise Unauthenticated(f"Le jeton porte des habilitations « {name} » mal formées.")
    return tuple(value)


_bearer = HTTPBearer(auto_error=False)


async def current_principal(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    if credentials is None:
        raise Unauthenticated("Authentification requise : fournissez un jeton « Bearer ».")
    verifier: TokenVerifier = request.app.state.token_verifier
    principal = verifier.verify(credentials.credentials)
    request.state.principal = principal
    # Every read of a person who audits is traced, whatever else they hold; an agent's or a comptable's reads of
    # personal data too (`audit_log.logs_agent_read`), with the role they read as.
    reader = "auditor" if principal.has("auditor") else None
    if reader is None and principal.has(*audit_log.AGENT_ROLES):
        if audit_log.logs_agent_read(request.method, request.url.path):
            reader = next(r for r in audit_log.AGENT_ROLES if principal.has(r))
    if reader is not None:
        runtime = getattr(request.app.state, "runtime", None)
        entry = audit_log.read_entry(
            who=principal.id,
            method=request.method,
            path=request.url.path,
            query=request.url.query,
            territories=principal.territories,
            role=reader,
        )
        await audit_log.record_read(runtime.db if runtime is not None else None, entry)
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
