"""The ledger chart and the flow map: geometry that shows members and counts, nothing else."""

from __future__ import annotations

import math

from exchange.services.schemas import Flow, MemberOverview
from exchange.web.pictures import flow_map, ledger_bars


def member(code: str, lat: float, lon: float, balance: int = 0) -> MemberOverview:
    return MemberOverview(code=code, name=f"M{code}", lat=lat, lon=lon, units_available=0,
                          cases_active={}, balance=balance, floor=-2)


MEMBERS = [member("0126", 59.24, 17.98, 2), member("0127", 59.20, 17.83, -3),
           member("0192", 58.90, 17.95, 0)]


def test_bars_grow_from_zero_and_mark_members_below_the_floor() -> None:
    chart = ledger_bars(MEMBERS)
    up, down, flat = chart.bars
    assert up.x == chart.zero_x and up.width > 0
    assert math.isclose(down.x + down.width, chart.zero_x) and down.width > up.width
    assert flat.width == 0
    assert chart.floor_x < chart.zero_x and down.x < chart.floor_x
    assert [b.below_floor for b in chart.bars] == [False, True, False]


def test_the_map_fits_the_canvas_keeps_north_up_and_draws_only_member_flows() -> None:
    flows = [Flow(sending="0127", receiving="0126", count=4),
             Flow(sending="0126", receiving="0127", count=1),
             Flow(sending="0127", receiving="9999", count=2)]
    drawn = flow_map(MEMBERS, flows)
    assert len(drawn.nodes) == 3
    for node in drawn.nodes:
        assert 0 < node.x < drawn.width and 0 < node.y < drawn.height
    north, _, south = drawn.nodes
    assert north.y < south.y
    assert [(a.sending, a.receiving) for a in drawn.arrows] == [("0127", "0126"),
                                                                 ("0126", "0127")]
    wide, thin = drawn.arrows
    assert wide.stroke > thin.stroke
    # the two directions bend to opposite sides, so they never lie on each other
    assert (wide.cx, wide.cy) != (thin.cx, thin.cy)


def test_an_empty_network_draws_nothing() -> None:
    assert flow_map([], []).nodes == []
