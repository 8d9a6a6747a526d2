"""The time limit of one solve, kept by every step, not only by the model.

A solve reads the round, builds the eligible pairs, finds a first answer
(`exchange.solver.circulation`), runs the model, and then finishes: the completion step (when the
model was cut short), the reasons of unplaced cases, the school names and the independent check.
The finishing steps cannot be skipped (every answer is checked, every unplaced case has a
reason), so the model must stop early enough to leave them their time. Their cost grows like the
build's (both evaluate every case's rules against every unit), so the reserve is a multiple of
the measured build time.

The clock is a parameter so that the budget can be tested without waiting for it.
"""

from __future__ import annotations

import time
from collections.abc import Callable

Clock = Callable[[], float]

#: The least time a solver call is given, so that a call made at the limit still returns.
MIN_CALL_SECONDS = 0.05
#: Finishing steps take up to this many times the build (measured: 1.1 times at Stockholm
#: 2,000 x 2,000, 2.2 times at 10,000 x 10,000, where the completion step starts from nothing),
#: and raising the tiers the model did not prove (`exchange.solver.floor`) about once more
#: (1.1 times at Sweden 10,000 x 10,000; at 2.5 the Stockholm and Sweden solves ended 2-5 s
#: past a 60 s limit on a loaded machine, and Stockholm's floor had no time left to run).
FINISH_PER_BUILD = 3.5
#: Without a completion step (reasons, school names and the check only): 0.8 times the build
#: measured at 10,000 x 10,000.
CHECK_PER_BUILD = 1.0
#: And at least this long (interpreter-level overheads of small rounds).
FINISH_MIN_SECONDS = 0.2


class Deadline:
    """A point in time on `clock`; `left()` says how much of the budget remains."""

    def __init__(self, seconds: float, clock: Clock = time.monotonic) -> None:
        self.clock = clock
        self.end = clock() + seconds

    def left(self) -> float:
        """Seconds until the deadline, never negative."""
        return max(0.0, self.end - self.clock())

    def expired(self) -> bool:
        """Whether the deadline has passed."""
        return self.clock() >= self.end

    def call_seconds(self) -> float:
        """The time limit to give one solver call: what is left, but never nothing."""
        return max(MIN_CALL_SECONDS, self.left())

    def earlier(self, seconds: float) -> Deadline:
        """A deadline on the same clock that comes `seconds` sooner."""
        sooner = Deadline(0.0, self.clock)
        sooner.end = self.end - max(0.0, seconds)
        return sooner


def finishing_reserve(build_seconds: float, *, completion: bool = True) -> float:
    """Seconds to keep for the steps after the model, given how long the build took; without
    `completion`, for the reasons and the check only."""
    per_build = FINISH_PER_BUILD if completion else CHECK_PER_BUILD
    return max(FINISH_MIN_SECONDS, per_build * build_seconds)
