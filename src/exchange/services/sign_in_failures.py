"""Where failed sign-ins are counted: in the database, or in Redis where `EXCHANGE_REDIS_URL`
is set, so that every process of a deployment shares one count per address.

Times are wall-clock seconds (every process must agree on them, which a monotonic clock does
not); old failures are deleted as new ones are written, so neither store grows beyond the
failures of one window.
"""

from __future__ import annotations

import datetime as dt
import secrets
import time
from typing import Protocol

from sqlalchemy import delete, func, select

from exchange.persistence.rows import SignInFailureRow
from exchange.services.database import Database
from exchange.services.unit_of_work import UnitOfWork, use_case


class FailureStore(Protocol):
    """Failed sign-ins per address, over a sliding window."""

    def add(self, address: str, window: float) -> int:
        """Count one failure now; how many `address` has in the window, this one included."""

    def recent(self, address: str, window: float) -> tuple[int, float | None]:
        """How many failures `address` has in the window, and when the oldest was (epoch s)."""


def _moment(seconds: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, dt.UTC).replace(tzinfo=None)


def _seconds(moment: dt.datetime) -> float:
    return moment.replace(tzinfo=dt.UTC).timestamp()


@use_case
def add_failure(uow: UnitOfWork, address: str, at: float, window: float) -> int:
    """Store one failure of `address` and forget every failure older than the window."""
    cutoff = _moment(at - window)
    uow.session.execute(delete(SignInFailureRow).where(SignInFailureRow.at <= cutoff))
    uow.session.add(SignInFailureRow(address=address, at=_moment(at)))
    uow.session.flush()
    return recent_failures(uow, address, at, window)[0]


def recent_failures(uow: UnitOfWork, address: str, at: float, window: float
                    ) -> tuple[int, float | None]:
    """The failures of `address` within the window before `at`, and the oldest one's time."""
    count, oldest = uow.session.execute(
        select(func.count(), func.min(SignInFailureRow.at)).where(
            SignInFailureRow.address == address,
            SignInFailureRow.at > _moment(at - window))).one()
    return count, _seconds(oldest) if oldest is not None else None


class DatabaseFailures:
    """The counts in the service's database (a transaction of their own each)."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def add(self, address: str, window: float) -> int:
        with self.database.unit_of_work() as uow:
            return add_failure(uow, address, time.time(), window)

    def recent(self, address: str, window: float) -> tuple[int, float | None]:
        with self.database.unit_of_work() as uow:
            return recent_failures(uow, address, time.time(), window)


class RedisFailures:
    """The counts in Redis: a sorted set of failure times per address, expiring with the
    window."""

    PREFIX = "exchange:sign-in-failures:"

    def __init__(self, url: str) -> None:
        import redis  # only a deployment that names Redis needs it

        self.redis = redis.Redis.from_url(url, socket_timeout=5)

    def add(self, address: str, window: float) -> int:
        key, now = self.PREFIX + address, time.time()
        with self.redis.pipeline() as pipe:  # MULTI/EXEC: one step for every process
            pipe.zremrangebyscore(key, "-inf", now - window)
            pipe.zadd(key, {secrets.token_hex(8): now})  # a member of its own per failure
            pipe.zcard(key)
            pipe.expire(key, int(window) + 1)
            count = pipe.execute()[2]
        return int(count)

    def recent(self, address: str, window: float) -> tuple[int, float | None]:
        key, now = self.PREFIX + address, time.time()
        found = self.redis.zrangebyscore(key, now - window, "+inf", withscores=True)
        return len(found), (float(found[0][1]) if found else None)
