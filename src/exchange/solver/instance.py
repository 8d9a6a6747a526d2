"""A round as numpy arrays: what eligibility, the model and the explanations compute on."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

from exchange.domain.model import Round, Stage, Urgency
from exchange.domain.rules import needs_school_place, reciprocity_floor
from exchange.solver.geodesy import PointIndex

TIERS = (Urgency.ACUTE, Urgency.HIGH, Urgency.NORMAL)


@dataclass
class Instance:
    """Column arrays over cases (`c_*`), units (`u_*`), schools and members of one round."""

    round: Round
    stages: list[Stage]
    members: list[str]
    u_mun: NDArray
    u_rooms: NDArray
    u_rent: NDArray
    u_step_free: NDArray
    u_multiple: NDArray
    u_accepts_support: NDArray
    c_mun: NDArray
    c_tier: NDArray
    demand: NDArray
    cap: NDArray
    reach: NDArray
    arcs: NDArray
    arc_km: NDArray
    floor_gap: NDArray
    wait_days: NDArray
    units: PointIndex

    @property
    def n_cases(self) -> int:
        return len(self.round.cases)

    @property
    def n_units(self) -> int:
        return len(self.round.units)

    @cached_property
    def unit_index(self) -> dict[str, int]:
        """Where each unit id sits in the unit arrays."""
        return {unit.id: u for u, unit in enumerate(self.round.units)}


def build_instance(round_: Round) -> Instance:
    """Arrays for a validated round; school reach is resolved here, once per unit and school."""
    rules = round_.network.rules
    stages = [s for s in Stage if s in rules.school_reach_km]
    members = [m.code for m in round_.municipalities]
    index = {code: i for i, code in enumerate(members)}
    units, cases, schools = round_.units, round_.cases, round_.schools
    demand = np.zeros((len(cases), len(stages)), dtype=np.int64)
    for c, case in enumerate(cases):
        for child in case.household.children:
            stage = needs_school_place(child, rules)
            if stage is not None:
                demand[c, stages.index(stage)] += 1
    cap = np.array([[s.free_places.get(g, 0) for g in stages] for s in schools],
                   dtype=np.int64).reshape(len(schools), len(stages))
    unit_index = PointIndex([u.lat for u in units], [u.lon for u in units])
    arcs, arc_km = _school_arcs(round_, stages, cap, unit_index)
    reach = np.zeros((len(units), len(stages)), dtype=bool)
    reach[arcs[:, 0], arcs[:, 2]] = True
    return Instance(
        round=round_,
        stages=stages,
        members=members,
        u_mun=np.array([index[u.municipality] for u in units], dtype=np.int64),
        u_rooms=np.array([u.rooms for u in units], dtype=np.int64),
        u_rent=np.array([u.rent_sek for u in units], dtype=np.int64),
        u_step_free=np.array([u.step_free for u in units], dtype=bool),
        u_multiple=np.array([np.nan if u.requirements.min_income_multiple is None
                             else u.requirements.min_income_multiple for u in units]),
        u_accepts_support=np.array([u.requirements.accepts_income_support for u in units],
                                   dtype=bool),
        c_mun=np.array([index[c.municipality] for c in cases], dtype=np.int64),
        c_tier=np.array([TIERS.index(c.urgency) for c in cases], dtype=np.int64),
        demand=demand,
        cap=cap,
        reach=reach,
        arcs=arcs,
        arc_km=arc_km,
        floor_gap=np.array([reciprocity_floor(m.ledger_balance, rules) - m.ledger_balance
                            for m in round_.municipalities], dtype=np.int64),
        units=unit_index,
        wait_days=np.array([max(0, (round_.round.date - c.waiting_since).days) for c in cases],
                           dtype=np.int64),
    )


def _school_arcs(round_: Round, stages: list[Stage], cap: NDArray, units: PointIndex
                 ) -> tuple[NDArray, NDArray]:
    """(unit, school, stage) triples where the school has free places within reach of the unit."""
    reach_km = round_.network.rules.school_reach_km
    rows, dists = [], []
    for s, school in enumerate(round_.schools):
        for g, stage in enumerate(stages):
            if cap[s, g] > 0:
                near, km = units.near(school.lat, school.lon, reach_km[stage])
                rows.append(np.column_stack((near, np.full(near.size, s), np.full(near.size, g))))
                dists.append(km)
    if not rows:
        return np.empty((0, 3), dtype=np.int64), np.empty(0)
    arcs = np.concatenate(rows).astype(np.int64)
    km = np.concatenate(dists)
    order = np.lexsort((arcs[:, 1], arcs[:, 2], arcs[:, 0]))
    return arcs[order], km[order]
