"""The pledge plan from a network's facts and forecast: what the households expected in the next
month and quarter need, by size, and the fair-share targets the optimisation gives
(`exchange.solver.pledge_plan`). Pure."""

from __future__ import annotations

import math
from collections import Counter, defaultdict

from exchange.services.health.facts import Facts
from exchange.services.health.figures import FigureModel
from exchange.services.health.forecast import ForecastLine
from exchange.services.health.simulation import Simulated
from exchange.solver.pledge_plan import PlanInput, PlanOutput, plan_pledges

SIZES = (1, 2, 3, 4)
URGENT = ("acute", "high")
#: Units per expected household: not every unit suits every household (its rules, rent, the
#: landlord's conditions, school reach), so the plan asks for more than one each; a plan checked
#: by simulation climbs these steps until the simulated rounds place every acute and high
#: household often enough (`exchange.services.health.service.plan_for`).
UNITS_PER_HOUSEHOLD = (1.5, 2.0, 2.5, 3.0)


class PledgeTarget(FigureModel):
    """One member's target for one size, beside what it has in the pool and pledged lately."""

    member: str
    rooms: int
    available: int
    pledged_last_month: int
    month: int
    quarter: int


class PledgePlan(FigureModel):
    """Targets per member and size for the next month and quarter, from the forecast."""

    network: str
    months: list[str]
    status: str
    units_per_household: float
    expected_urgent: dict[str, float]
    targets: list[PledgeTarget]
    unmet_month: int
    unmet_quarter: int
    simulations: list[Simulated]


def size_shares(facts: Facts) -> dict[str, dict[int, float]]:
    """Per member, the share of its acute and high households that needed each size (their
    fewest rooms); the network's shares for a member with too few of its own."""
    own: dict[str, Counter[int]] = defaultdict(Counter)
    for case in facts.cases:
        if case.urgency in URGENT:
            own[case.member][min(max(case.rooms, SIZES[0]), SIZES[-1])] += 1
    network: Counter[int] = sum(own.values(), Counter())
    shares = {}
    for member in facts.members:
        counts = own[member] if sum(own[member].values()) >= 10 else network
        total = sum(counts.values()) or 1
        shares[member] = {r: counts[r] / total for r in SIZES}
    return shares


def plan_input(facts: Facts, lines: list[ForecastLine], months: int,
               margin: float = UNITS_PER_HOUSEHOLD[0]) -> PlanInput:
    """The optimisation's data for the first `months` months of the forecast."""
    ahead = sorted({line.month for line in lines})[:months]
    expected: defaultdict[str, float] = defaultdict(float)
    for line in lines:
        if line.month in ahead and line.urgency in URGENT:
            expected[line.member] += line.expected
    shares = size_shares(facts)
    need = {(m, r): math.ceil(expected[m] * shares[m][r] * margin - 1e-9)
            for m in facts.members for r in SIZES}
    total = sum(expected.values()) or 1.0
    return PlanInput(members=list(facts.members), sizes=list(SIZES), need=need,
                     available=dict(pool(facts)), balance=balances(facts),
                     tolerance=facts.tolerance,
                     share={m: expected[m] / total for m in facts.members})


def pool(facts: Facts) -> Counter[tuple[str, int]]:
    """Units in the pool now, per member and size."""
    return Counter((u.member, min(u.rooms, SIZES[-1])) for u in facts.units
                   if u.published_at is not None and u.left_at is None)


def balances(facts: Facts) -> dict[str, int]:
    """Each member's balance now: the whole ledger."""
    totals = dict.fromkeys(facts.members, 0)
    for move in facts.moves:
        totals[move.receiving] = totals.get(move.receiving, 0) + move.amount
        if move.sending is not None:
            totals[move.sending] = totals.get(move.sending, 0) - move.amount
    return totals


def make_plan(facts: Facts, lines: list[ForecastLine], months: int,
              margin: float = UNITS_PER_HOUSEHOLD[0]) -> tuple[PledgePlan, PlanOutput]:
    """Targets for the next month and for the next `months` months (a quarter by default),
    with `margin` units per expected household."""
    month_plan = plan_pledges(plan_input(facts, lines, 1, margin))
    longer = plan_pledges(plan_input(facts, lines, months, margin))
    last = facts.closed[-1] if facts.closed else ""
    recent = Counter((u.member, min(u.rooms, SIZES[-1])) for u in facts.units
                     if u.published_at is not None and f"{u.published_at:%Y-%m}" == last)
    available = pool(facts)
    targets = [PledgeTarget(member=m, rooms=r, available=available[m, r],
                            pledged_last_month=recent[m, r],
                            month=month_plan.pledge.get((m, r), 0),
                            quarter=longer.pledge.get((m, r), 0))
               for m in facts.members for r in SIZES]
    expected: defaultdict[str, float] = defaultdict(float)
    for line in lines:
        if line.urgency in URGENT and line.month in sorted({x.month for x in lines})[:1]:
            expected[line.member] += line.expected
    plan = PledgePlan(network=facts.network, months=sorted({x.month for x in lines})[:months],
                      status=longer.status.value, units_per_household=margin,
                      expected_urgent={m: round(v, 2) for m, v in expected.items()},
                      targets=targets, unmet_month=sum(month_plan.unmet.values()),
                      unmet_quarter=sum(longer.unmet.values()), simulations=[])
    return plan, month_plan
