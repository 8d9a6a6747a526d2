"""An independent re-check of a result against its round, rule by rule.

It shares no code with the solver: every distance comes from `geopy`, every rule from
`exchange.domain.rules`. `exchange solve` runs it on its own output before writing anything, and
the tests run it on every result they produce.
"""

from __future__ import annotations

from collections import Counter

from exchange.domain import rules as r
from exchange.domain.model import Case, Proposal, Reason, Result, Round, School, Stage, Unit


def violations(round_: Round, result: Result, *, check_reasons: bool = False) -> list[str]:
    """Every way in which `result` breaks a rule of `round_`; empty when it breaks none.

    Parameters
    ----------
    check_reasons
        Also re-derive each unplaced case's reason. This looks at every case and unit pair
        with `geopy`, so it is meant for tests and small rounds.
    """
    cases = {case.id: case for case in round_.cases}
    units = {unit.id: unit for unit in round_.units}
    schools = {school.id: school for school in round_.schools}
    found: list[str] = []
    found += _check_coverage(round_, result)
    school_load: Counter[tuple[str, Stage]] = Counter()
    for proposal in result.proposals:
        case, unit = cases.get(proposal.case), units.get(proposal.unit)
        if case is None or unit is None:
            found.append(f"proposal {proposal.case}->{proposal.unit}: unknown case or unit")
            continue
        found += _check_pair(round_, case, unit, _named_first(round_, schools, proposal))
        found += _check_schools(round_, schools, case, unit, proposal, school_load)
    for (school_id, stage), load in sorted(school_load.items()):
        free = schools[school_id].free_places.get(stage, 0)
        if load > free:
            found.append(f"school {school_id}: {load} children in {stage}, {free} free places")
    found += _check_ledger(round_, result)
    if check_reasons:
        found += _check_reasons(round_, result)
    return found


def _check_coverage(round_: Round, result: Result) -> list[str]:
    found = []
    listed = Counter([p.case for p in result.proposals] + [u.case for u in result.unplaced])
    for case in round_.cases:
        if listed[case.id] != 1:
            found.append(f"case {case.id}: listed {listed[case.id]} times, expected once")
    for unit_id, n in Counter(p.unit for p in result.proposals).items():
        if n > 1:
            found.append(f"unit {unit_id}: proposed {n} times")
    tiers = {case.id: case.urgency.value for case in round_.cases}
    placed = Counter(tiers.get(p.case) for p in result.proposals)
    for tier in ("acute", "high", "normal"):
        reported = getattr(result.placed, tier)
        if reported != placed[tier]:
            found.append(f"placed.{tier}: reported {reported}, is {placed[tier]}")
    return found


def _named_first(round_: Round, schools: dict[str, School], proposal: Proposal) -> list[School]:
    """All schools, those the proposal names first (repeated, which changes nothing): the same
    rule, in an order that usually stops at the first school (a national round has thousands)."""
    return [schools[p.school] for p in proposal.schools if p.school in schools] + round_.schools


def _check_pair(round_: Round, case: Case, unit: Unit, schools: list[School]) -> list[str]:
    rules, where = round_.network.rules, f"proposal {case.id}->{unit.id}"
    found = []
    for rule in r.broken_rules(case, unit, schools, rules):
        found.append(f"{where}: {rule.broken}")
    return found


def _check_schools(round_: Round, schools: dict[str, School], case: Case, unit: Unit,
                   proposal: Proposal, school_load: Counter[tuple[str, Stage]]
                   ) -> list[str]:
    rules, where = round_.network.rules, f"proposal {case.id}->{unit.id}"
    expected = {
        i
        for i, child in enumerate(case.household.children)
        if child.keep_school is not None or r.needs_school_place(child, rules) is not None
    }
    seen = Counter(place.child for place in proposal.schools)
    if set(seen) != expected or any(n > 1 for n in seen.values()):
        return [f"{where}: school places listed for children {sorted(seen)}, "
                f"expected {sorted(expected)}"]
    found = []
    for place in proposal.schools:
        child = case.household.children[place.child]
        if child.keep_school is not None:
            if place.school is not None:
                found.append(f"{where}: child {place.child} keeps its school, not {place.school}")
            continue
        stage = r.needs_school_place(child, rules)
        school = schools.get(place.school or "")
        if stage is None or school is None or place.stage != stage:
            found.append(f"{where}: child {place.child} has no valid school for stage {stage}")
        elif not r.school_within_reach(school, unit, stage, rules):
            found.append(f"{where}: school {school.id} is out of reach for child {place.child}")
        else:
            school_load[(school.id, stage)] += 1
    return found


def _check_ledger(round_: Round, result: Result) -> list[str]:
    cases = {case.id: case for case in round_.cases}
    units = {unit.id: unit for unit in round_.units}
    received: Counter[str] = Counter()
    sent: Counter[str] = Counter()
    for p in result.proposals:
        if p.case in cases and p.unit in units:
            home, host = cases[p.case].municipality, units[p.unit].municipality
            if home != host:
                received[host] += 1
                sent[home] += 1
    lines = {line.municipality: line for line in result.ledger}
    found = []
    for m in round_.municipalities:
        after = m.ledger_balance + received[m.code] - sent[m.code]
        line = lines.get(m.code)
        if line is None or (line.before, line.received, line.sent, line.after) != (
            m.ledger_balance, received[m.code], sent[m.code], after
        ):
            found.append(f"ledger {m.code}: reported line does not match the proposals")
        if after < r.reciprocity_floor(m.ledger_balance, round_.network.rules):
            found.append(f"ledger {m.code}: ends at {after}, below its reciprocity floor")
    return found


def _check_reasons(round_: Round, result: Result) -> list[str]:
    rules, schools = round_.network.rules, round_.schools
    cases = {case.id: case for case in round_.cases}
    found = []
    for item in result.unplaced:
        case = cases.get(item.case)
        if case is None:
            continue
        expected = {Reason.RECIPROCITY_LIMIT, Reason.OUTRANKED}
        passing = round_.units
        for rule in r.PAIR_RULES:  # the first rule no unit passes names the reason
            passing = [u for u in passing if rule.holds(case, u, schools, rules)]
            if not passing:
                expected = {rule.reason}
                break
        if item.reason not in expected:
            found.append(f"unplaced {case.id}: reason {item.reason}, expected one of {expected}")
    return found
