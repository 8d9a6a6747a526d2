"""The `exchange` command: validate, solve, check, generate and describe round files."""

from __future__ import annotations

import json
import time
from collections import Counter
from enum import StrEnum
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from exchange import data_commands, service_commands
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
from exchange.network_graph import flow_graph, write_graphml
from exchange.solver import SolveParams, SolverFault, solve

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Housing exchange: safe homes in other municipalities.")
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

INVALID = 2


class Document(StrEnum):
    ROUND = "round"
    RESULT = "result"


Region = StrEnum("Region", {name: name for name in REGIONS})  # type: ignore[misc]


def _read(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        _fail(f"{path}: no such file; give the path of a {what} file")
    except (IsADirectoryError, PermissionError, UnicodeDecodeError) as error:
        _fail(f"{path}: cannot be read as a {what} file ({error.__class__.__name__})")


def _fail(message: str, problems: list[str] | None = None) -> NoReturn:
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    for problem in problems or []:
        err.print(f"  {problem}", highlight=False, markup=False)
    raise typer.Exit(INVALID)


def _round(path: Path) -> Round:
    try:
        return load_round(_read(path, "round"))
    except FileProblems as problems:
        n = len(problems.problems)
        _fail(f"{path} is not a valid round file ({n} problem{'s' * (n != 1)}):",
              [str(p) for p in problems.problems])


@app.command()
def validate(round_file: Annotated[Path, typer.Argument(help="The round file (JSON).")]) -> None:
    """Check a round file and report every problem, each with its JSON path."""
    round_ = _round(round_file)
    out.print(f"{round_file}: valid round [bold]{round_.round.id}[/]: "
              f"{len(round_.municipalities)} members, {len(round_.schools)} schools, "
              f"{len(round_.units)} units, {len(round_.cases)} cases", highlight=False)


@app.command("solve")
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
    round_ = _round(round_file)
    target = output or round_file.with_name(round_file.name.removesuffix(".json") + ".result.json")
    started = time.perf_counter()

    def progress(line: str) -> None:
        err.print(f"[dim][{time.perf_counter() - started:6.1f} s][/] {line}", highlight=False)

    try:
        result = solve(round_, SolveParams(time_limit=time_limit), progress=progress)
    except SolverFault as fault:
        _fail(str(fault))
    target.write_text(dump(result), encoding="utf-8")
    if graph is not None:
        write_graphml(flow_graph(round_, result), str(graph))
    _summary(round_, result)
    out.print(f"Result written to [bold]{target}[/]" +
              (f", network graph to [bold]{graph}[/]" if graph else ""), highlight=False)


@app.command()
def check(round_file: Annotated[Path, typer.Argument(help="The round file.")],
          result_file: Annotated[Path, typer.Argument(help="A result file for that round.")]
          ) -> None:
    """Re-check a result against its round, rule by rule, independently of the solver."""
    round_ = _round(round_file)
    try:
        result = load_result(_read(result_file, "result"))
    except FileProblems as problems:
        _fail(f"{result_file} is not a valid result file:", [str(p) for p in problems.problems])
    broken = violations(round_, result, check_reasons=True)
    if broken:
        _fail(f"{result_file} breaks {len(broken)} rule(s):", broken)
    out.print(f"{result_file}: every proposal passes every rule; "
              "school places, reciprocity and reasons hold", highlight=False)


@app.command()
def schema(document: Annotated[Document, typer.Argument(help="round or result")]) -> None:
    """Print the JSON Schema of the round file or the result file."""
    chosen = round_schema() if document is Document.ROUND else result_schema()
    print(json.dumps(chosen, indent=2, ensure_ascii=False))


@app.command()
def generate(
    municipalities: Annotated[Region, typer.Option(help="Which members: a named region.")],
    cases: Annotated[int, typer.Option(min=0, help="Number of cases.")],
    units: Annotated[int, typer.Option(min=0, help="Number of units.")],
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same round.")]
    = 1,
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the round.")]
    = Path("round.json"),
) -> None:
    """Make a synthetic round on real Swedish geography."""
    round_ = generate_round(municipalities.value, cases, units, seed)
    output.write_text(dump(round_), encoding="utf-8")
    out.print(f"Wrote {output}: {len(round_.municipalities)} members, {len(round_.units)} units, "
              f"{len(round_.cases)} cases", highlight=False)


def _summary(round_: Round, result: Result) -> None:
    tiers = Counter(case.urgency for case in round_.cases)
    placed = Table(title=f"Round {result.round}: {result.status.value}")
    for column in ("tier", "placed", "cases"):
        placed.add_column(column, justify="right" if column != "tier" else "left")
    for tier in Urgency:
        placed.add_row(tier.value, str(getattr(result.placed, tier.value)), str(tiers[tier]))
    out.print(placed)
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
        ledger.add_row(f"{names[line.municipality]} ({line.municipality})", str(line.before),
                       str(line.received), str(line.sent), str(line.after))
    out.print(ledger)
    out.print(f"Solved in {result.solver.seconds:.2f} s "
              f"({result.solver.parameters.get('eligible_pairs')} eligible pairs)")


app.add_typer(service_commands.db, name="db")
app.add_typer(service_commands.user, name="user")
app.add_typer(service_commands.round_, name="round")
app.add_typer(service_commands.audit, name="audit")
app.command("serve")(service_commands.serve)
app.command("load-sample")(service_commands.load_sample)
app.command("load-network")(service_commands.load_network_file)
app.add_typer(data_commands.keys, name="keys")
app.command("purge")(data_commands.purge_command)
app.command("export")(data_commands.export_command)
app.command("import")(data_commands.import_command)
