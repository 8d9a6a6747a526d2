"""The bound per tier is valid, with school places counted, and a tier cut short never
places fewer of its cases than first come with the more urgent tiers kept."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exchange.domain.verify import violations
from exchange.generate import generate_round
from exchange.solver import lexicographic, solve
from exchange.solver.circulation import first_answer, tier_counts
from exchange.solver.deadline import Deadline
from exchange.solver.eligibility import eligible_pairs, possible_pairs
from exchange.solver.explain import Placement, complete
from exchange.solver.floor import (
    first_come_within,
    keeps_floors,
    refitted_within,
    with_first_come_floor,
)
from exchange.solver.instance import TIERS, build_instance
from exchange.solver.model import AssignmentModel, Outcome, Solution
from exchange.solver.solve import _priority_order, _result
from tests import oracle
from tests.strategies import rounds

SETTINGS = settings(max_examples=100, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])
_solve_model = AssignmentModel.solve


def _lp_only(self, chosen, objective, locks, *, integer, time_limit, relative_gap=0.0):
    """The model with every MIP failing: only LPs solve, so tiers are left unproven."""
    if integer:
        return Solution(Outcome.NO_SOLUTION, chosen, np.zeros(len(chosen)), -np.inf, np.inf,
                        None)
    return _solve_model(self, chosen, objective, locks, integer=integer, time_limit=time_limit,
                        relative_gap=relative_gap)


def _out_of_time_at(call: int):
    """Column generation that runs out of time at its `call`-th stage."""
    calls = [0]
    generate = lexicographic._generate_columns

    def cut(*args, **kwargs):
        calls[0] += 1
        if calls[0] >= call:
            raise lexicographic.OutOfTime(None)
        return generate(*args, **kwargs)
    return cut


def _solved(round_, mode: str):
    """The round solved with the model whole, without MIPs, or cut at a stage."""
    with pytest.MonkeyPatch.context() as patch:
        if mode == "lp only":
            patch.setattr(AssignmentModel, "solve", _lp_only)
        elif mode.startswith("cut at "):
            patch.setattr(lexicographic, "_generate_columns", _out_of_time_at(int(mode[7:])))
        return solve(round_)


def _counts(result) -> tuple[int, int, int]:
    return result.placed.acute, result.placed.high, result.placed.normal


MODES = st.sampled_from(["whole", "lp only", "cut at 1", "cut at 2", "cut at 3"])


@SETTINGS
@given(rounds(), MODES)
def test_every_tier_bound_holds_against_enumeration(round_, mode):
    """No answer placing at least as many of every more urgent tier places more of a tier
    than its bound; and the answer itself never exceeds it."""
    result = _solved(round_, mode)
    counts = _counts(result)
    for t, tier in enumerate(TIERS):
        bound = result.solver.parameters[f"bound_{tier.value}"]
        assert isinstance(bound, int)
        assert counts[t] <= bound
        assert oracle.most_of_tier(round_, t, counts) <= bound, (tier, mode)


@SETTINGS
@given(rounds(), st.lists(st.floats(-3, 3), min_size=64, max_size=64))
def test_the_lagrangian_bound_holds_for_any_duals(round_, noise):
    """Any duals, even random ones, bound the acute count, and the high count with the acute
    optimum locked."""
    inst = build_instance(round_)
    pairs = eligible_pairs(inst)
    model = AssignmentModel(inst, pairs)
    duals = np.resize(np.array(noise), model.n_rows)
    best = oracle.best_tier_counts(round_)
    for t in range(2):
        locks = np.array([best[0] if t == 1 else 0, 0, 0], dtype=float)
        objective = (inst.c_tier[pairs.case] == t).astype(float)
        assert model.dual_bound(objective, locks, duals) >= best[t] - 1e-9


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_with_the_lp_optimal_duals_the_lagrangian_bound_is_the_lp_value(seed):
    round_ = generate_round("sodertorn", 60, 50, seed)
    inst = build_instance(round_)
    pairs = eligible_pairs(inst)
    model = AssignmentModel(inst, pairs)
    objective = (inst.c_tier[pairs.case] <= 1).astype(float)
    lp = model.solve(np.arange(len(pairs)), objective, np.zeros(3), integer=False,
                     time_limit=30)
    assert lp.duals is not None
    assert model.dual_bound(objective, np.zeros(3), lp.duals) == pytest.approx(lp.objective,
                                                                                abs=1e-6)


@SETTINGS
@given(rounds(max_cases=6, max_units=6), MODES)
def test_no_tier_places_fewer_than_first_come_with_the_more_urgent_tiers_kept(round_, mode):
    result = _solved(round_, mode)
    inst = build_instance(round_)
    pairs = possible_pairs(inst, eligible_pairs(inst))
    case = {c.id: i for i, c in enumerate(round_.cases)}
    placed = [(case[p.case], inst.unit_index[p.unit]) for p in result.proposals]
    placement = Placement.of(inst, np.array([c for c, _ in placed], dtype=np.int64),
                             np.array([u for _, u in placed], dtype=np.int64))
    order = _priority_order(inst)
    for t in range(len(TIERS)):
        floor = first_come_within(inst, pairs, placement, order, t)
        if _counts(result)[t] < sum(1 for c in floor.unit_of if inst.c_tier[c] == t):
            complete(inst, floor, order, pairs)  # then it must break a member's floor
            assert not keeps_floors(floor)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_a_weak_tier_is_raised_to_first_come_and_keeps_every_rule(seed):
    """An answer that kept its acute placements but left the high and normal tiers nearly
    empty (a weak fill-in) is raised to first come over the high tier, acute kept, or to the
    first answer's high placements refitted, whichever places more, then completed; the more
    urgent tier is untouched and every rule holds."""
    round_ = generate_round("sodertorn", 200, 150, seed)
    inst = build_instance(round_)
    pairs = possible_pairs(inst, eligible_pairs(inst))
    order = _priority_order(inst)
    first = first_answer(inst, pairs, order, deadline=Deadline(60), progress=lambda _: None)
    assert first is not None
    acute = [c for c in first.placement.unit_of if inst.c_tier[c] == 0]
    weak = Placement.of(inst, np.array(acute, dtype=np.int64),
                        np.array([first.placement.unit_of[c] for c in acute], dtype=np.int64))
    high = first_come_within(inst, pairs, weak, order, 1)
    refitted = refitted_within(inst, pairs, weak, first.placement, order, 1)
    for donors in ([], [first.placement]):
        raised, tiers = with_first_come_floor(inst, pairs, weak, order, [True, False, False],
                                              Deadline(60), donors)
        assert 1 in tiers
        assert tier_counts(raised)[1] >= tier_counts(high)[1] > 0
        if donors and keeps_floors(refitted):
            assert tier_counts(raised)[1] >= tier_counts(refitted)[1]
        assert {c: u for c, u in raised.unit_of.items() if inst.c_tier[c] == 0} == {
            c: first.placement.unit_of[c] for c in acute}
        result = _result(inst, raised, False, 0.0, {})
        assert violations(round_, result, check_reasons=True) == []
