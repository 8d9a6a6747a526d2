"""The figures per member and month, from a network's facts. Pure: no database, no clock.

A month is a calendar month (UTC). Every figure is a count, a number of days or an amount of
SEK; docs/network-health.md says what each means in words.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable

import numpy as np
from pydantic import BaseModel, ConfigDict

from exchange.services.health.facts import SHARED_BY_USE, Facts, UnitFact

URGENCIES = ("acute", "high", "normal")
DAY = dt.timedelta(days=1)
USE_MONTHS = 12  # how far back "use" reaches when idle costs are shared by use


class FigureModel(BaseModel):
    model_config = ConfigDict(frozen=True)


class MemberMonth(FigureModel):
    """One member in one month."""

    month: str
    member: str
    posted: int
    placed: int
    moved: int
    sent: int
    received: int
    balance: int
    floor: int
    units_pledged: int
    units_available: int
    idle_units: int
    idle_days: float
    idle_days_per_unit: float
    idle_cost_sek: int
    cost_carried_sek: int


class Waits(FigureModel):
    """Days from posting to the first proposal, and to moving in, of one urgency in one month:
    the cases whose first proposal (or move) fell in that month. None below three cases."""

    month: str
    urgency: str
    proposal_n: int
    proposal_median: float | None
    proposal_p90: float | None
    move_n: int
    move_median: float | None
    move_p90: float | None


class DeclineCount(FigureModel):
    month: str
    member: str
    reason: str
    count: int


class Figures(FigureModel):
    """A network's health over the months of its history."""

    network: str
    members: dict[str, str]
    months: list[str]
    closed: list[str]
    tolerance: int
    cost_rule: str
    rows: list[MemberMonth]
    waits: list[Waits]
    declines: list[DeclineCount]


def month_of(moment: dt.datetime | dt.date) -> str:
    """The month of a moment, as YYYY-MM."""
    return f"{moment:%Y-%m}"


def month_span(month: str) -> tuple[dt.datetime, dt.datetime]:
    """The first moment of a month and of the next."""
    start = dt.datetime.strptime(month + "-01", "%Y-%m-%d")
    return start, (start + dt.timedelta(days=32)).replace(day=1)


def months_between(first: str, last: str) -> list[str]:
    """Every month from `first` to `last`, both included."""
    out, month = [], first
    while month <= last:
        out.append(month)
        month = month_of(month_span(month)[1])
    return out


def compute(facts: Facts) -> Figures:
    """Every figure, for each month from the first closed round to the last."""
    months = months_between(facts.closed[0], facts.closed[-1]) if facts.closed else []
    urgency = {c.id: c.urgency for c in facts.cases}
    member = {c.id: c.member for c in facts.cases}
    counts = _counts(facts, member)
    balances = _balances(facts, months)
    idle = _idle(facts.units, months, facts.as_of)
    carried = _carried(facts, months, idle, counts)
    available = _available(facts.units, months, facts.as_of)
    rows = [MemberMonth(
        month=m, member=code, posted=counts["posted"][m, code], placed=counts["placed"][m, code],
        moved=counts["moved"][m, code], sent=counts["sent"][m, code],
        received=counts["received"][m, code], balance=balances[m][code],
        floor=-facts.tolerance, units_pledged=counts["pledged"][m, code],
        units_available=available[m, code],
        idle_units=idle[m, code][0], idle_days=round(idle[m, code][1], 1),
        idle_days_per_unit=round(idle[m, code][1] / idle[m, code][0], 1) if idle[m, code][0]
        else 0.0,
        idle_cost_sek=round(idle[m, code][2]), cost_carried_sek=round(carried[m, code]))
        for m in months for code in facts.members]
    return Figures(network=facts.network, members=facts.members, months=months,
                   closed=facts.closed, tolerance=facts.tolerance, cost_rule=facts.cost_rule,
                   rows=rows, waits=_waits(facts, months, urgency),
                   declines=_declines(facts, months, member))


def _counts(facts: Facts, member: dict[str, str]) -> dict[str, Counter[tuple[str, str]]]:
    counts: dict[str, Counter[tuple[str, str]]] = defaultdict(Counter)
    for case in facts.cases:
        counts["posted"][month_of(case.posted_at), case.member] += 1
    placed = {(p.period, p.case) for p in facts.proposals}
    for period, case_id in placed:
        counts["placed"][period, member[case_id]] += 1
    for p in facts.proposals:
        if p.confirmed_at is not None:
            counts["moved"][month_of(p.confirmed_at), member[p.case]] += 1
    for move in facts.moves:
        if move.period is not None and move.sending is not None:
            counts["sent"][move.period, move.sending] += move.amount
            counts["received"][move.period, move.receiving] += move.amount
    for unit in facts.units:
        if unit.published_at is not None:
            counts["pledged"][month_of(unit.published_at), unit.member] += 1
    return counts


def _balances(facts: Facts, months: list[str]) -> dict[str, dict[str, int]]:
    """Each member's balance at the end of each month: openings, and moves of rounds up to it."""
    out: dict[str, dict[str, int]] = {}
    for month in months:
        totals = dict.fromkeys(facts.members, 0)
        for move in facts.moves:
            if move.period is None or move.period <= month:
                totals[move.receiving] = totals.get(move.receiving, 0) + move.amount
                if move.sending is not None:
                    totals[move.sending] = totals.get(move.sending, 0) - move.amount
        out[month] = totals
    return out


def _in_pool(unit: UnitFact, as_of: dt.datetime) -> tuple[dt.datetime, dt.datetime] | None:
    if unit.published_at is None:
        return None
    return unit.published_at, min(unit.left_at or as_of, as_of)


def _idle(units: Iterable[UnitFact], months: list[str], as_of: dt.datetime
          ) -> defaultdict[tuple[str, str], list[float]]:
    """Per month and member: units idle at some time, idle days and their rent in SEK."""
    idle: defaultdict[tuple[str, str], list[float]] = defaultdict(lambda: [0, 0.0, 0.0])
    known = set(months)
    for unit in units:
        span = _in_pool(unit, as_of)
        if span is None:
            continue
        month = month_of(span[0])
        while month in known or (months and month < months[0]):
            start, end = month_span(month)
            days = (min(end, span[1]) - max(start, span[0])) / DAY
            if month in known and days > 0:
                cell = idle[month, unit.member]
                cell[0] += 1
                cell[1] += days
                cell[2] += days * unit.rent_sek * 12 / 365
            if end >= span[1]:
                break
            month = month_of(end)
    return idle


def _carried(facts: Facts, months: list[str], idle: dict[tuple[str, str], list[float]],
             counts: dict[str, Counter[tuple[str, str]]]) -> dict[tuple[str, str], float]:
    """Who carries each month's idle cost: the pledging member, or all members in proportion
    to the households each moved through the network in the last `USE_MONTHS` months."""
    carried: dict[tuple[str, str], float] = {}
    for i, month in enumerate(months):
        own = {code: idle.get((month, code), [0, 0.0, 0.0])[2] for code in facts.members}
        use = {code: sum(counts["sent"][m, code] for m in months[max(0, i - USE_MONTHS + 1):i + 1])
               for code in facts.members}
        total_use = sum(use.values())
        for code in facts.members:
            if facts.cost_rule == SHARED_BY_USE and total_use:
                carried[month, code] = sum(own.values()) * use[code] / total_use
            else:
                carried[month, code] = own[code]
    return carried


def _available(units: list[UnitFact], months: list[str], as_of: dt.datetime
               ) -> Counter[tuple[str, str]]:
    """Per month and member: units in the pool at the month's end (or now, if sooner)."""
    ends = [(m, min(month_span(m)[1], as_of)) for m in months]
    found: Counter[tuple[str, str]] = Counter()
    for unit in units:
        if unit.published_at is None:
            continue
        for month, end in ends:
            if unit.published_at < end and (unit.left_at is None or unit.left_at >= end):
                found[month, unit.member] += 1
    return found


def _waits(facts: Facts, months: list[str], urgency: dict[str, str]) -> list[Waits]:
    posted = {c.id: c.posted_at for c in facts.cases}
    first: dict[str, dt.datetime] = {}
    for p in facts.proposals:
        if p.case not in first or p.proposed_at < first[p.case]:
            first[p.case] = p.proposed_at
    to_proposal: defaultdict[tuple[str, str], list[float]] = defaultdict(list)
    for case_id, moment in first.items():
        to_proposal[month_of(moment), urgency[case_id]].append((moment - posted[case_id]) / DAY)
    keys = {c.id: c.moved_in_on for c in facts.cases if c.moved_in_on is not None}
    to_move: defaultdict[tuple[str, str], list[float]] = defaultdict(list)
    for p in facts.proposals:
        if p.confirmed_at is not None:  # the day of the keys where the move recorded it
            moved = (dt.datetime.combine(keys[p.case], dt.time()) if p.case in keys
                     else p.confirmed_at)
            to_move[month_of(moved), urgency[p.case]].append((moved - posted[p.case]) / DAY)
    return [Waits(month=m, urgency=u, proposal_n=len(to_proposal[m, u]),
                  proposal_median=_quantile(to_proposal[m, u], 50),
                  proposal_p90=_quantile(to_proposal[m, u], 90), move_n=len(to_move[m, u]),
                  move_median=_quantile(to_move[m, u], 50), move_p90=_quantile(to_move[m, u], 90))
            for m in months for u in URGENCIES]


def _quantile(days: list[float], q: int) -> float | None:
    """A percentile of waits in days, or None below three: one or two waits would be a
    household's own."""
    if len(days) < 3:
        return None
    return round(float(np.percentile(days, q)), 1)


def _declines(facts: Facts, months: list[str], member: dict[str, str]) -> list[DeclineCount]:
    counted = Counter((p.period, member[p.case], p.decline_reason) for p in facts.proposals
                      if p.status == "declined" and p.decline_reason is not None)
    known = set(months)
    return [DeclineCount(month=m, member=code, reason=reason, count=n)
            for (m, code, reason), n in sorted(counted.items()) if m in known]
