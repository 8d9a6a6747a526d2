"""The lifecycles: one table of allowed moves, per kind, that every status change goes through."""

from __future__ import annotations

import pytest

from exchange.domain.lifecycle import (
    MOVES,
    CaseStatus,
    IllegalMove,
    ProposalStatus,
    RoundStatus,
    UnitStatus,
    can_move,
    is_final,
    may_become,
    move,
)


def test_every_status_of_every_kind_has_its_row_and_moves_only_within_its_kind():
    for kind, table in MOVES.items():
        assert set(table) == set(kind)
        assert all(isinstance(target, kind) for targets in table.values() for target in targets)


def test_the_kinds_share_words_but_never_their_moves():
    """"open" is a case's and a round's status: equal as text, with different moves."""
    assert CaseStatus.OPEN == RoundStatus.OPEN
    assert can_move("open", CaseStatus.PROPOSED) and not can_move("open", RoundStatus.CLOSED)
    assert can_move("open", RoundStatus.SOLVING) and not can_move("open", CaseStatus.HOUSED)


@pytest.mark.parametrize(("current", "target"), [
    (CaseStatus.HOUSED, CaseStatus.OPEN), (CaseStatus.WITHDRAWN, CaseStatus.OPEN),
    (UnitStatus.LET, UnitStatus.AVAILABLE), (UnitStatus.RESERVED, UnitStatus.WITHDRAWN),
    (ProposalStatus.CONFIRMED, ProposalStatus.PROPOSED),
    (RoundStatus.CLOSED, RoundStatus.SOLVING), (RoundStatus.OPEN, RoundStatus.PUBLISHED),
    (ProposalStatus.DECLINED, ProposalStatus.ACCEPTED),
    (ProposalStatus.CONFIRMED, ProposalStatus.EXPIRED)])
def test_a_move_the_table_does_not_allow_is_refused_in_words(current, target):
    with pytest.raises(IllegalMove, match=f"is {current}, so it cannot become {target}"):
        move(current, target, "object")


def test_a_stored_word_moves_like_its_status():
    assert move("accepted", ProposalStatus.CONFIRMED, "proposal") is ProposalStatus.CONFIRMED


def test_final_statuses_and_where_a_solve_may_start():
    assert {s for kind in MOVES for s in kind if is_final(s)} == {
        CaseStatus.HOUSED, CaseStatus.WITHDRAWN, UnitStatus.LET, UnitStatus.WITHDRAWN,
        RoundStatus.CLOSED, ProposalStatus.DECLINED, ProposalStatus.CONFIRMED,
        ProposalStatus.EXPIRED, ProposalStatus.LAPSED}
    assert set(may_become(RoundStatus.SOLVING)) == {RoundStatus.OPEN, RoundStatus.SOLVED,
                                                    RoundStatus.PUBLISHED}
