"""Bearer JWT authentication: HS256 with a shared secret locally, RS256 through JWKS in production."""

from __future__ import annotations

import time
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

ROLES = ("declarant", "requester", "agent", "admin", "auditor", "comptable")
"""An auditor reads everything of its territories (claim `territories`) and acts on nothing. A comptable (the
accountant, or a payment system's service account) records the payments of its territories' declarations."""


class Unauthenticated(DomainError):
    status = 401
    code = "authentification"


@dataclass(frozen=True)
class Principal:
    """The caller, from its token's claims."""

    id: str
    role: str
    name: str = ""
    first_name: str = ""
    email: str = ""
    relations: tuple[str, ...] = ()
    territories: tuple[str, ...] = ()
    directorates: tuple[str, ...] = ()
    claims: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def actor(self) -> Actor:
        return Actor(id=self.id, role=self.role)

    def reads_territory(self, territory: str) -> bool:
        """An admin reads every territory; an auditor those its token names."""
        return self.role == "admin" or (self.role == "auditor" and territory in self.territories)

    def require(self, *roles: str) -> None:
        if self.role not in roles:
            raise Forbidden(
                f"Votre profil ne permet pas cette action (profil {self.role}, attendu : {' ou '.join(roles)})."
            )


SYSTEM_PRINCIPAL = Principal(id="system", role="system")
"""The service itself, acting on its own (a scheduled pass, not a user's request)."""


def mint(settings: ServiceSettings, *, sub: str, role: str, ttl_seconds: int = 30 * 24 * 3600, **claims: Any) -> str:
    """A signed token for local runs and tests (HS256 with the configured secret)."""
    now = int(time.time())
    payload = {"sub": sub, "role": role, "iat": now, "exp": now + ttl_seconds, **claims}
    if settings.jwt_audience:
        payload["aud"] = settings.jwt_audience
    return jwt.encode(payload, settings.jwt_secret, algorithm="HS256")


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
        role = claims.get("role")
        if role not in ROLES:
            raise Unauthenticated("Le jeton ne porte pas de profil reconnu.")
        return Principal(
            id=_text(claims, "sub"),
            role=role,
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
    if principal.role == "auditor":
        runtime = getattr(request.app.state, "runtime", None)
        entry = audit_log.read_entry(
            who=principal.id,
            method=request.method,
            path=request.url.path,
            query=request.url.query,
            territories=principal.territories,
        )
        await audit_log.record_read(runtime.db if runtime is not None else None, entry)
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
