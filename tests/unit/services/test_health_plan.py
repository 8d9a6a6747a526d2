"""Fair-share pledge targets: enough units for the households expected, every balance within
the tolerance, the fewest units, shared by use; and the simulation that checks them with the
engine."""

from __future__ import annotations

import datetime as dt

import numpy as np

from exchange.data import localities
from exchange.generate import case_data, generate_round
from exchange.services.health.facts import PLEDGING_MEMBER, CaseFact, Facts
from exchange.services.health.forecast import ForecastLine
from exchange.services.health.plan import make_plan
from exchange.services.health.simulation import simulate
from exchange.solver.pledge_plan import PlanInput, PlanStatus, plan_pledges


def data(tolerance: int, need: dict[tuple[str, int], int], balance: dict[str, int] | None = None,
         available: dict[tuple[str, int], int] | None = None) -> PlanInput:
    return PlanInput(members=["A", "B", "C"], sizes=[1, 2], need=need,
                     available=available or {}, balance=balance or {}, tolerance=tolerance,
                     share={"A": 0.5, "B": 0.25, "C": 0.25})


def test_households_are_placed_in_other_members_units_within_the_tolerance():
    plan = plan_pledges(data(3, {("A", 2): 3}))
    assert plan.status is PlanStatus.OPTIMAL
    assert sum(plan.unmet.values()) == 0
    assert plan.pledge["A", 2] == 0 and plan.pledge["B", 2] + plan.pledge["C", 2] == 3
    assert sum(plan.pledge.values()) == 3  # no more than needed


def test_the_tolerance_bounds_what_a_member_may_send():
    """A at 0 with tolerance 2 can send two households, not three, unless it receives."""
    alone = plan_pledges(data(2, {("A", 2): 3}))
    assert sum(alone.unmet.values()) == 1 and sum(alone.pledge.values()) == 2
    both = plan_pledges(data(2, {("A", 2): 3, ("B", 1): 1}))
    assert sum(both.unmet.values()) == 0
    assert both.pledge["A", 1] == 1  # A takes B's household in, and so may send a third


def test_units_already_in_the_pool_come_first():
    plan = plan_pledges(data(3, {("A", 2): 3}, available={("B", 2): 2}))
    assert sum(plan.pledge.values()) == 1 and sum(plan.unmet.values()) == 0


def test_new_units_go_to_the_member_furthest_below_its_fair_share():
    plan = plan_pledges(data(3, {("A", 1): 1}, available={("B", 1): 0, ("C", 2): 3}))
    assert plan.pledge["B", 1] == 1  # C already holds more than its share


def sodertorn_facts() -> Facts:
    """Södertörn with an empty pool and a history of households sized as the generator sizes
    them."""
    members = {m.code: m.name for m in generate_round("sodertorn", 0, 0, 1).municipalities}
    moment, rng = dt.datetime(2026, 11, 15), np.random.default_rng(1)
    cases = [CaseFact(f"c{i}", code, "acute", moment, case_data(
        i, localities()[code][0], list(members), rng, moment.date())["rooms_min"])
        for i, code in enumerate(list(members) * 25)]
    return Facts("sodertorn", members, 2, PLEDGING_MEMBER, ["2026-11"], cases, [], [], [],
                 moment)


def test_the_plan_makes_simulated_rounds_feasible_where_current_pledges_are_not():
    facts = sodertorn_facts()
    lines = [ForecastLine(member=code, urgency=u, month="2026-12", expected=0.5, low=0, high=2)
             for code in facts.members for u in ("acute", "high")]
    plan, month_plan = make_plan(facts, lines, 1)
    assert sum(t.month for t in plan.targets) >= 8 and plan.unmet_month == 0
    base = generate_round("sodertorn", 0, 0, 5)  # its schools; no unit in the pool
    current = simulate(base, lines, {}, 10, 11, "current")
    planned = simulate(base, lines, month_plan.pledge, 10, 11, "plan")
    assert current.drawn == planned.drawn and current.drawn["acute"] > 20
    assert current.placed == {"acute": 0, "high": 0, "normal": 0}
    assert current.every_urgent_placed == 0
    assert planned.placed_share["acute"] >= 0.8 and planned.placed_share["high"] >= 0.6
    assert planned.every_urgent_placed >= 1
    tolerance = base.network.rules.reciprocity_tolerance
    for member, (low, _high) in planned.balance_range.items():
        start = next(m.ledger_balance for m in base.municipalities if m.code == member)
        assert low >= min(start, -tolerance)
