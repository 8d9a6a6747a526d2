"""Failed sign-ins with an API token (on the API and the pages alike) are limited per client
address.

What protects a token is its 256 random bits, not the limit: nobody guesses one. The limit keeps
a flood of wrong tokens (each of them audited) from one address in check, and tells the operator.
So a right token is always let in, whatever the address's count: others' failures behind the same
address (a municipality's NAT, a shared proxy) never lock a person out. Only wrong tokens from an
address over the limit are refused with 429 until its oldest failure ages out.

The counts live in the database, or in Redis where `EXCHANGE_REDIS_URL` is set
(`exchange.services.sign_in_failures`), so every process of a deployment shares them.

The client's address is the TCP peer's, unless the peer is one of the configured proxies
(`EXCHANGE_FORWARDED_ALLOW_IPS`): then the rightmost entry of X-Forwarded-For that is not itself a
configured proxy. Entries to its left were written by the client and could name anyone.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import time
from collections.abc import Iterable

from starlette.requests import Request

from exchange.services.sign_in_failures import FailureStore

log = logging.getLogger(__name__)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class FailureLimit:
    """At most `limit` failures per `window` seconds from one address; past that, wrong tokens
    from it are refused until the oldest failure ages out (`wait`), right ones never."""

    def __init__(self, limit: int, window: float, store: FailureStore) -> None:
        self.limit, self.window, self.store = limit, window, store

    def wait(self, address: str) -> float:
        """Seconds before a wrong token from `address` is looked at again (0: now)."""
        count, oldest = self.store.recent(address, self.window)
        if count < self.limit or oldest is None:
            return 0.0
        return max(0.0, oldest + self.window - time.time())

    def failed(self, address: str) -> None:
        """Count a wrong token from `address`."""
        count = self.store.add(address, self.window)
        # the operator's trace of guessing: an address and a count, never a token
        log.warning("failed sign-in from %s (%d in %g s)", address, count, self.window)


def trusted_proxies(setting: str) -> tuple[Network, ...]:
    """The proxies named by `EXCHANGE_FORWARDED_ALLOW_IPS`: addresses or networks, comma
    separated; empty trusts none."""
    return tuple(ipaddress.ip_network(part.strip(), strict=False)
                 for part in setting.split(",") if part.strip())


def client_address(request: Request) -> str:
    """The client's address as the sign-in limit counts it (see the module's docstring)."""
    peer = request.client.host if request.client else "unknown"
    proxies: tuple[Network, ...] = getattr(request.app.state, "proxies", ())
    if not _within(peer, proxies):
        return peer
    forwarded = [entry.strip() for header in request.headers.getlist("x-forwarded-for")
                 for entry in header.split(",")]
    for entry in reversed(forwarded):
        if not _within(entry, proxies):
            return entry[:64] if _address(entry) else "invalid"
    return peer


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _within(text: str, networks: Iterable[Network]) -> bool:
    address = _address(text)
    return address is not None and any(address in network for network in networks)


def retry_after(seconds: float) -> dict[str, str]:
    """The header telling a refused client when to try again."""
    return {"Retry-After": str(math.ceil(seconds))}
