"""A pledge plan checked by simulation: synthetic rounds drawn from the forecast, with the units
in the pool and those the plan adds, each solved by the engine. Pure: the same inputs and seed
give the same answer.

Each round draws, per member and urgency, a Poisson number of new households around the
forecast of the month ahead (made by `exchange.generate` on the member's own localities), and
solves them against the pool as it stands plus the pledged units (also generated, of the
planned sizes, at the pledging member's localities). What is reported: the share placed per
urgency, how many rounds placed every acute and high household, and each member's balance range
after the rounds.
"""

from __future__ import annotations

import datetime as dt
import json

import numpy as np

from exchange.data import localities
from exchange.domain.model import Case, Round, Unit, Urgency
from exchange.generate import case_data, unit_data
from exchange.services.health.figures import FigureModel
from exchange.services.health.forecast import ForecastLine
from exchange.solver import SolveParams, solve

URGENT = (Urgency.ACUTE, Urgency.HIGH)


class Simulated(FigureModel):
    """What the simulated rounds gave under one set of pledges."""

    scenario: str
    rounds: int
    drawn: dict[str, int]
    placed: dict[str, int]
    placed_share: dict[str, float]
    every_urgent_placed: int
    balance_range: dict[str, tuple[int, int]]
    seconds: float


def simulate(base: Round, month: list[ForecastLine], pledges: dict[tuple[str, int], int],
             rounds: int, seed: int, scenario: str, time_limit: float = 10.0) -> Simulated:
    """Solve `rounds` synthetic rounds of `base`'s network with `pledges` added to its pool."""
    drawn = dict.fromkeys(Urgency, 0)
    placed = dict.fromkeys(Urgency, 0)
    urgent_all, seconds = 0, 0.0
    ranges: dict[str, tuple[int, int]] = {}
    for k in range(rounds):
        rng = np.random.default_rng([seed, k])  # the same households in every scenario
        cases = _households(base, month, rng)
        units = _pledged(base, pledges, np.random.default_rng([seed, k, 1]))
        round_ = base.model_copy(update={"cases": cases, "units": [*base.units, *units]})
        result = solve(round_, SolveParams(time_limit=time_limit))
        seconds += result.solver.seconds
        counts = {u: sum(1 for c in cases if c.urgency is u) for u in Urgency}
        for urgency in Urgency:
            drawn[urgency] += counts[urgency]
            placed[urgency] += getattr(result.placed, urgency.value)
        urgent_all += all(getattr(result.placed, u.value) == counts[u] for u in URGENT)
        for line in result.ledger:
            low, high = ranges.get(line.municipality, (line.after, line.after))
            ranges[line.municipality] = (min(low, line.after), max(high, line.after))
    return Simulated(
        scenario=scenario, rounds=rounds, drawn={u.value: n for u, n in drawn.items()},
        placed={u.value: n for u, n in placed.items()},
        placed_share={u.value: round(placed[u] / drawn[u], 3) if drawn[u] else 1.0
                      for u in Urgency},
        every_urgent_placed=urgent_all, balance_range=ranges, seconds=round(seconds, 2))


def _households(base: Round, month: list[ForecastLine], rng: np.random.Generator) -> list[Case]:
    codes = [m.code for m in base.municipalities]
    cases: list[Case] = []
    for line in month:
        towns = localities()[line.member]
        for _ in range(int(rng.poisson(line.expected))):
            data = case_data(len(cases), towns[int(rng.integers(len(towns)))], codes, rng,
                             base.round.date)
            data.update(id=f"sim-{len(cases):05d}", urgency=line.urgency)
            cases.append(Case.model_validate_json(json.dumps(data)))
    return cases


def _pledged(base: Round, pledges: dict[tuple[str, int], int],
             rng: np.random.Generator) -> list[Unit]:
    units: list[Unit] = []
    for (member, rooms), count in sorted(pledges.items()):
        towns = localities()[member]
        for _ in range(count):
            data = unit_data(len(units), towns[int(rng.integers(len(towns)))], rng,
                             base.round.date + dt.timedelta(days=-1), rooms=rooms)
            data["id"] = f"pledge-{len(units):05d}"
            units.append(Unit.model_validate_json(json.dumps(data)))
    return units
