"""The commands on round and result files: validate, solve, check, schema and generate. They
need no database."""

from __future__ import annotations

import json
import time
from collections import Counter
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from exchange.cli.console import err, fail, out, say, shown
from exchange.domain.model import Reason, Result, Round, Urgency
from exchange.domain.verify import violations
from exchange.formats import (
    FileProblems,
    dump,
    load_result,
    load_round,
    result_schema,
    round_schema,
)
from exchange.generate import REGIONS, generate_round
from exchange.history import dump_history, generate_history
from exchange.network_graph import flow_graph, write_graphml
from exchange.solver import SolveParams, SolverFault, solve


class Document(StrEnum):
    ROUND = "round"
    RESULT = "result"


Region = StrEnum("Region", {name: name for name in REGIONS})  # type: ignore[misc]


def read_text(path: Path, what: str) -> str:
    """A file's text, or a refusal saying why it cannot be read."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        fail(f"{path}: no such file; give the path of a {what} file")
    except (IsADirectoryError, PermissionError, UnicodeDecodeError, OSError) as error:
        fail(f"{path}: cannot be read as a {what} file ({error.__class__.__name__})")


def read_round(path: Path) -> Round:
    """A valid round file, or a refusal listing every problem in it."""
    try:
        return load_round(read_text(path, "round"))
    except FileProblems as problems:
        n = len(problems.problems)
        fail(f"{path} is not a valid round file ({n} problem{'s' * (n != 1)}):",
             [str(p) for p in problems.problems])


def validate(round_file: Annotated[Path, typer.Argument(help="The round file (JSON).")]) -> None:
    """Check a round file and report every problem, each with its JSON path."""
    round_ = read_round(round_file)
    say(f"{shown(round_file)}: valid round ", (shown(round_.round.id), "bold"),
        f": {len(round_.municipalities)} members, {len(round_.schools)} schools, "
        f"{len(round_.units)} units, {len(round_.cases)} cases")


def solve_command(
    round_file: Annotated[Path, typer.Argument(help="The round file (JSON).")],
    output: Annotated[Path | None, typer.Option("-o", "--output",
                      help="Where to write the result [default: ROUND.result.json].")] = None,
    time_limit: Annotated[float, typer.Option(
        min=1, help="Seconds for the whole solve (model, completion, reasons, check).")] = 60.0,
    graph: Annotated[Path | None, typer.Option(help="Also write the network graph (GraphML).")]
    = None,
) -> None:
    """Solve a round: propose units, explain the unplaced, write the result file."""
    round_ = read_round(round_file)
    target = output or round_file.with_name(round_file.name.removesuffix(".json") + ".result.json")
    started = time.perf_counter()

    def progress(line: str) -> None:
        say((f"[{time.perf_counter() - started:6.1f} s]", "dim"), " ", shown(line), console=err)

    try:
        result = solve(round_, SolveParams(time_limit=time_limit), progress=progress)
    except SolverFault as fault:
        fail(str(fault))
    try:
        target.write_text(dump(result), encoding="utf-8")
        if graph is not None:
            write_graphml(flow_graph(round_, result), str(graph))
    except OSError as error:
        fail(f"the result cannot be written ({type(error).__name__}); check the folder of "
             f"{target}")
    summary(round_, result)
    say("Result written to ", (shown(target), "bold"),
        *((", network graph to ", (shown(graph), "bold")) if graph else ()))


def check(round_file: Annotated[Path, typer.Argument(help="The round file.")],
          result_file: Annotated[Path, typer.Argument(help="A result file for that round.")]
          ) -> None:
    """Re-check a result against its round, rule by rule, independently of the solver."""
    round_ = read_round(round_file)
    try:
        result = load_result(read_text(result_file, "result"))
    except FileProblems as problems:
        fail(f"{result_file} is not a valid result file:", [str(p) for p in problems.problems])
    broken = violations(round_, result, check_reasons=True)
    if broken:
        fail(f"{result_file} breaks {len(broken)} rule(s):", broken)
    say(f"{shown(result_file)}: every proposal passes every rule; school places, reciprocity "
        "and reasons hold")


def schema(document: Annotated[Document, typer.Argument(help="round or result")]) -> None:
    """Print the JSON Schema of the round file or the result file."""
    chosen = round_schema() if document is Document.ROUND else result_schema()
    print(json.dumps(chosen, indent=2, ensure_ascii=False))


def generate(
    municipalities: Annotated[Region, typer.Option(help="Which members: a named region.")],
    cases: Annotated[int, typer.Option(min=0, max=1_000_000, help="Number of cases.")],
    units: Annotated[int, typer.Option(min=0, max=1_000_000, help="Number of units.")],
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same round.")]
    = 1,
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the round.")]
    = Path("round.json"),
    months: Annotated[int, typer.Option(
        min=0, max=120, help="Also write this many months of closed past rounds to "
        "ROUND.history.json (`exchange load-network ROUND.json --history ...`).")] = 0,
) -> None:
    """Make a synthetic round on real Swedish geography, and optionally its network's past."""
    round_ = generate_round(municipalities.value, cases, units, seed)
    past = output.with_name(output.name.removesuffix(".json") + ".history.json")
    history = generate_history(round_, months, seed) if months else None
    try:
        output.write_text(dump(round_), encoding="utf-8")
        if history is not None:
            past.write_text(dump_history(history), encoding="utf-8")
    except OSError as error:
        fail(f"{output} cannot be written ({type(error).__name__}); check its folder")
    say(f"Wrote {shown(output)}: {len(round_.municipalities)} members, {len(round_.units)} "
        f"units, {len(round_.cases)} cases")
    if history is not None:
        say(f"Wrote {shown(past)}: {len(history.rounds)} closed rounds, {len(history.cases)} "
            f"cases, {len(history.units)} units, {len(history.proposals)} proposals")


def summary(round_: Round, result: Result) -> None:
    """The placements per tier, the unplaced by reason, the ledger and the solve's time."""
    tiers = Counter(case.urgency for case in round_.cases)
    placed = Table(title=f"Round {shown(result.round)}: {result.status.value}")
    for column in ("tier", "placed", "at most", "cases"):
        placed.add_column(column, justify="right" if column != "tier" else "left")
    for tier in Urgency:
        bound = result.solver.parameters.get(f"bound_{tier.value}")
        placed.add_row(tier.value, str(getattr(result.placed, tier.value)),
                       "-" if bound is None else str(bound), str(tiers[tier]))
    out.print(placed)
    if result.status.value == "feasible":
        say("Not proven optimal: 'at most' bounds each tier (school places counted) among "
            "answers placing at least as many cases of every more urgent tier")
    reasons = Counter(item.reason for item in result.unplaced)
    unplaced = Table(title="Unplaced by reason")
    unplaced.add_column("reason")
    unplaced.add_column("cases", justify="right")
    for reason in Reason:
        unplaced.add_row(reason.value, str(reasons[reason]))
    out.print(unplaced)
    names = {m.code: m.name for m in round_.municipalities}
    ledger = Table(title="Ledger")
    for column in ("member", "before", "received", "sent", "after"):
        ledger.add_column(column, justify="left" if column == "member" else "right")
    for line in result.ledger:
        ledger.add_row(f"{shown(names[line.municipality])} ({line.municipality})",
                       str(line.before), str(line.received), str(line.sent), str(line.after))
    out.print(ledger)
    say(f"Solved in {result.solver.seconds:.2f} s "
        f"({result.solver.parameters.get('eligible_pairs')} eligible pairs)")
