"""The engine's behaviour on hand-built and generated rounds."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from exchange.domain.model import Reason
from exchange.domain.verify import violations
from exchange.formats import load_round
from exchange.generate import generate_round
from exchange.solver import solve
from tests.builders import as_round, base_round

SAMPLE = Path(__file__).parents[3] / "sample_networks" / "sodertorn" / "round-2026-12.json"


def _with_second_case(**case_changes) -> dict:
    data = base_round()
    second = copy.deepcopy(data["cases"][0])
    second.update(id="c2", **case_changes)
    data["cases"].append(second)
    unit = copy.deepcopy(data["units"][0])
    unit["id"] = "u2"
    data["units"].append(unit)
    return data


def _reasons(result) -> dict[str, Reason]:
    return {item.case: item.reason for item in result.unplaced}


def test_school_capacity_limits_placements_and_names_the_school():
    """One free f3 place near both units: only one family with a 7-year-old is placed."""
    data = _with_second_case()
    data["schools"][0]["free_places"] = {"f3": 1}
    result = solve(as_round(data))
    assert len(result.proposals) == 1
    assert result.proposals[0].schools[0].school == "s1"
    assert list(_reasons(result).values()) == [Reason.OUTRANKED]
    assert violations(as_round(data), result, check_reasons=True) == []


def test_a_member_at_its_reciprocity_floor_sends_no_more_than_it_receives():
    data = base_round()
    data["municipalities"][0]["ledger_balance"] = -2
    result = solve(as_round(data))
    assert _reasons(result) == {"c1": Reason.RECIPROCITY_LIMIT}


def test_a_member_at_its_floor_may_send_once_it_receives():
    data = _with_second_case(municipality="0127")
    data["municipalities"][0]["ledger_balance"] = -2
    data["units"][1].update(municipality="0126", lat=59.2371, lon=17.9819)
    data["schools"].append({"id": "s2", "municipality": "0126", "lat": 59.2371,
                            "lon": 17.98, "free_places": {"f3": 1}})
    result = solve(as_round(data))
    assert {(p.case, p.unit) for p in result.proposals} == {("c1", "u1"), ("c2", "u2")}
    assert [line.after for line in result.ledger] == [-2, 0]


def test_an_acute_case_goes_before_a_normal_one_that_waited_longer():
    data = _with_second_case(urgency="normal", waiting_since="2025-01-01")
    data["units"].pop()
    result = solve(as_round(data))
    assert [p.case for p in result.proposals] == ["c1"]


def test_within_a_tier_the_longer_wait_wins():
    data = _with_second_case(waiting_since="2025-01-01")
    data["units"].pop()
    result = solve(as_round(data))
    assert [p.case for p in result.proposals] == ["c2"]


def test_a_kept_school_is_listed_without_a_new_place():
    data = base_round()
    data["cases"][0]["household"]["children"] = [
        {"age": 12, "keep_school": {"lat": 59.22, "lon": 17.85, "max_km": 10}}]
    result = solve(as_round(data))
    places = result.proposals[0].schools
    assert [(p.child, p.school, p.stage) for p in places] == [(0, None, "y4_6")]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_generated_rounds_pass_every_rule_and_every_reason(seed):
    round_ = generate_round("sodertorn", 60, 50, seed)
    result = solve(round_)
    assert result.status.value == "optimal"
    assert result.proposals, "a realistic round places someone"
    assert any(place.school for p in result.proposals for place in p.schools)
    assert violations(round_, result, check_reasons=True) == []


def test_the_sample_round_is_solved_the_same_way_twice():
    round_ = load_round(SAMPLE.read_text(encoding="utf-8"))
    first, second = solve(round_), solve(round_)
    assert first.proposals == second.proposals and first.unplaced == second.unplaced


def test_when_time_runs_out_the_result_is_feasible_complete_and_safe(monkeypatch):
    """With no model solution at all, the fallback still places greedily and breaks no rule."""
    from exchange.solver import lexicographic

    def out_of_time(*args, **kwargs):
        raise lexicographic.OutOfTime

    monkeypatch.setattr(lexicographic, "_generate_columns", out_of_time)
    round_ = generate_round("sodertorn", 60, 50, 4)
    result = solve(round_)
    assert result.status.value == "feasible"
    assert result.proposals
    assert violations(round_, result, check_reasons=True) == []
