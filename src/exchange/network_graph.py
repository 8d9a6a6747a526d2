"""The network of a result as a directed graph of members: who sent households to whom."""

from __future__ import annotations

from collections import Counter

import networkx as nx

from exchange.domain.model import Result, Round


def flow_graph(round_: Round, result: Result) -> nx.DiGraph:
    """Members as nodes (name, position, ledger before/after); an edge per sending->receiving pair.

    Edge weight is the number of proposals from the sending member's cases into the receiving
    member's units. Placements inside the home municipality are not edges.
    """
    home = {case.id: case.municipality for case in round_.cases}
    host = {unit.id: unit.municipality for unit in round_.units}
    ledger = {line.municipality: line for line in result.ledger}
    graph = nx.DiGraph(round=result.round, network=round_.network.id)
    for member in round_.municipalities:
        line = ledger[member.code]
        graph.add_node(member.code, name=member.name, lat=member.lat, lon=member.lon,
                       ledger_before=line.before, ledger_after=line.after,
                       received=line.received, sent=line.sent)
    moves = Counter((home[p.case], host[p.unit]) for p in result.proposals)
    for (sender, receiver), count in sorted(moves.items()):
        if sender != receiver:
            graph.add_edge(sender, receiver, weight=count)
    return graph


def write_graphml(graph: nx.DiGraph, path: str) -> None:
    """Write the graph as GraphML, readable by networkx, Gephi and yEd."""
    nx.write_graphml(graph, path)
