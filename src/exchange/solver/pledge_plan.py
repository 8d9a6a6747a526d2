"""Fair-share pledge targets: how many units of each size each member should pledge so that the
households expected to need a home soon can be placed, and every member stays within the
network's tolerance. Pure: a CP-SAT model (OR-Tools) over counts; no file, no clock.

The model, in order (data, variables, constraints, objective, solve):

- data: per member and size (rooms), the households expected (`need`) and the units already in
  the pool (`available`); each member's balance and the tolerance; each member's fair share of
  the network's units (its share of the expected households);
- variables: `pledge[m, r]`, new units; `flow[i, j, r]`, households of member i placed in units
  of member j (never its own); `unmet[i, r]`;
- constraints: every expected household placed or counted unmet; no member's units used more
  than it has; every member's balance after the moves at least min(balance, -tolerance), the
  engine's own rule;
- objective, in order of weight: the fewest unmet households, then the fewest new units, then
  each member's units (in the pool and pledged) as close as can be to its fair share.

A household fits a unit of exactly its size here: the plan counts, the engine (which checks every
rule of each pair) places. The simulation in `exchange.services.health.plan` checks the plan with
the engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ortools.sat.python import cp_model

_UNMET, _UNIT, _FAIR = 10_000_000, 10_000, 1  # a unit outweighs any shift of shares
_SCALE = 1_000  # fair shares in thousandths


class PlanStatus(StrEnum):
    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    UNKNOWN = "unknown"  # no answer within the time limit


@dataclass(frozen=True)
class PlanInput:
    """What the plan is made from; keys are (member, rooms)."""

    members: list[str]
    sizes: list[int]
    need: dict[tuple[str, int], int]
    available: dict[tuple[str, int], int]
    balance: dict[str, int]
    tolerance: int
    share: dict[str, float]


@dataclass(frozen=True)
class PlanOutput:
    """New units per (member, rooms), households left unmet, and how sure the answer is."""

    status: PlanStatus
    pledge: dict[tuple[str, int], int]
    unmet: dict[tuple[str, int], int]


def plan_pledges(data: PlanInput, time_limit: float = 10.0) -> PlanOutput:
    """The fewest new units, shared as fairly as can be, that place every expected household
    where the balances allow; see the module's docstring."""
    model = cp_model.CpModel()
    cap = sum(data.need.values()) + 1
    keys = [(m, r) for m in data.members for r in data.sizes]
    pledge = {k: model.new_int_var(0, cap, f"pledge_{k[0]}_{k[1]}") for k in keys}
    unmet = {k: model.new_int_var(0, data.need.get(k, 0), f"unmet_{k[0]}_{k[1]}") for k in keys}
    flow = {(i, j, r): model.new_int_var(0, data.need.get((i, r), 0), f"flow_{i}_{j}_{r}")
            for i in data.members for j in data.members if i != j for r in data.sizes
            if data.need.get((i, r), 0)}
    for i, r in keys:
        sent = [v for (a, _, s), v in flow.items() if a == i and s == r]
        model.add(sum(sent) + unmet[i, r] == data.need.get((i, r), 0))
    for j, r in keys:
        used = [v for (_, b, s), v in flow.items() if b == j and s == r]
        model.add(sum(used) <= data.available.get((j, r), 0) + pledge[j, r])
    for m in data.members:
        received = sum(v for (_, b, _), v in flow.items() if b == m)
        sent_out = sum(v for (a, _, _), v in flow.items() if a == m)
        balance = data.balance.get(m, 0)
        model.add(balance + received - sent_out >= min(balance, -data.tolerance))
    model.minimize(_UNMET * sum(unmet.values()) + _UNIT * sum(pledge.values())
                   + _FAIR * sum(_unfairness(model, data, pledge, cap)))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = 1  # the same answer every time
    code = solver.solve(model)
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return PlanOutput(PlanStatus.UNKNOWN, {}, dict(data.need))
    status = PlanStatus.OPTIMAL if code == cp_model.OPTIMAL else PlanStatus.FEASIBLE
    return PlanOutput(status, {k: int(solver.value(v)) for k, v in pledge.items()},
                      {k: int(solver.value(v)) for k, v in unmet.items()})


def _unfairness(model: cp_model.CpModel, data: PlanInput,
                pledge: dict[tuple[str, int], cp_model.IntVar], cap: int
                ) -> list[cp_model.IntVar]:
    """Per member, how far its units (in the pool and pledged) lie from its fair share of all
    the network's units, in thousandths of a unit."""
    units = {m: sum(pledge[m, r] for r in data.sizes) + sum(
        data.available.get((m, r), 0) for r in data.sizes) for m in data.members}
    total = sum(units.values())
    top = _SCALE * (cap * len(data.members) + sum(data.available.values()) + 1)
    gaps = []
    for m in data.members:
        share = round(_SCALE * data.share.get(m, 0.0))
        gap = model.new_int_var(0, top, f"gap_{m}")
        model.add(gap >= _SCALE * units[m] - share * total)
        model.add(gap >= share * total - _SCALE * units[m])
        gaps.append(gap)
    return gaps
