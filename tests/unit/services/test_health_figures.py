"""Every figure of the network's health on a small hand-made history whose answers are worked
out by hand in the comments."""

from __future__ import annotations

import datetime as dt

import pytest

from exchange.services.health.facts import (
    PLEDGING_MEMBER,
    SHARED_BY_USE,
    CaseFact,
    Facts,
    Move,
    ProposalFact,
    UnitFact,
)
from exchange.services.health.figures import compute

A, B = "0001", "0002"


def at(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(day)


def history(rule: str = PLEDGING_MEMBER) -> Facts:
    """Two members, rounds closed in January and February 2026, tolerance 2.

    A posts c1 (acute), c2 (high), c4 and c5 (acute) in January; B posts c3 in February.
    January's round proposes to c1, c2, c4, c5: c1 moves in on the 20th, c2 declines
    (location), c4 and c5 decline (other). February's round proposes to c2, who moves in on
    the 13th. Each move goes from A to B; A opened at +1.
    B pledges u1 (7,300 SEK, let on January 20) and u2 (3,650 SEK, from January 15, never let);
    A pledges u3 (7,300 SEK, on February 10, let on the 13th). Now is February 28.
    """
    cases = [CaseFact("c1", A, "acute", at("2026-01-05"), 2),
             CaseFact("c2", A, "high", at("2026-01-06"), 2),
             CaseFact("c4", A, "acute", at("2026-01-01"), 1),
             CaseFact("c5", A, "acute", at("2026-01-02"), 1),
             CaseFact("c3", B, "normal", at("2026-02-01"), 3)]
    jan, feb = at("2026-01-10"), at("2026-02-03")
    proposals = [ProposalFact("c1", "2026-01", jan, "confirmed", None, at("2026-01-20")),
                 ProposalFact("c2", "2026-01", jan, "declined", "location", None),
                 ProposalFact("c4", "2026-01", jan, "declined", "other", None),
                 ProposalFact("c5", "2026-01", jan, "declined", "other", None),
                 ProposalFact("c2", "2026-02", feb, "confirmed", None, at("2026-02-13"))]
    units = [UnitFact(B, 2, 7300, at("2026-01-01"), at("2026-01-20")),
             UnitFact(B, 2, 3650, at("2026-01-15"), None),
             UnitFact(A, 2, 7300, at("2026-02-10"), at("2026-02-13"))]
    moves = [Move(None, None, A, 1), Move("2026-01", A, B, 1), Move("2026-02", A, B, 1)]
    return Facts("net", {A: "Ahem", B: "Bedy"}, 2, rule, ["2026-01", "2026-02"], cases, units,
                 proposals, moves, at("2026-02-28"))


def row(figures, month, member):
    return next(r for r in figures.rows if r.month == month and r.member == member)


def test_cases_posted_placed_moved_sent_and_received_per_member_and_month():
    figures = compute(history())
    assert figures.months == ["2026-01", "2026-02"]
    jan_a, feb_a, feb_b = (row(figures, "2026-01", A), row(figures, "2026-02", A),
                           row(figures, "2026-02", B))
    assert (jan_a.posted, jan_a.placed, jan_a.moved, jan_a.sent, jan_a.received) == (4, 4, 1, 1, 0)
    assert (feb_a.posted, feb_a.placed, feb_a.moved, feb_a.sent) == (0, 1, 1, 1)
    assert (feb_b.posted, feb_b.placed, feb_b.received) == (1, 0, 1)


def test_the_balance_at_each_months_end_against_the_floor():
    figures = compute(history())
    assert [row(figures, m, A).balance for m in figures.months] == [0, -1]  # 1 - 1, then - 1
    assert [row(figures, m, B).balance for m in figures.months] == [1, 2]
    assert {r.floor for r in figures.rows} == {-2}


def test_units_pledged_available_and_idle_days_with_their_rent():
    figures = compute(history())
    jan_b, feb_b, feb_a = (row(figures, "2026-01", B), row(figures, "2026-02", B),
                           row(figures, "2026-02", A))
    assert (jan_b.units_pledged, jan_b.units_available, jan_b.idle_units) == (2, 1, 2)
    # u1: January 1 to 20 = 19 days; u2: January 15 to February 1 = 17 days
    assert (jan_b.idle_days, jan_b.idle_days_per_unit) == (36.0, 18.0)
    assert jan_b.idle_cost_sek == 19 * 240 + 17 * 120  # a day of 7,300 SEK a month is 240 SEK
    assert (feb_b.idle_units, feb_b.idle_days, feb_b.idle_cost_sek) == (1, 27.0, 27 * 120)
    assert (feb_a.units_pledged, feb_a.units_available, feb_a.idle_days) == (1, 0, 3.0)
    assert feb_a.idle_cost_sek == 3 * 240


@pytest.mark.parametrize(("rule", "carried"), [
    (PLEDGING_MEMBER, {("2026-01", A): 0, ("2026-01", B): 6600, ("2026-02", A): 720,
                       ("2026-02", B): 3240}),
    # all of each month's cost goes to A, the only member that moved households through the
    # network in the twelve months up to it
    (SHARED_BY_USE, {("2026-01", A): 6600, ("2026-01", B): 0, ("2026-02", A): 3960,
                     ("2026-02", B): 0})])
def test_who_carries_the_idle_cost_follows_the_networks_rule(rule, carried):
    figures = compute(history(rule))
    assert {(r.month, r.member): r.cost_carried_sek for r in figures.rows} == carried


def test_waits_per_urgency_median_and_90th_percentile_never_below_three_cases():
    waits = {(w.month, w.urgency): w for w in compute(history()).waits}
    acute = waits["2026-01", "acute"]
    # first proposals on January 10 after 5 (c1), 9 (c4) and 8 (c5) days
    assert (acute.proposal_n, acute.proposal_median, acute.proposal_p90) == (3, 8.0, 8.8)
    assert (acute.move_n, acute.move_median) == (1, None)  # one household's own wait: hidden
    high = waits["2026-02", "high"]
    assert (high.move_n, high.move_median) == (1, None)
    assert waits["2026-01", "high"].proposal_n == 1


def test_decline_reasons_per_member_and_month():
    declines = {(d.month, d.member, d.reason): d.count for d in compute(history()).declines}
    assert declines == {("2026-01", A, "location"): 1, ("2026-01", A, "other"): 2}


def test_a_network_without_a_closed_round_has_no_months():
    facts = history()
    empty = Facts(facts.network, facts.members, 2, PLEDGING_MEMBER, [], [], [], [], [],
                  facts.as_of)
    assert compute(empty).months == [] and compute(empty).rows == []


def test_the_wait_to_moving_in_counts_to_the_keys_where_the_move_recorded_them():
    """c1's contract is signed on January 20 and its move records the keys on February 2: its
    wait to moving in ends on the day of the keys, in February (c2, without a recorded day,
    ends at its contract, February 13)."""
    facts = history()
    facts.cases[0] = CaseFact("c1", A, "acute", at("2026-01-05"), 2, dt.date(2026, 2, 2))
    waits = {(w.month, w.urgency): w for w in compute(facts).waits}
    assert waits["2026-01", "acute"].move_n == 0
    assert waits["2026-02", "acute"].move_n == 1
    assert waits["2026-02", "high"].move_n == 1
