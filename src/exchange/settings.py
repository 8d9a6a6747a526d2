"""Settings of the service, read from the environment (prefix `EXCHANGE_`)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """What an operator sets for one deployment; every field is documented in the README."""

    model_config = SettingsConfigDict(env_prefix="EXCHANGE_", extra="ignore")

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
        default="127.0.0.1",
        description="Addresses of the reverse proxy whose X-Forwarded-For names the client (the "
        "sign-in limit counts per client); '*' when only the proxy can reach the service.")
