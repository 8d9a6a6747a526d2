"""Months of closed rounds for a network, made up with a fixed seed, so that the network's health
can be shown and tested at any size (`exchange generate ... --months N`, `exchange load-sample`).

The model (docs/network-health.md, "The sample's history"), per member and month:

- new cases: Poisson around `CASES_PER_100K` per 100,000 inhabitants, times a season that
  peaks in August and is lowest in February (+-30 %); a fifth acute, a third high;
- new units: Poisson around the member's own need times `UNITS_PER_CASE` and a generosity
  drawn once per member (0.5 to 1.5), so that some members give more than they take;
- a round early in each month places open cases most urgent first, longest waiting first, each
  in the first unit of another member that passes rules 1-4 (schools of the unit's municipality)
  and keeps the sender above its reciprocity floor;
- answers: most accept, about a fifth decline (a reason from the fixed list), a few never answer;
  a few accepted contracts fall through; whatever is not confirmed by the close expires;
- lapses: an open case is withdrawn with `CASE_LAPSE` a month, an unlet unit with `UNIT_LAPSE`.

Pure: the same round, months and seed give the same history. The history ends the month before
the round's date; cases and units it leaves open are part of the network's present.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass, field
from typing import Final, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from exchange.data import localities
from exchange.domain.model import Case, Id, Round, School, Unit, Urgency
from exchange.domain.rules import has_school_reach, is_safe, landlord_accepts, reciprocity_floor
from exchange.formats import FileProblems, Problem, describe
from exchange.generate import case_data, population, unit_data

HISTORY_FORMAT: Final = "exchange-history/1"
CASES_PER_100K = 4.5
UNITS_PER_CASE = 0.85
CASE_LAPSE, UNIT_LAPSE = 0.06, 0.06
ANSWERS = {"accepted": 0.72, "declined": 0.21, "silent": 0.07}
FALLS_THROUGH = 0.05
#: How often each reason is given when a household declines (words of `DeclineReason`).
DECLINE_REASONS = {"location": 0.30, "unit_does_not_suit": 0.25, "school": 0.15,
                   "safety_concern": 0.10, "household_changed": 0.10, "other": 0.10}
URGENCY_SHARES = {Urgency.ACUTE: 0.2, Urgency.HIGH: 0.33, Urgency.NORMAL: 0.47}
_TIER = {Urgency.ACUTE: 0, Urgency.HIGH: 1, Urgency.NORMAL: 2}
_MAX_TRIES = 60  # units tried per case and round; enough in a regional pool, bounded nationally


class _Entry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class PastCase(_Entry):
    case: Case
    posted_at: dt.datetime
    withdrawn_at: dt.datetime | None = None


class PastUnit(_Entry):
    unit: Unit
    published_at: dt.datetime
    withdrawn_at: dt.datetime | None = None


class PastRound(_Entry):
    period: str = Field(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$")
    opened_at: dt.datetime
    solved_at: dt.datetime
    published_at: dt.datetime
    closed_at: dt.datetime


class PastProposal(_Entry):
    period: str = Field(description="The period of the round that made it.")
    case: Id
    unit: Id
    status: Literal["confirmed", "declined", "expired"]
    decline_reason: str | None = None
    answered_at: dt.datetime | None = None
    confirmed_at: dt.datetime | None = None


class History(_Entry):
    """A history file: a network's closed rounds and what passed through them."""

    format: Literal["exchange-history/1"]
    network: Id
    rounds: list[PastRound]
    cases: list[PastCase]
    units: list[PastUnit]
    proposals: list[PastProposal]


def load_history(text: str) -> History:
    """Parse and validate a history file; `FileProblems` lists everything wrong."""
    try:
        return History.model_validate_json(text)
    except ValidationError as error:
        raise FileProblems([describe(e, echo=False) for e in error.errors()]) from None
    except RecursionError:
        raise FileProblems([Problem("file", "is JSON nested too deeply")]) from None


def dump_history(history: History) -> str:
    """A history as JSON text (one line: a national history is tens of megabytes)."""
    return history.model_dump_json() + "\n"


def season(month: int) -> float:
    """The share of a month's need against the year's mean: highest in August."""
    return 1 + 0.3 * math.cos(2 * math.pi * (month - 8) / 12)


def months_before(day: dt.date, months: int) -> list[dt.date]:
    """The first days of the `months` months before `day`'s month, oldest first."""
    first = day.replace(day=1)
    out = []
    for _ in range(months):
        first = (first - dt.timedelta(days=1)).replace(day=1)
        out.append(first)
    return out[::-1]


@dataclass
class _Waiting:
    past: PastCase
    declined: set[str] = field(default_factory=set)


@dataclass
class _World:
    """The state the months pass through."""

    round_: Round
    rng: np.random.Generator
    generosity: dict[str, float]
    balance: dict[str, int]
    cases: list[_Waiting] = field(default_factory=list)
    units: dict[str, PastUnit] = field(default_factory=dict)
    let: set[str] = field(default_factory=set)
    housed: set[str] = field(default_factory=set)
    proposals: list[PastProposal] = field(default_factory=list)
    rounds: list[PastRound] = field(default_factory=list)
    counter: int = 0


def generate_history(round_: Round, months: int, seed: int) -> History:
    """`months` closed rounds of `round_`'s network, ending the month before its date."""
    rng = np.random.default_rng([seed, months])
    codes = [m.code for m in round_.municipalities]
    world = _World(round_, rng, {c: float(rng.uniform(0.6, 1.4)) for c in codes},
                   {m.code: m.ledger_balance for m in round_.municipalities})
    firsts = months_before(round_.round.date, months + 1)
    _arrive(world, firsts[0])  # the backlog the first round meets
    for first in firsts[1:]:
        _arrive(world, first)
        _run_round(world, first)
        _lapse(world, first)
    return History(format=HISTORY_FORMAT, network=round_.network.id, rounds=world.rounds,
                   cases=[w.past for w in world.cases], units=list(world.units.values()),
                   proposals=world.proposals)


def _at(first: dt.date, days: float) -> dt.datetime:
    moment = dt.datetime.combine(first, dt.time()) + dt.timedelta(days=days)
    return moment.replace(microsecond=0)


def _arrive(world: _World, first: dt.date) -> None:
    """The month's new cases and units, at random moments of the month."""
    codes = [m.code for m in world.round_.municipalities]
    rng = world.rng
    for code in codes:
        need = CASES_PER_100K * population(code) / 100_000 * season(first.month)
        towns = localities()[code]
        for _ in range(int(rng.poisson(need))):
            world.counter += 1
            posted = _at(first, rng.uniform(0, 28))
            data = case_data(world.counter, towns[int(rng.integers(len(towns)))], codes, rng,
                             posted.date())
            data["id"] = f"hc-{world.counter:06d}"  # apart from any round file's ids
            data["urgency"] = str(rng.choice(list(URGENCY_SHARES),
                                             p=list(URGENCY_SHARES.values())))
            data["waiting_since"] = (posted.date() - dt.timedelta(
                days=int(rng.integers(0, 60)))).isoformat()
            case = Case.model_validate_json(json.dumps(data))
            world.cases.append(_Waiting(PastCase(case=case, posted_at=posted)))
        for _ in range(int(rng.poisson(need * UNITS_PER_CASE * world.generosity[code]))):
            world.counter += 1
            published = _at(first, rng.uniform(0, 28))
            data = unit_data(world.counter, towns[int(rng.integers(len(towns)))], rng,
                             published.date())
            data["id"] = f"hu-{world.counter:06d}"
            world.units[data["id"]] = PastUnit(unit=Unit.model_validate_json(json.dumps(data)),
                                               published_at=published)


def _run_round(world: _World, first: dt.date) -> None:
    rng = world.rng
    times = PastRound(period=f"{first:%Y-%m}", opened_at=_at(first, 1.375),
                      solved_at=_at(first, 2.42 + rng.uniform(0, 0.05)),
                      published_at=_at(first, 2.6), closed_at=_at(first, 27.6))
    world.rounds.append(times)
    pairs = _match(world, times.solved_at)
    for waiting, unit in pairs:
        world.proposals.append(_answer(world, waiting, unit, times))


def _open_cases(world: _World, moment: dt.datetime) -> list[_Waiting]:
    return sorted((w for w in world.cases if w.past.posted_at <= moment
                   and w.past.withdrawn_at is None and w.past.case.id not in world.housed),
                  key=lambda w: (_TIER[w.past.case.urgency], w.past.posted_at))


def _free_units(world: _World, moment: dt.datetime) -> dict[int, list[Unit]]:
    by_rooms: dict[int, list[Unit]] = {}
    for past in world.units.values():
        if past.published_at <= moment and past.withdrawn_at is None \
                and past.unit.id not in world.let:
            by_rooms.setdefault(past.unit.rooms, []).append(past.unit)
    return by_rooms


def _match(world: _World, moment: dt.datetime) -> list[tuple[_Waiting, Unit]]:
    """Most urgent first, longest waiting first: the first eligible unit of another member."""
    rules = world.round_.network.rules
    schools: dict[str, list[School]] = {}
    for school in world.round_.schools:
        schools.setdefault(school.municipality, []).append(school)
    floor = {code: reciprocity_floor(b, rules) for code, b in world.balance.items()}
    after = dict(world.balance)
    free = _free_units(world, moment)
    taken: set[str] = set()
    pairs = []
    for waiting in _open_cases(world, moment):
        case = waiting.past.case
        if after[case.municipality] - 1 < floor[case.municipality]:
            continue
        unit = _first_fit(world, waiting, free, taken, schools)
        if unit is not None:
            taken.add(unit.id)
            after[case.municipality] -= 1
            after[unit.municipality] += 1
            pairs.append((waiting, unit))
    return pairs


def _first_fit(world: _World, waiting: _Waiting, free: dict[int, list[Unit]], taken: set[str],
               schools: dict[str, list[School]]) -> Unit | None:
    case, rules = waiting.past.case, world.round_.network.rules
    tried = 0
    for rooms in range(case.rooms_min, case.rooms_max + 1):
        for unit in free.get(rooms, []):
            if unit.id in taken or unit.id in waiting.declined or unit.rent_sek > \
                    case.max_rent_sek or (case.needs.step_free and not unit.step_free):
                continue
            tried += 1
            if tried > _MAX_TRIES:
                return None
            if landlord_accepts(case, unit) and is_safe(case, unit, rules) and \
                    has_school_reach(case, unit, schools.get(unit.municipality, []), rules):
                return unit
    return None


def _answer(world: _World, waiting: _Waiting, unit: Unit, times: PastRound) -> PastProposal:
    """How the household answered, and whether the contract was signed before the close."""
    rng = world.rng
    answer = str(rng.choice(list(ANSWERS), p=list(ANSWERS.values())))
    answered = times.published_at + dt.timedelta(days=float(rng.uniform(1, 10)))
    base = {"period": times.period, "case": waiting.past.case.id, "unit": unit.id}
    if answer == "declined":
        waiting.declined.add(unit.id)
        reason = str(rng.choice(list(DECLINE_REASONS), p=list(DECLINE_REASONS.values())))
        return PastProposal(**base, status="declined", decline_reason=reason,
                            answered_at=answered.replace(microsecond=0))
    if answer == "silent" or rng.random() < FALLS_THROUGH:
        return PastProposal(**base, status="expired", answered_at=times.closed_at)
    confirmed = answered + dt.timedelta(days=float(rng.uniform(2, 14)))
    world.housed.add(waiting.past.case.id)
    world.let.add(unit.id)
    world.balance[unit.municipality] += 1
    world.balance[waiting.past.case.municipality] -= 1
    return PastProposal(**base, status="confirmed", answered_at=answered.replace(microsecond=0),
                        confirmed_at=confirmed.replace(microsecond=0))


def _lapse(world: _World, first: dt.date) -> None:
    """After the close: some open cases are withdrawn, some unlet units taken back."""
    rng = world.rng
    end = _at(first, 28)
    for waiting in world.cases:
        past = waiting.past
        if past.posted_at < end and past.withdrawn_at is None and \
                past.case.id not in world.housed and rng.random() < CASE_LAPSE:
            waiting.past = past.model_copy(update={"withdrawn_at": _at(first, 28.5)})
    for unit_id, pledged in world.units.items():
        if pledged.published_at < end and pledged.withdrawn_at is None and \
                unit_id not in world.let and rng.random() < UNIT_LAPSE:
            world.units[unit_id] = pledged.model_copy(update={"withdrawn_at": _at(first, 28.5)})
