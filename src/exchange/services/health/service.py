"""The use cases of the network's health: figures, forecast and pledge plan for the coordinator,
the monthly report for the coordinator and the auditor (a read of a report is audited), the
rule for who carries the cost of idle units, and the same for the operator's commands."""

from __future__ import annotations

import re

import numpy as np
from sqlalchemy import select

from exchange.domain.lifecycle import Role, UnitStatus
from exchange.domain.model import ROUND_FORMAT, Municipality, Network, Round, RoundInfo
from exchange.persistence.rows import NetworkRow, SchoolRow, UnitRow, now
from exchange.services.access import Actor, audit, require
from exchange.services.errors import Conflict, FieldProblem, Invalid, NotFound
from exchange.services.health.facts import COST_RULES, Facts, read_facts
from exchange.services.health.figures import FigureModel, Figures, compute, month_of
from exchange.services.health.forecast import (
    HORIZON,
    Backtest,
    Forecast,
    TooLittleHistory,
    backtest,
    forecast,
)
from exchange.services.health.plan import (
    UNITS_PER_HOUSEHOLD,
    PledgePlan,
    balances,
    make_plan,
)
from exchange.services.health.render import to_pdf, to_xlsx
from exchange.services.health.report import build
from exchange.services.health.simulation import simulate
from exchange.services.network import members_of
from exchange.services.records import as_school, as_unit
from exchange.services.unit_of_work import UnitOfWork, use_case

MONTH = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])$")
#: The share of simulated rounds that must place every acute and high household before a plan
#: checked by simulation stops asking for more units per household.
GOAL = 0.8


class CostRule(FigureModel):
    network: str
    idle_cost_rule: str


def facts_of(uow: UnitOfWork, network: str) -> Facts:
    """A network's facts now, or a refusal naming the unknown network."""
    if uow.session.get(NetworkRow, network) is None:
        raise NotFound(f"There is no network {network!r}; give the id of a loaded network.")
    return read_facts(uow, network, now())


def series_of(facts: Facts, months: list[str]) -> dict[tuple[str, str], np.ndarray]:
    """New cases per member and urgency in each of `months`."""
    index = {m: i for i, m in enumerate(months)}
    series = {(m, u): np.zeros(len(months)) for m in facts.members
              for u in ("acute", "high", "normal")}
    for case in facts.cases:
        i = index.get(month_of(case.posted_at))
        if i is not None:
            series[case.member, case.urgency][i] += 1
    return series


def forecast_of(facts: Facts, figures: Figures, until: str | None = None) -> Forecast:
    """The next months' forecast from the months of the history up to `until` (or all)."""
    months = [m for m in figures.months if until is None or m <= until]
    lines = forecast(series_of(facts, months), months)
    return Forecast(network=facts.network, made_from=months[-1] if months else "", lines=lines)


def backtest_of(facts: Facts, figures: Figures) -> Backtest:
    """The forecast's backtest over a network's whole history (docs/network-health.md)."""
    return backtest(series_of(facts, figures.months), figures.months)


@use_case
def network_figures(uow: UnitOfWork, actor: Actor) -> Figures:
    """Every figure per member and month of the coordinator's network."""
    require(uow, actor, "read", "health", Role.COORDINATOR)
    return compute(facts_of(uow, actor.network))


@use_case
def network_forecast(uow: UnitOfWork, actor: Actor) -> Forecast:
    """The forecast of the next three months' new cases per member and urgency."""
    require(uow, actor, "read", "health", Role.COORDINATOR)
    facts = facts_of(uow, actor.network)
    return forecast_of(facts, compute(facts))


@use_case
def network_plan(uow: UnitOfWork, actor: Actor, months: int = HORIZON) -> PledgePlan:
    """Fair-share pledge targets for the next month and the next `months` months."""
    require(uow, actor, "read", "health", Role.COORDINATOR)
    return plan_for(uow, actor.network, months)


@use_case
def plan_for(uow: UnitOfWork, network: str, months: int = HORIZON, rounds: int = 0,
             seed: int = 1, time_limit: float = 5.0) -> PledgePlan:
    """The pledge plan of a network (the operator's command), checked by `rounds` simulated
    rounds with and without its pledges when `rounds` is given."""
    if not 1 <= months <= HORIZON:
        raise Invalid([FieldProblem("months", f"must be 1 to {HORIZON}: the forecast reaches "
                                    f"{HORIZON} months ahead")])
    facts = facts_of(uow, network)
    made = forecast_of(facts, compute(facts))
    plan, month_plan = make_plan(facts, made.lines, months)
    if not rounds:
        return plan
    base = pool_round(uow, facts)
    first = [line for line in made.lines if line.month == plan.months[0]]
    current = simulate(base, first, {}, rounds, seed, "current pledges", time_limit)
    for margin in UNITS_PER_HOUSEHOLD:  # more units per household until the rounds agree
        plan, month_plan = make_plan(facts, made.lines, months, margin)
        checked = simulate(base, first, month_plan.pledge, rounds, seed, "with the plan",
                           time_limit)
        if checked.every_urgent_placed >= GOAL * rounds:
            break
    return plan.model_copy(update={"simulations": [current, checked]})


def pool_round(uow: UnitOfWork, facts: Facts) -> Round:
    """The network as a round file without cases: its members at their balances, its
    schools and the units in its pool now (in memory only, for the simulation)."""
    network = uow.session.get_one(NetworkRow, facts.network)
    codes = list(facts.members)
    current = balances(facts)
    units = uow.session.scalars(select(UnitRow).where(
        UnitRow.municipality_code.in_(codes), UnitRow.status == UnitStatus.AVAILABLE)
        .order_by(UnitRow.id))
    schools = uow.session.scalars(select(SchoolRow).where(
        SchoolRow.municipality_code.in_(codes)).order_by(SchoolRow.id))
    return Round(format=ROUND_FORMAT,
                 round=RoundInfo(id=f"{facts.network}-simulated", date=now().date()),
                 network=Network.model_validate({"id": network.id, "name": network.name,
                                                 "rules": network.rules}, strict=False),
                 municipalities=[Municipality(code=m.code, name=m.name, lat=m.lat, lon=m.lon,
                                              ledger_balance=current[m.code])
                                 for m in members_of(uow, facts.network)],
                 schools=[as_school(s) for s in schools], units=[as_unit(u) for u in units],
                 cases=[])


@use_case
def set_cost_rule(uow: UnitOfWork, actor: Actor, rule: str) -> CostRule:
    """Who carries the rent of idle units: the pledging member, or all by their use."""
    require(uow, actor, "update", "network", Role.COORDINATOR)
    if rule not in COST_RULES:
        raise Invalid([FieldProblem("idle_cost_rule", f"must be one of {', '.join(COST_RULES)}",
                                    "choice")])
    network = uow.session.get_one(NetworkRow, actor.network)
    network.idle_cost_rule = rule
    audit(uow, actor, "update", "network", network.id)
    return CostRule(network=network.id, idle_cost_rule=rule)


def checked_month(figures: Figures, month: str) -> str:
    """`month` when the report can be made for it: within the history, with a closed round."""
    if not MONTH.fullmatch(month):
        raise Invalid([FieldProblem("month", "expected a month as YYYY-MM", "month")])
    if not figures.months or not figures.months[0] <= month <= figures.months[-1]:
        span = f"{figures.months[0]} to {figures.months[-1]}" if figures.months else "none yet"
        raise Conflict(f"month: {month} is outside the network's history (months with closed "
                       f"rounds: {span}).")
    if month not in figures.closed:
        raise Conflict(f"month: {month} has no closed round; a report is made for a month "
                       "whose round is closed.")
    return month


REPORT_KINDS = {"pdf": "application/pdf",
                "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@use_case
def monthly_report(uow: UnitOfWork, actor: Actor | None, network: str, month: str,
                   kind: str) -> bytes:
    """The steering group's report of `month` as a PDF or a workbook, for the network's
    coordinator or auditor (or the operator, without an actor); every read is audited."""
    if actor is not None:
        require(uow, actor, "read", "report", Role.COORDINATOR, Role.AUDITOR)
        network = actor.network
    if kind not in REPORT_KINDS:
        raise Invalid([FieldProblem("format", "must be pdf or xlsx", "choice")])
    facts = facts_of(uow, network)
    figures = compute(facts)
    checked_month(figures, month)
    try:
        made = forecast_of(facts, figures, until=month)
    except TooLittleHistory:
        made = None  # the report says so in words
    plan = plan_for(uow, network) if made is not None and month == figures.closed[-1] else None
    name = uow.session.get_one(NetworkRow, network).name
    report = build(figures, month, made, plan, name)
    audit(uow, actor, "read", "report", f"{network}-{month}", network=network)
    return to_pdf(report) if kind == "pdf" else to_xlsx(report)
