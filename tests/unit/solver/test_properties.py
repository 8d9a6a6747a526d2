"""Properties of the engine on random small rounds, against an independent oracle."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from exchange.domain.model import Reason, Round
from exchange.domain.verify import violations
from exchange.solver import solve
from tests import oracle
from tests.strategies import rounds

SETTINGS = settings(max_examples=150, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])


def _free_unit_with_room(round_: Round, result, case_id: str) -> bool:
    """Whether some eligible unit is left free and its schools could take this household."""
    pairs = {p.case: p.unit for p in result.proposals}
    taken = set(pairs.values())
    for unit_id in oracle.eligible_units(round_)[case_id]:
        if unit_id not in taken and oracle.schools_suffice(round_, {**pairs, case_id: unit_id}):
            return True
    return False


@SETTINGS
@given(rounds())
def test_every_proposal_passes_an_independent_check_of_every_rule(round_):
    result = solve(round_)
    assert violations(round_, result, check_reasons=True) == []


@SETTINGS
@given(rounds())
def test_tier_counts_are_the_lexicographic_optimum(round_):
    result = solve(round_)
    placed = (result.placed.acute, result.placed.high, result.placed.normal)
    assert placed == oracle.best_tier_counts(round_)
    assert result.status.value == "optimal"


@SETTINGS
@given(rounds())
def test_reciprocity_and_outranked_reasons_are_right(round_):
    """reciprocity_limit: a free eligible unit with school room exists; outranked: none does."""
    result = solve(round_)
    for item in result.unplaced:
        if item.reason in (Reason.RECIPROCITY_LIMIT, Reason.OUTRANKED):
            roomy = _free_unit_with_room(round_, result, item.case)
            assert roomy == (item.reason is Reason.RECIPROCITY_LIMIT), item


@settings(max_examples=30, deadline=None, derandomize=True)
@given(rounds(max_cases=8, max_units=8))
def test_the_same_round_gives_the_same_proposals(round_):
    assert solve(round_).proposals == solve(round_).proposals
