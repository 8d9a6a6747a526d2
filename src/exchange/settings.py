"""Settings of the service, read from the environment (prefix `EXCHANGE_`)."""

from __future__ import annotations

from pydantic import Field
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
    page_size_max: int = Field(default=200, ge=1, description="Largest page a list returns.")
