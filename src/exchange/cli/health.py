"""The network's health for the operator: the pledge plan, and the steering group's monthly
report as a PDF or a workbook."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from exchange.cli.console import fail, out, say, shown
from exchange.cli.service import database

if TYPE_CHECKING:
    from exchange.services.health.plan import PledgePlan

# The health services are imported in the commands that use them: they load statsmodels, SciPy's
# statistics and CP-SAT, over a second that no other command (`exchange solve`) should wait for.


def plan_command(
    network: Annotated[str, typer.Argument(help="The network's id.")],
    months: Annotated[int, typer.Option(min=1, max=3, help="Months ahead for the longer "
                                        "target (the quarter: 3).")] = 3,
    rounds: Annotated[int, typer.Option(min=0, max=200, help="Simulated rounds that check the "
                                        "plan with the engine (0: none).")] = 20,
    seed: Annotated[int, typer.Option(help="Seed of the simulated rounds.")] = 1,
    time_limit: Annotated[float, typer.Option(min=1, help="Seconds per simulated solve.")] = 10,
) -> None:
    """Fair-share pledge targets per member for the next month and the next months, from the
    forecast, checked by simulated rounds."""
    from exchange.services.health.service import plan_for

    with database().unit_of_work() as uow:
        plan = plan_for(uow, network, months, rounds, seed, time_limit)
    _targets(plan)
    for simulated in plan.simulations:
        shares = ", ".join(f"{u} {100 * s:.0f} %" for u, s in simulated.placed_share.items())
        say(f"Simulated {simulated.rounds} rounds, {simulated.scenario}: placed {shares}; every "
            f"acute and high household placed in {simulated.every_urgent_placed} of "
            f"{simulated.rounds}; balances " + ", ".join(
                f"{m} {low}..{high}" for m, (low, high) in sorted(
                    simulated.balance_range.items())))


def _targets(plan: PledgePlan) -> None:
    sums: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    sizes: dict[str, list[str]] = defaultdict(list)
    for t in plan.targets:
        for i, value in enumerate((t.available, t.pledged_last_month, t.month, t.quarter)):
            sums[t.member][i] += value
        if t.quarter or t.month:
            sizes[t.member].append(f"{t.rooms} rooms: {t.month}/{t.quarter}")
    table = Table(title=f"Pledge plan for {shown(plan.network)}, {plan.months[0]} to "
                  f"{plan.months[-1]} (from the forecast, {plan.units_per_household:g} units "
                  f"per expected acute or high household; {plan.status})")
    for column in ("member", "in the pool", "pledged last month", "next month",
                   f"next {len(plan.months)} months", "by size (month/longer)"):
        table.add_column(column, justify="left" if column.startswith(("member", "by")) else
                         "right")
    for member, (pool, last, month, longer) in sums.items():
        table.add_row(member, str(pool), str(last), str(month), str(longer),
                      "; ".join(sizes[member]))
    out.print(table)
    if plan.unmet_month or plan.unmet_quarter:
        say(f"Households the balances leave without a unit: {plan.unmet_month} next month, "
            f"{plan.unmet_quarter} over {len(plan.months)} months.")


def report_command(
    network: Annotated[str, typer.Argument(help="The network's id.")],
    month: Annotated[str, typer.Option(help="The month, as YYYY-MM; its round must be closed.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="FILE.pdf or FILE.xlsx.")],
) -> None:
    """The steering group's monthly report: a PDF in Swedish with its charts, or a workbook with
    a sheet per table. Counts only; the read is audited."""
    from exchange.services.health.service import REPORT_KINDS, monthly_report

    kind = output.suffix.lower().lstrip(".")
    if kind not in REPORT_KINDS:
        fail(f"{output}: name a .pdf or an .xlsx file")
    with database().unit_of_work() as uow:
        made = monthly_report(uow, None, network, month, kind)
    try:
        output.write_bytes(made)
    except OSError as error:
        fail(f"{output} cannot be written ({type(error).__name__}); check its folder")
    say(f"Wrote the report of {shown(month)} for {shown(network)} to {shown(output)}.")
