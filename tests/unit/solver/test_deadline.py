"""The time limit covers the whole solve: checked on a fake clock, never by waiting for it."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

from exchange.domain.verify import violations
from exchange.generate import generate_round
from exchange.solver import SolveParams, lexicographic, solve
from exchange.solver.deadline import (
    FINISH_MIN_SECONDS,
    MIN_CALL_SECONDS,
    Deadline,
    finishing_reserve,
)
from exchange.solver.eligibility import eligible_pairs
from exchange.solver.instance import build_instance
from exchange.solver.model import AssignmentModel, Outcome, Solution


class FakeClock:
    """A clock that moves only when told to, or by `tick` seconds each time it is read."""

    def __init__(self, tick: float = 0.0) -> None:
        self.now, self.tick = 1000.0, tick

    def __call__(self) -> float:
        self.now += self.tick
        return self.now


def _no_solver_calls(*args, **kwargs):
    raise AssertionError("no solver may run once the deadline has passed")


def test_a_deadline_counts_down_on_its_clock_and_never_below_zero():
    clock = FakeClock()
    deadline = Deadline(10, clock)
    clock.now += 4
    assert deadline.left() == pytest.approx(6) and not deadline.expired()
    clock.now += 7
    assert deadline.left() == 0 and deadline.expired()


def test_a_solver_call_at_the_deadline_still_gets_a_moment_to_return():
    clock = FakeClock()
    deadline = Deadline(1, clock)
    clock.now += 5
    assert deadline.call_seconds() == MIN_CALL_SECONDS


def test_an_earlier_deadline_keeps_the_clock_and_moves_the_end_only():
    clock = FakeClock()
    deadline = Deadline(10, clock)
    model = deadline.earlier(3)
    assert model.clock is clock and model.end == pytest.approx(deadline.end - 3)
    clock.now += 8
    assert model.expired() and not deadline.expired()


def test_the_finishing_reserve_grows_with_the_build_and_has_a_floor():
    assert finishing_reserve(0.0) == FINISH_MIN_SECONDS
    assert finishing_reserve(2.0) > finishing_reserve(1.0) > FINISH_MIN_SECONDS
    assert FINISH_MIN_SECONDS < finishing_reserve(2.0, completion=False) < finishing_reserve(2.0)


def test_the_model_stops_early_enough_to_leave_the_finishing_steps_their_reserve(monkeypatch):
    """The model's deadline is the solve's, less the reserve for what the build cost."""
    solve_module = importlib.import_module("exchange.solver.solve")
    clock = FakeClock(tick=0.5)
    seen: list[Deadline] = []
    real = solve_module.solve_lexicographic

    def spy(*args, deadline, **kwargs):
        seen.append(deadline)
        return real(*args, deadline=deadline, **kwargs)

    monkeypatch.setattr(solve_module, "solve_lexicographic", spy)
    round_ = generate_round("sodertorn", 30, 30, 5)
    solve(round_, SolveParams(time_limit=1_000), clock=clock)
    # The clock was read at the start (1000.5), before the build (1001.0) and after (1001.5).
    assert seen[0].end == pytest.approx(1000.5 + 1_000 - finishing_reserve(0.5))


def test_a_limit_spent_by_the_build_runs_no_solver_and_still_gives_a_checked_answer(monkeypatch):
    """Ten seconds pass at every read of the clock: the model gets nothing, completion all."""
    monkeypatch.setattr(AssignmentModel, "solve", _no_solver_calls)
    round_ = generate_round("sodertorn", 60, 50, 4)
    result = solve(round_, SolveParams(time_limit=5), clock=FakeClock(tick=10))
    assert result.status.value == "feasible"
    assert result.proposals
    assert violations(round_, result, check_reasons=True) == []


def test_an_lp_cut_by_the_time_limit_is_never_taken_as_a_bound(monkeypatch):
    """A cut LP whose point happens to be whole numbers must not prove a tier count."""

    def cut_lp(self, chosen, objective, locks, *, integer, time_limit, relative_gap=0.0):
        x = np.zeros(np.asarray(chosen).size)
        return Solution(Outcome.FEASIBLE, np.asarray(chosen), x, 0.0, np.inf,
                        np.zeros(self.n_rows))

    monkeypatch.setattr(AssignmentModel, "solve", cut_lp)
    round_ = generate_round("sodertorn", 60, 50, 4)
    lines: list[str] = []
    result = solve(round_, progress=lines.append)
    assert result.status.value == "feasible"
    assert not any("(proven)" in line for line in lines)
    assert violations(round_, result, check_reasons=True) == []


def test_an_expired_deadline_stops_the_stages_before_any_solver_call(monkeypatch):
    monkeypatch.setattr(AssignmentModel, "solve", _no_solver_calls)
    round_ = generate_round("sodertorn", 30, 30, 5)
    inst = build_instance(round_)
    pairs = eligible_pairs(inst)
    clock = FakeClock()
    deadline = Deadline(1, clock)
    clock.now += 2
    plan = lexicographic.solve_lexicographic(inst, pairs, np.zeros(len(pairs)),
                                             deadline=deadline, progress=lambda _: None)
    assert not plan.proven and plan.chosen.size == 0
