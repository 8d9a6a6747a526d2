"""A brute-force oracle for small rounds, sharing no code with the solver.

It enumerates every set of proposals, keeps those that pass every rule (eligibility from the
reference predicates, school capacity by a max flow in networkx, reciprocity by counting), and
returns the lexicographically best tier counts.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import networkx as nx

from exchange.domain import rules as r
from exchange.domain.model import Round

TIERS = ("acute", "high", "normal")


def eligible_units(round_: Round) -> dict[str, list[str]]:
    """For each case id, the ids of the units it may get."""
    rules = round_.network.rules
    return {c.id: [u.id for u in round_.units if r.is_eligible(c, u, round_.schools, rules)]
            for c in round_.cases}


def schools_suffice(round_: Round, pairs: dict[str, str]) -> bool:
    """Whether every child of the placed cases can get a school place within reach."""
    rules = round_.network.rules
    cases = {c.id: c for c in round_.cases}
    units = {u.id: u for u in round_.units}
    graph = nx.DiGraph()
    need = 0
    for case_id, unit_id in pairs.items():
        for i, child in enumerate(cases[case_id].household.children):
            stage = r.needs_school_place(child, rules)
            if stage is None:
                continue
            need += 1
            graph.add_edge("source", (case_id, i), capacity=1)
            for school in round_.schools:
                if r.school_within_reach(school, units[unit_id], stage, rules):
                    graph.add_edge((case_id, i), (school.id, stage), capacity=1)
                    graph.add_edge((school.id, stage), "sink",
                                   capacity=school.free_places[stage])
    if need == 0:
        return True
    if "sink" not in graph:
        return False
    return nx.maximum_flow_value(graph, "source", "sink") == need


def reciprocity_holds(round_: Round, pairs: dict[str, str]) -> bool:
    home = {c.id: c.municipality for c in round_.cases}
    host = {u.id: u.municipality for u in round_.units}
    rules = round_.network.rules
    for member in round_.municipalities:
        received = sum(1 for c, u in pairs.items() if host[u] == member.code != home[c])
        sent = sum(1 for c, u in pairs.items() if home[c] == member.code != host[u])
        floor = r.reciprocity_floor(member.ledger_balance, rules)
        if member.ledger_balance + received - sent < floor:
            return False
    return True


def feasible(round_: Round, pairs: dict[str, str]) -> bool:
    return schools_suffice(round_, pairs) and reciprocity_holds(round_, pairs)


def most_of_tier(round_: Round, tier: int, at_least: tuple[int, ...]) -> int:
    """The most cases of `tier` that any answer keeping every rule places among the answers
    placing at least `at_least[h]` cases of every more urgent tier `h`, by enumeration."""
    best = 0
    for counts in _feasible_counts(round_):
        if all(counts[h] >= at_least[h] for h in range(tier)):
            best = max(best, counts[tier])
    return best


def _feasible_counts(round_: Round) -> set[tuple[int, int, int]]:
    """The tier counts of every answer that keeps every rule."""
    found: set[tuple[int, int, int]] = set()
    for pairs, counts in _answers(round_):
        if counts not in found and feasible(round_, pairs):
            found.add(counts)
    return found


def best_tier_counts(round_: Round, *, schools: bool = True) -> tuple[int, int, int]:
    """The lexicographic optimum of (acute, high, normal) placed, by enumeration; without
    `schools`, school places are not counted (every other rule is)."""
    fits = feasible if schools else reciprocity_holds
    best = (0, 0, 0)
    for pairs, counts in _answers(round_):
        if counts > best and fits(round_, pairs):
            best = counts
    return best


def _answers(round_: Round) -> Iterator[tuple[dict[str, str], tuple[int, int, int]]]:
    """Every assignment of eligible units to cases (a unit to one case at most, a case to one
    unit or none), with its placed count per tier; the rules beyond eligibility unchecked."""
    options = eligible_units(round_)
    case_ids = [c.id for c in round_.cases]
    tier = {c.id: TIERS.index(c.urgency.value) for c in round_.cases}
    for choice in itertools.product(*[[None, *options[c]] for c in case_ids]):
        chosen = [u for u in choice if u is not None]
        if len(chosen) != len(set(chosen)):
            continue
        pairs = {c: u for c, u in zip(case_ids, choice, strict=True) if u is not None}
        counts = [0, 0, 0]
        for c in pairs:
            counts[tier[c]] += 1
        yield pairs, (counts[0], counts[1], counts[2])
