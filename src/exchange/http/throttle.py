"""Failed sign-ins (API tokens and page sign-ins alike) are rate-limited per client address, so
a token cannot be guessed.

The count lives in the process: the service runs as one process per deployment (see the README);
several processes would each allow the limit. Behind a reverse proxy, run uvicorn with
`--proxy-headers` so that the address is the client's, not the proxy's.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable

from starlette.requests import Request

log = logging.getLogger(__name__)


class FailureLimit:
    """At most `limit` failures per `window` seconds from one address; while over the limit,
    every attempt from it is refused, right or wrong, until the oldest failure ages out.

    Attempts are checked before and counted after they fail, so right ones sent together are
    never held back; wrong ones sent at the same instant may pass the limit by at most the
    number of requests served at once, which changes nothing for guessing 256-bit tokens.
    """

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic,
                 addresses: int = 10_000) -> None:
        self.limit, self.window, self.clock, self.addresses = limit, window, clock, addresses
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def wait(self, address: str) -> float:
        """Seconds `address` must wait before its next attempt (0 when it may try now)."""
        with self._lock:
            recent = self._recent(address)
            if len(recent) < self.limit:
                return 0.0
            return max(0.0, recent[0] + self.window - self.clock())

    def failed(self, address: str) -> None:
        with self._lock:
            recent = self._recent(address)
            recent.append(self.clock())
            # the operator's trace of guessing: an address and a count, never a token
            log.warning("failed sign-in from %s (%d in %g s)", address, len(recent),
                        self.window)

    def _recent(self, address: str) -> deque[float]:
        recent = self._failures.setdefault(address, deque())
        self._failures.move_to_end(address)  # the least recently seen is forgotten first
        while len(self._failures) > self.addresses:  # memory stays bounded
            self._failures.popitem(last=False)
        while recent and recent[0] <= self.clock() - self.window:
            recent.popleft()
        return recent


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def retry_after(seconds: float) -> dict[str, str]:
    """The header telling a refused client when to try again."""
    return {"Retry-After": str(math.ceil(seconds))}
