"""Today's practice: first come, first served, in urgency order, honouring every rule.

A coordinator takes the cases most urgent first and, within a tier, the longest waiting first
(then in file order). Each case gets the first free unit in file order that it is eligible for,
that its member's reciprocity floor allows, and whose schools in reach still have a free place
for every child; the children take the nearest such places at once, as they would in practice
(nothing placed earlier is moved). The result is checked with the engine's independent check.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from exchange.domain.model import (
    RESULT_FORMAT,
    LedgerLine,
    Placed,
    Proposal,
    Reason,
    Result,
    Round,
    SchoolPlace,
    SolverInfo,
    Status,
    Unplaced,
)
from exchange.domain.rules import stage_of
from exchange.solver.eligibility import Pairs
from exchange.solver.instance import TIERS, Instance


class Seats:
    """Free school places per (school, stage), and what each unit can still reach."""

    def __init__(self, inst: Instance) -> None:
        self.inst = inst
        self.left = inst.cap.copy()
        self.reach = [inst.arcs[inst.arcs[:, 2] == g] for g in range(len(inst.stages))]
        self.km = [inst.arc_km[inst.arcs[:, 2] == g] for g in range(len(inst.stages))]
        self.free = [self._free(g) for g in range(len(inst.stages))]

    def _free(self, g: int) -> NDArray:
        arcs = self.reach[g]
        return np.bincount(arcs[:, 0], weights=self.left[arcs[:, 1], g],
                           minlength=self.inst.n_units)

    def fits(self, c: int, units: NDArray) -> NDArray:
        """Which of `units` still have enough free places in reach for case `c`."""
        ok = np.ones(units.size, dtype=bool)
        for g in np.flatnonzero(self.inst.demand[c]).tolist():
            ok &= self.free[g][units] >= self.inst.demand[c, g]
        return ok

    def take(self, c: int, u: int) -> list[list[int]]:
        """Seat case `c`'s children from unit `u`, nearest school first; schools per stage."""
        taken: list[list[int]] = []
        for g in range(len(self.inst.stages)):
            arcs, km = self.reach[g], self.km[g]
            mine = np.flatnonzero(arcs[:, 0] == u)
            schools = arcs[mine[np.argsort(km[mine], kind="stable")], 1].tolist()
            seated: list[int] = []
            for s in schools:
                while len(seated) < self.inst.demand[c, g] and self.left[s, g] > 0:
                    self.left[s, g] -= 1
                    seated.append(s)
            taken.append(seated)
            if seated:
                self.free[g] = self._free(g)
        return taken


def first_come(inst: Instance, pairs: Pairs) -> dict[int, tuple[int, list[list[int]]]]:
    """Case index -> (unit index, schools per stage) for every case placed."""
    order = np.lexsort((np.arange(inst.n_cases), -inst.wait_days, inst.c_tier))
    starts = np.searchsorted(pairs.case, np.arange(inst.n_cases + 1))
    taken = np.zeros(inst.n_units, dtype=bool)
    net = np.zeros(len(inst.members), dtype=np.int64)
    seats = Seats(inst)
    placed: dict[int, tuple[int, list[list[int]]]] = {}
    for c in order.tolist():
        units = pairs.unit[starts[c]:starts[c + 1]]
        home = inst.c_mun[c]
        away = inst.u_mun[units] != home
        may_send = net[home] - 1 >= inst.floor_gap[home]
        ok = ~taken[units] & (~away | may_send)
        ok[ok] = seats.fits(c, units[ok])
        if ok.any():
            u = int(units[np.argmax(ok)])
            placed[c] = (u, seats.take(c, u))
            taken[u] = True
            if inst.u_mun[u] != home:
                net[inst.u_mun[u]] += 1
                net[home] -= 1
    return placed


def as_result(inst: Instance, placed: dict[int, tuple[int, list[list[int]]]]) -> Result:
    """The placements as a result file, so that `exchange.domain.verify` can check them."""
    round_ = inst.round
    proposals = [Proposal(case=round_.cases[c].id, unit=round_.units[u].id,
                          schools=_places(inst, c, schools))
                 for c, (u, schools) in sorted(placed.items())]
    unplaced = [Unplaced(case=case.id, reason=Reason.OUTRANKED, detail="first come, first served")
                for c, case in enumerate(round_.cases) if c not in placed]
    tiers = [TIERS[inst.c_tier[c]].value for c in placed]
    return Result(format=RESULT_FORMAT, round=round_.round.id, status=Status.FEASIBLE,
                  placed=Placed(**{t.value: tiers.count(t.value) for t in TIERS}),
                  proposals=proposals, unplaced=unplaced, ledger=_ledger(inst, placed),
                  solver=SolverInfo(seconds=0, version="first come"))


def _places(inst: Instance, c: int, schools: list[list[int]]) -> list[SchoolPlace]:
    queues = [list(seated) for seated in schools]
    places = []
    for i, child in enumerate(inst.round.cases[c].household.children):
        stage = stage_of(child.age)
        if child.keep_school is not None:
            places.append(SchoolPlace(child=i, school=None, stage=stage))
        elif stage in inst.stages:
            s = queues[inst.stages.index(stage)].pop(0)
            places.append(SchoolPlace(child=i, school=inst.round.schools[s].id, stage=stage))
    return places


def _ledger(inst: Instance, placed: dict[int, tuple[int, list[list[int]]]]) -> list[LedgerLine]:
    round_: Round = inst.round
    received = np.zeros(len(inst.members), dtype=np.int64)
    sent = np.zeros(len(inst.members), dtype=np.int64)
    for c, (u, _) in placed.items():
        host, home = inst.u_mun[u], inst.c_mun[c]
        if host != home:
            received[host] += 1
            sent[home] += 1
    return [LedgerLine(municipality=m.code, before=m.ledger_balance, received=int(received[i]),
                       sent=int(sent[i]), after=int(m.ledger_balance + received[i] - sent[i]))
            for i, m in enumerate(round_.municipalities)]
