"""Settings of the service, read from the environment (prefix `EXCHANGE_`)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class IdentityProvider(BaseModel):
    """One network's OpenID provider, as `EXCHANGE_OIDC` gives it (a JSON object per network)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    issuer: str = Field(description="The provider's issuer URL; its discovery document is at "
                        "ISSUER/.well-known/openid-configuration.")
    client_id: str = Field(min_length=1)
    client_secret: SecretStr | None = Field(default=None, description="The client secret; or:")
    client_secret_file: Path | None = Field(
        default=None, description="A file holding the client secret (a mounted secret).")
    name: str | None = Field(default=None, description="The provider's name on the sign-in "
                             "page, e.g. 'Huddinge kommun'; the network's name by default.")
    scope: str = "openid email profile"
    groups_claim: str = Field(default="groups", description="The ID token claim that lists "
                              "the person's groups (for group_roles).")
    group_roles: dict[str, str] = Field(
        default_factory=dict, description="Optional: a group (as the provider names it) -> "
        "'ROLE@MUNICIPALITY' (e.g. 'case_worker@0126'); a person in exactly one such group is "
        "registered with that role on her first sign-in.")

    def secret(self) -> str:
        """The client secret, from the setting or its file."""
        if self.client_secret is not None:
            return self.client_secret.get_secret_value()
        if self.client_secret_file is not None:
            return self.client_secret_file.read_text("utf-8").strip()
        raise ValueError("give client_secret or client_secret_file")


class Settings(BaseSettings):
    """What an operator sets for one deployment; every field is documented in the README."""

    # an empty variable (as compose passes one it was not given) means: not set
    model_config = SettingsConfigDict(env_prefix="EXCHANGE_", extra="ignore",
                                      env_ignore_empty=True)

    database_url: str = Field(
        default="sqlite:///exchange.db",
        description="SQLAlchemy URL: the embedded SQLite file by default, or "
        "postgresql+psycopg://user@host/db in production.",
    )
    host: str = Field(default="127.0.0.1", description="Address `exchange serve` listens on.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port `exchange serve` uses.")
    solve_time_limit: float = Field(
        default=60.0, gt=0, description="Seconds the solver may use for one round.")
    solve_stale_after: float = Field(
        default=120.0, gt=0,
        description="Seconds without progress after which a solve is taken to have died "
        "(its process was killed) and the round may be solved again.")
    solve_memory_mb: int = Field(
        default=8192, ge=0,
        description="Memory a solve's worker process may use, in MB (0: no limit); a solve "
        "that needs more fails and says so, and the service goes on.")
    max_body_bytes: int = Field(
        default=1_048_576, ge=1_024,
        description="The longest request body the service reads; a longer one is refused with "
        "413. A case or a unit is a few kilobytes.")
    page_size_max: int = Field(default=200, ge=1, description="Largest page a list returns.")
    session_hours: float = Field(
        default=10.0, gt=0, le=24 * 30,
        description="Hours a sign-in to the pages lasts; signing out or revoking the token "
        "ends it sooner.")
    token_days: float = Field(
        default=90.0, gt=0, le=3650,
        description="Days a new API token is valid; `exchange user token` issues a fresh one.")
    sign_in_failures: int = Field(
        default=5, ge=1, description="Failed sign-ins (or unknown tokens) from one address "
        "before it must wait.")
    sign_in_window: float = Field(
        default=300.0, gt=0, description="Seconds over which failed sign-ins are counted.")
    data_keys: SecretStr | None = Field(
        default=None,
        description="Data keys as KEY_ID:BASE64 (32 bytes), comma-separated, the current one "
        "first; they seal the sensitive fields. Takes precedence over data_key_file.")
    data_key_file: Path | None = Field(
        default=None,
        description="A file holding the data keys, one KEY_ID:BASE64 line each, current first. "
        "Without either, an SQLite database gets a key file beside it on first use.")
    retention_months: int = Field(
        default=12, ge=1, le=1200,
        description="Months after which `exchange purge` erases the sensitive fields of housed "
        "and withdrawn cases and the stored round files of closed rounds.")
    geocoder: str = Field(
        default="offline", pattern=r"^(offline|(nominatim|photon)\+https?://\S+)$",
        description="How a unit's address is found on the map: `offline` (the shipped places "
        "and a pin on the map; nothing leaves the service), or a server as nominatim+URL or "
        "photon+URL (a municipality's own, or a public one whose usage policy is kept).")
    geocoder_user_agent: str = Field(
        default="housing-exchange (set EXCHANGE_GEOCODER_USER_AGENT to name your deployment)",
        min_length=3, description="How the service names itself to a geocoding server.")
    map_tiles: str | None = Field(
        default=None, pattern=r"^https://\S+\{z\}\S*$",
        description="A map tile URL template (https://…/{z}/{x}/{y}.png); without one, the "
        "maps draw the shipped municipalities and localities on a plain background.")
    map_attribution: str = Field(
        default="", max_length=300, description="Whose map the tiles are, shown on each map.")
    forwarded_allow_ips: str = Field(
        default="",
        description="Addresses or networks (comma-separated) of the reverse proxies whose "
        "X-Forwarded-For is believed; the client is the rightmost entry that is not one of "
        "them. Empty: the TCP peer is the client.")
    redis_url: SecretStr | None = Field(
        default=None, description="redis://host:6379/0: where the sign-in limit's counts are "
        "kept; without it, in the database. Either way every process shares them.")
    public_url: str | None = Field(
        default=None, description="The service's address as people reach it, e.g. "
        "https://exchange.example.se: the links in e-mails and the identity provider's "
        "redirect address.")
    oidc: dict[str, IdentityProvider] = Field(
        default_factory=dict, description="Per network id, its OpenID provider (JSON).")
    token_sign_in: bool = Field(
        default=True, description="Whether the pages still take an API token to sign in "
        "(the API always does); turn off once people sign in through the provider.")
    oidc_timeout: float = Field(default=10.0, gt=0,
                                description="Seconds to wait for the identity provider.")
    oidc_leeway: int = Field(default=60, ge=0, le=600, description="Seconds of clock skew "
                             "allowed when checking an ID token's times.")
    smtp_url: SecretStr | None = Field(
        default=None, description="smtp://user:password@host:587 (STARTTLS) or smtps://...:465 "
        "(implicit TLS); smtp+plain:// only for a local catcher. Without it, notices wait in "
        "the outbox.")
    smtp_sender: str = Field(default="bostadsbyte@localhost",
                             description="The From address of notices.")
    notice_poll_seconds: float = Field(
        default=5.0, gt=0, description="How often the sender looks for notices to send.")

    @field_validator("forwarded_allow_ips")
    @classmethod
    def _proxies(cls, value: str) -> str:
        import ipaddress

        for part in filter(None, (p.strip() for p in value.split(","))):
            if part == "*":
                raise ValueError("'*' would believe any client's X-Forwarded-For; name the "
                                 "proxies' addresses or networks")
            ipaddress.ip_network(part, strict=False)  # a ValueError names the bad part
        return value
