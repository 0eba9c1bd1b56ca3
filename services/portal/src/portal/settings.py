"""The portal's settings, read from `PORTAL_…` variables."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from chassis.settings import DEV_SECRET, MIN_SECRET_LENGTH


class PortalSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PORTAL_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str = "http://127.0.0.1:8000"
    """The address users type; its scheme decides whether cookies are `Secure`."""
    declarations_url: str = "http://127.0.0.1:8001"
    taxcalc_url: str = "http://127.0.0.1:8002"
    essoc_url: str = "http://127.0.0.1:8003"
    notifier_url: str = "http://127.0.0.1:8004"
    """The mails' service: the portal reads the person's own mails (« Mes notifications ») and its audit trail."""
    service_timeout_seconds: float = Field(default=15.0, gt=0)

    session_secret: str = DEV_SECRET
    """Encrypts the session cookie (the user's token never reaches page scripts)."""
    session_hours: float = Field(default=8.0, gt=0)
    """A session ends this long after sign-in, whatever happens."""
    session_idle_minutes: float = Field(default=30.0, gt=0)
    """A session ends after this long without a request."""
    session_warning_minutes: float = Field(default=2.0, ge=0.5)
    """Pages warn this long before their session's end, and offer to extend it (RGAA 13.1, WCAG 2.2.1: 20 s at
    least to answer); less than the idle time."""
    mongo_uri: str = "mongodb://127.0.0.1:27017/?directConnection=true&w=majority&journal=true"
    """Where the sessions live, shared by the portal's replicas (a session is never in one replica's memory)."""
    mongo_db: str = "portal"

    # Sign-in in production: OpenID Connect, authorisation code with PKCE.
    oidc_issuer: str | None = None
    payfip_origin: str = ""
    """The card payment service's origin (https://www.payfip.gouv.fr where card payments are on; the simulator under
    `make run`): « Payer par carte bancaire » leads there, so the pages' form-action names it."""
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = None
    oidc_scopes: str = "openid profile email"
    oidc_access_token_field: str = "access_token"
    """The token the services verify (an RS256 JWT from the same provider, through their JWKS)."""

    # `make run` only: `/dev/connexion` signs a demo user in with a token minted here.
    dev_login: bool = False
    dev_jwt_secret: str | None = None
    demo_users_file: str = "deploy/reference/demo-users.yaml"

    state_identity: bool = False
    """The « République française » block and Marianne: for a State service only (DSFR's terms)."""
    service_name: str = "DOMINO-NG et OGDE"
    operator_name: str = "Direction générale des douanes et droits indirects"
    changelog_file: str = "CHANGELOG.md"
    metrics_token: str | None = Field(default=None, min_length=32)
    """The portal is public: its Prometheus metrics (routes, counts) answer only a scraper sending this token
    (`Authorization: Bearer …`); without one, `/metrics` does not exist."""
    log_level: str = "INFO"
    log_json: bool = True

    @property
    def secure_cookies(self) -> bool:
        return self.public_url.startswith("https://")

    def startup_problem(self) -> str | None:
        """Why the portal must not start with these settings, or None."""
        if self.session_secret == DEV_SECRET or len(self.session_secret) < MIN_SECRET_LENGTH:
            return (
                "Refus de démarrer : PORTAL_SESSION_SECRET doit être un secret fort "
                f"({MIN_SECRET_LENGTH} caractères au moins, autre que celui des tests)."
            )
        if not self.dev_login and not (self.oidc_issuer and self.oidc_client_id):
            return (
                "Refus de démarrer : aucune connexion possible. Configurez PORTAL_OIDC_ISSUER et "
                "PORTAL_OIDC_CLIENT_ID (ou, pour `make run` seulement, PORTAL_DEV_LOGIN=true)."
            )
        if self.session_warning_minutes >= self.session_idle_minutes:
            return (
                "Refus de démarrer : PORTAL_SESSION_WARNING_MINUTES doit être inférieur à "
                "PORTAL_SESSION_IDLE_MINUTES (l'avertissement précède la fin de la session)."
            )
        if self.dev_login and not self.dev_jwt_secret:
            return "Refus de démarrer : PORTAL_DEV_LOGIN demande PORTAL_DEV_JWT_SECRET, le secret des services."
        if self.dev_login and (self.oidc_issuer or self.secure_cookies):
            return (
                "Refus de démarrer : la connexion de développement (PORTAL_DEV_LOGIN) ne se combine ni avec un "
                "fournisseur d'identité ni avec une adresse https : elle est réservée à `make run`."
            )
        return None

    # The legal pages (« Mentions légales », « Données personnelles », « Accessibilité ») and the CGU.
    hosting_provider: str = (
        "L'hébergeur est désigné par chaque installation du portail ; celle-ci ne l'a pas encore indiqué."
    )
    """« Mentions légales »: who hosts this deployment (name, address, telephone), as its operator words it."""
    dpo_email: str = ""
    """The address of the DGDDI's data protection officer; empty, the page gives the DPO's postal address only."""
    accessibility_email: str = ""
    """Where anyone reports an accessibility problem (a `mailto:` on « Accessibilité »); empty, the postal address."""
    cgu_acceptance: bool | None = None
    """Whether a signed-in person must accept the current CGU before anything else: unset, wherever the portal is
    served over https (every real deployment), not on a developer's http."""
