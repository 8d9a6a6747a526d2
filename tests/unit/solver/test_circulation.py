"""The first answer: the circulation is exact without school places, and what it gives keeps
every rule, checked independently."""

from __future__ import annotations

import importlib

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from exchange.domain.verify import violations
from exchange.generate import generate_round
from exchange.solver import circulation, lexicographic, solve
from exchange.solver.circulation import circulation as circulate
from exchange.solver.circulation import first_answer, tier_counts, trade_up
from exchange.solver.deadline import Deadline
from exchange.solver.eligibility import eligible_pairs
from exchange.solver.explain import Placement, complete
from exchange.solver.instance import build_instance
from exchange.solver.lexicographic import Plan
from exchange.solver.solve import _best_placement, _priority_order, _result
from tests import oracle
from tests.strategies import rounds

solve_module = importlib.import_module("exchange.solver.solve")
SETTINGS = settings(max_examples=120, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])


def _arrays(round_):
    """The round's instance arrays and eligible pairs."""
    inst = build_instance(round_)
    return inst, eligible_pairs(inst)


def _answer(inst, pairs):
    """The first answer with time to spare, quietly."""
    return first_answer(inst, pairs, _priority_order(inst), deadline=Deadline(60),
                        progress=lambda _: None)


def _out_of_time(*args, **kwargs):
    raise lexicographic.OutOfTime


def _checked(round_, placement: Placement, *, reasons: bool = True) -> list[str]:
    """Every rule `placement` breaks, by the independent check of a result built from it."""
    inst = placement.inst
    result = _result(inst, placement, False, 0.0, {})
    return violations(round_, result, check_reasons=reasons) + [
        f"{inst.members[m]} below its floor" for m in np.flatnonzero(
            placement.net < inst.floor_gap)]


@SETTINGS
@given(rounds())
def test_without_school_places_the_circulation_is_the_lexicographic_optimum(round_):
    """Against enumeration: same tier counts, one unit per case and case per unit, and every
    member within its floor."""
    inst, pairs = _arrays(round_)
    chosen = circulate(inst, pairs)
    cases, units = pairs.case[chosen], pairs.unit[chosen]
    assert np.unique(cases).size == cases.size and np.unique(units).size == units.size
    away = inst.u_mun[units] != inst.c_mun[cases]
    net = (np.bincount(inst.u_mun[units][away], minlength=len(inst.members))
           - np.bincount(inst.c_mun[cases][away], minlength=len(inst.members)))
    assert (net >= inst.floor_gap).all()
    counts = np.bincount(inst.c_tier[cases], minlength=3)
    assert tuple(counts.tolist()) == oracle.best_tier_counts(round_, schools=False)


@SETTINGS
@given(rounds())
def test_the_first_answer_keeps_every_rule_and_its_bound_holds(round_):
    inst, pairs = _arrays(round_)
    answer = _answer(inst, pairs)
    assert _checked(round_, answer.placement) == []
    assert oracle.best_tier_counts(round_)[0] <= answer.acute_bound
    placed = dict(answer.placement.unit_of)
    complete(inst, answer.placement, _priority_order(inst), pairs)
    assert answer.placement.unit_of == placed  # nothing left that simply fits


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_the_first_answer_keeps_every_rule_where_school_places_are_scarce(seed):
    """More children than places: the circulation's placements must be cut to the schools, and
    the members who lose households they would have received must send fewer."""
    round_ = generate_round("sodertorn", 120, 90, seed)
    inst, pairs = _arrays(round_)
    answer = _answer(inst, pairs)
    assert sum(answer.counts()) < circulate(inst, pairs).size  # school places did bind
    assert _checked(round_, answer.placement) == []


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_model_out_of_time_leaves_the_first_answer_checked_with_every_reason(seed, monkeypatch):
    monkeypatch.setattr(lexicographic, "_generate_columns", _out_of_time)
    round_ = generate_round("sodertorn", 80, 70, seed)
    lines: list[str] = []
    result = solve(round_, progress=lines.append)
    assert result.status.value == "feasible"
    first = next(line for line in lines if line.startswith("first answer: "))
    counts = tuple(int(part.split()[-1]) for part in first[14:].split(" placed")[0].split(", "))
    placed = (result.placed.acute, result.placed.high, result.placed.normal)
    # taken as it was, or raised by first come in a tier (`exchange.solver.floor`)
    assert placed == counts or (result.solver.parameters["answer"].startswith(
        "first answer, raised for") and placed > counts)
    assert violations(round_, result, check_reasons=True) == []


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_proven_acute_count_lies_between_the_first_answers_and_its_bound(seed):
    round_ = generate_round("sodertorn", 80, 70, seed)
    inst, pairs = _arrays(round_)
    answer = _answer(inst, pairs)
    proven = solve(round_)
    assert proven.status.value == "optimal"
    assert answer.counts()[0] <= proven.placed.acute <= answer.acute_bound


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_trades_let_less_urgent_cases_go_for_more_urgent_ones_and_keep_every_rule(seed):
    """Filled least urgent first, a round leaves acute cases out; trades bring them in."""
    round_ = generate_round("sodertorn", 120, 60, seed)
    inst, pairs = _arrays(round_)
    order = _priority_order(inst)
    placement = Placement.of(inst, np.empty(0, np.int64), np.empty(0, np.int64))
    complete(inst, placement, order[::-1].copy(), pairs)
    before = tier_counts(placement)
    trades = trade_up(inst, pairs, placement, order, Deadline(60))
    after = tier_counts(placement)
    assert trades > 0 and after[0] > before[0] and after > before
    assert sum(after) >= sum(before)  # a swap, or a place an earlier trade made room for
    assert _checked(round_, placement, reasons=False) == []


def test_trades_stop_at_the_deadline(monkeypatch):
    round_ = generate_round("sodertorn", 120, 60, 1)
    inst, pairs = _arrays(round_)
    placement = Placement.of(inst, np.empty(0, np.int64), np.empty(0, np.int64))
    complete(inst, placement, _priority_order(inst)[::-1].copy(), pairs)
    monkeypatch.setattr(circulation, "_swap", lambda *a: pytest.fail("traded after the end"))
    assert trade_up(inst, pairs, placement, _priority_order(inst), Deadline(0)) == 0


def test_a_round_too_big_for_the_time_gets_no_first_answer():
    round_ = generate_round("sodertorn", 30, 30, 5)
    inst, pairs = _arrays(round_)
    lines: list[str] = []
    answer = first_answer(inst, pairs, _priority_order(inst), deadline=Deadline(0),
                          progress=lines.append)
    assert answer is None and "no time for a first answer" in lines[0]


def test_members_below_their_floor_give_back_their_least_urgent_placements(monkeypatch):
    """Where school places cut the circulation's placements, every case given back is less
    urgent than each case its member keeps placed away."""
    given_back: list[int] = []
    real = Placement.remove

    def spy(self, c):
        given_back.append(c)
        return real(self, c)

    round_ = generate_round("sodertorn", 120, 90, 2)
    inst, pairs = _arrays(round_)
    order = _priority_order(inst)
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    chosen = circulate(inst, pairs)
    chosen = chosen[np.argsort(rank[pairs.case[chosen]], kind="stable")]
    monkeypatch.setattr(Placement, "remove", spy)
    placement = circulation._kept(inst, pairs, chosen, rank)
    assert given_back and (placement.net >= inst.floor_gap).all()
    for c in given_back:
        kept_away = [k for k, u in placement.unit_of.items()
                     if inst.c_mun[k] == inst.c_mun[c] and inst.u_mun[u] != inst.c_mun[k]]
        assert all(rank[k] < rank[c] for k in kept_away)


def _pairs_of(pairs, placement: Placement) -> np.ndarray:
    index = {(c, u): i for i, (c, u) in enumerate(zip(pairs.case.tolist(), pairs.unit.tolist(),
                                                      strict=True))}
    return np.array(sorted(index[item] for item in placement.unit_of.items()), dtype=np.int64)


def test_an_unproven_model_answer_gives_way_only_to_more_urgent_placements(monkeypatch):
    round_ = generate_round("sodertorn", 80, 70, 1)
    inst, pairs = _arrays(round_)
    order = _priority_order(inst)
    first = _answer(inst, pairs)
    mine = _pairs_of(pairs, first.placement)
    monkeypatch.setattr(solve_module, "complete", lambda *args: None)
    # The same placements from the model: a tie, which the model's answer wins.
    _, answer = _best_placement(inst, pairs, Plan(mine, False, [0, 0, 0]), first, order, print,
                                Deadline(60))
    assert answer == "model, completed"
    # One acute case fewer: the first answer wins.
    acute = [i for i in mine.tolist() if inst.c_tier[pairs.case[i]] == 0]
    fewer = np.setdiff1d(mine, acute[:1])
    placement, answer = _best_placement(inst, pairs, Plan(fewer, False, [0, 0, 0]), first, order,
                                        print, Deadline(60))
    assert answer == "first answer" and placement is first.placement
    # A proven plan is taken as it is, whatever the first answer.
    _, answer = _best_placement(inst, pairs, Plan(fewer, True, [0, 0, 0]), first, order, print,
                                Deadline(60))
    assert answer == "model"


def test_an_empty_model_answer_is_not_completed_when_a_first_answer_exists(monkeypatch):
    round_ = generate_round("sodertorn", 40, 40, 3)
    inst, pairs = _arrays(round_)
    order = _priority_order(inst)
    first = _answer(inst, pairs)
    monkeypatch.setattr(solve_module, "complete",
                        lambda *args: pytest.fail("completed a model answer of nothing"))
    empty = Plan(np.empty(0, np.int64), False, [0, 0, 0])
    placement, answer = _best_placement(inst, pairs, empty, first, order, print,
                                        Deadline(60))
    assert answer == "first answer" and placement.unit_of
