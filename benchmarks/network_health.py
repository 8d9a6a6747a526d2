"""How fast the network's health is: the figures of 290 members over 24 months, and the pledge
plan's simulation of 20 Södertörn rounds. A table, not a timed test.

`python -m benchmarks.network_health [--months 24] [--rounds 20] [--repeat 3]` generates both
histories with fixed seeds (the national one takes about two minutes), loads each into a fresh
SQLite database in a temporary folder, and prints one Markdown row per measurement: the median
of `--repeat` runs, with the target beside it.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from exchange.domain.model import Round
from exchange.generate import generate_round
from exchange.history import generate_history
from exchange.services.database import Database, open_database
from exchange.services.health.figures import compute
from exchange.services.health.forecast import forecast
from exchange.services.health.service import facts_of, plan_for, pool_round, series_of
from exchange.services.health.simulation import simulate
from exchange.services.history_loading import load_history
from exchange.services.loading import load_network
from exchange.settings import Settings

SEED = 2026


def _database(folder: Path, name: str) -> Database:
    settings = Settings(database_url=f"sqlite:///{folder / name}.db")  # its keys beside it
    return open_database(settings, migrate=True, notice=lambda _: None)


def _stored(folder: Path, name: str, round_: Round, months: int) -> tuple[Database, float]:
    """A database holding `round_`'s network and `months` of its past; the seconds it took."""
    started = time.perf_counter()
    history = generate_history(round_, months, SEED)
    database = _database(folder, name)
    with database.unit_of_work() as uow:
        load_network(uow, round_)
    with database.unit_of_work() as uow:
        load_history(uow, history)
    return database, time.perf_counter() - started


def _median(run: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main(argv: list[str]) -> int:
    """Measure, and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    rows = [("measurement", "size", "seconds (median)", "target"), ("---",) * 4]
    with tempfile.TemporaryDirectory(prefix="exchange-health-") as scratch:
        folder = Path(scratch)
        sweden, made = _stored(folder, "sweden", generate_round("sweden", 0, 0, SEED),
                               args.months)
        with sweden.unit_of_work() as uow:
            facts = facts_of(uow, "sweden")
            read, _ = _median(lambda: facts_of(uow, "sweden"), args.repeat)
        size = (f"290 members, {args.months} months: {len(facts.cases):,} cases, "
                f"{len(facts.units):,} units, {len(facts.proposals):,} proposals")
        alone, figures = _median(lambda: compute(facts), args.repeat)
        series = series_of(facts, figures.months)
        ahead, _ = _median(lambda: forecast(series, figures.months), args.repeat)
        rows += [("history made and loaded (not a target)", size, f"{made:.1f}", ""),
                 ("figures: read from the database", size, f"{read:.2f}", ""),
                 ("figures: computed", size, f"{alone:.2f}", ""),
                 ("figures: read and computed", size, f"{read + alone:.2f}", "< 2"),
                 ("forecast, every member and urgency", size, f"{ahead:.2f}", "")]
        sodertorn, _ = _stored(folder, "sodertorn", generate_round("sodertorn", 120, 100, SEED),
                               args.months)
        with sodertorn.unit_of_work() as uow:
            local = facts_of(uow, "sodertorn")
            base = pool_round(uow, local)
            plan = plan_for(uow, "sodertorn")
            lines = forecast(series_of(local, compute(local).months), compute(local).months)
            first = [x for x in lines if x.month == plan.months[0]]
            pledges = {(t.member, t.rooms): t.month for t in plan.targets}
            once, simulated = _median(lambda: simulate(base, first, pledges, args.rounds, SEED,
                                                       "plan", 10.0), 1)
            checked, _ = _median(lambda: plan_for(uow, "sodertorn", rounds=args.rounds), 1)
        where = (f"Södertörn, {len(base.units)} units in the pool, "
                 f"{sum(simulated.drawn.values())} households drawn")
        rows += [(f"plan's simulation of {args.rounds} rounds", where, f"{once:.1f}", "< 60"),
                 ("plan checked by simulation (current pledges, then each step of units per "
                  "household until the rounds agree)", where, f"{checked:.1f}", "")]
    print("\n".join("| " + " | ".join(row) + " |" for row in rows))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
