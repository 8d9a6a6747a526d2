"""The two pictures of the pages, as geometry for SVG templates: the members' ledger balances
against the tolerance, and a round's flows between members on a map.

Only municipality centres are ever drawn; no household's or unit's position enters here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from exchange.services.schemas import Flow, MemberOverview


@dataclass(frozen=True)
class Bar:
    name: str
    balance: int
    y: float
    x: float
    width: float
    below_floor: bool


@dataclass(frozen=True)
class BarChart:
    width: float
    height: float
    zero_x: float
    floor_x: float
    floor: int
    bars: list[Bar]


def ledger_bars(members: list[MemberOverview], width: float = 640, row: float = 28,
                label: float = 150) -> BarChart:
    """Horizontal bars from zero to each balance, with the floor the tolerance allows."""
    floor = members[0].floor if members else 0
    reach = max([abs(m.balance) for m in members] + [abs(floor), 1]) * 1.1
    half = (width - label - 40) / 2
    zero = label + 20 + half

    def x(value: float) -> float:
        return zero + value / reach * half

    bars = [Bar(m.name, m.balance, 10 + i * row, min(x(m.balance), zero),
                abs(x(m.balance) - zero), m.balance < m.floor) for i, m in enumerate(members)]
    return BarChart(width, 20 + len(members) * row, zero, x(floor), floor, bars)


@dataclass(frozen=True)
class Node:
    code: str
    name: str
    x: float
    y: float


@dataclass(frozen=True)
class Arrow:
    sending: str
    receiving: str
    count: int
    x1: float
    y1: float
    x2: float
    y2: float
    cx: float
    cy: float
    stroke: float


@dataclass(frozen=True)
class FlowMap:
    width: float
    height: float
    nodes: list[Node]
    arrows: list[Arrow]


def flow_map(members: list[MemberOverview], flows: list[Flow], width: float = 720,
             height: float = 560, margin: float = 70, radius: float = 9) -> FlowMap:
    """Members at their centres (equirectangular, scaled to fit); an arrow per sending and
    receiving pair, as wide as its count. Two-way pairs are drawn side by side."""
    if not members:
        return FlowMap(width, height, [], [])
    squeeze = math.cos(math.radians(sum(m.lat for m in members) / len(members)))
    xs = [m.lon * squeeze for m in members]
    ys = [-m.lat for m in members]
    spans = (max(max(xs) - min(xs), 1e-6), max(max(ys) - min(ys), 1e-6))
    scale = min((width - 2 * margin) / spans[0], (height - 2 * margin) / spans[1])
    left = (width - spans[0] * scale) / 2  # centred on the free axis
    top = (height - spans[1] * scale) / 2
    nodes = {m.code: Node(m.code, m.name, left + (x - min(xs)) * scale,
                          top + (y - min(ys)) * scale)
             for m, x, y in zip(members, xs, ys, strict=True)}
    widest = max([f.count for f in flows] + [1])
    arrows = [_arrow(nodes[f.sending], nodes[f.receiving], f, 1.5 + 5.5 * f.count / widest, radius)
              for f in flows if f.sending in nodes and f.receiving in nodes
              and f.sending != f.receiving]
    return FlowMap(width, height, list(nodes.values()), arrows)


def _arrow(a: Node, b: Node, flow: Flow, stroke: float, radius: float) -> Arrow:
    """A curve bending to the right of travel, so that A->B and B->A never overlap."""
    dx, dy = b.x - a.x, b.y - a.y
    length = math.hypot(dx, dy) or 1.0
    ux, uy = dx / length, dy / length
    start, end = radius + 2, radius + 2 + 2.5 * stroke  # room for the arrowhead
    x1, y1 = a.x + ux * start, a.y + uy * start
    x2, y2 = b.x - ux * end, b.y - uy * end
    bend = 0.18 * length
    return Arrow(flow.sending, flow.receiving, flow.count, x1, y1, x2, y2,
                 (x1 + x2) / 2 - uy * bend, (y1 + y2) / 2 + ux * bend, stroke)


@dataclass(frozen=True)
class FlowMatrix:
    """Households moved from each sending member (rows) to each receiving one (columns): only
    members with a move, so that it stays readable at 50 members."""

    sending: list[str]
    receiving: list[str]
    counts: dict[tuple[str, str], int]
    sent: dict[str, int]
    received: dict[str, int]


def flow_matrix(flows: list[Flow]) -> FlowMatrix:
    counts = {(f.sending, f.receiving): f.count for f in flows if f.sending != f.receiving}
    sent: dict[str, int] = {}
    received: dict[str, int] = {}
    for (fro, to), n in counts.items():
        sent[fro] = sent.get(fro, 0) + n
        received[to] = received.get(to, 0) + n
    return FlowMatrix(sorted(sent), sorted(received), counts, sent, received)
