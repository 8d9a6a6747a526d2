"""Everything besides the round file that shapes a solve's answer, in one object.

The service stores it with each solve, so that `exchange round replay` solves the stored round
file again exactly as it was solved (PyVRP's `SolveParams` is the model).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any


@dataclass(frozen=True)
class SolveParams:
    """How to solve a round.

    Parameters
    ----------
    time_limit
        Wall-clock seconds for the whole solve: first answer, model, completion, reasons and the
        independent check.
    wait_day, wait_cap_days, per_child, preferred_municipality, per_extra_room
        The secondary objective among answers with the same tier counts, in days of waiting:
        a day of waiting is worth `wait_day`, counted up to `wait_cap_days`; each child adds
        `per_child`, a preferred municipality `preferred_municipality`, and each room beyond
        the household's need `per_extra_room` (a cost, so negative).
    """

    time_limit: float = 60.0
    wait_day: int = 1
    wait_cap_days: int = 730
    per_child: int = 30
    preferred_municipality: int = 20
    per_extra_room: int = -15

    def __post_init__(self) -> None:
        if not self.time_limit > 0:
            raise ValueError("time_limit must be a positive number of seconds")

    def as_json(self) -> dict[str, Any]:
        """The parameters as a JSON object, as stored with a solve."""
        return asdict(self)

    @classmethod
    def from_json(cls, stored: dict[str, Any] | None) -> SolveParams:
        """Parameters read back; a field an older solve did not store takes its default."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in (stored or {}).items() if k in known})
