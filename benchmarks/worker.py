"""One method on one round, in a process of its own: `python -m benchmarks.worker METHOD ROUND S`.

Each method runs in a fresh process so that its peak memory (the process's maximum resident set,
which counts the solvers' C++ memory too) is its own. The worker prints one JSON line.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.first_come import as_result, first_come
from benchmarks.generic_mip import generic_mip
from exchange.domain.model import Round
from exchange.domain.verify import violations
from exchange.formats import load_round
from exchange.solver import SolveParams, solve
from exchange.solver.eligibility import eligible_pairs
from exchange.solver.instance import build_instance
from exchange.solver.lexicographic import relaxation_bounds
from exchange.solver.solve import secondary_score

METHODS = ("first come", "engine", "generic MIP", "LP bound")


def run(method: str, round_path: Path, time_limit: float) -> dict[str, Any]:
    """Measure `method` on the round in `round_path`; times exclude reading the file."""
    round_ = load_round(round_path.read_text(encoding="utf-8"))
    if method == "engine":
        return _engine(round_, time_limit)
    started = time.perf_counter()
    inst = build_instance(round_)
    pairs = eligible_pairs(inst)
    built = time.perf_counter()
    row: dict[str, Any] = {"pairs": len(pairs), "build_s": built - started}
    if method == "first come":
        result = as_result(inst, first_come(inst, pairs))
        row["placed"] = [result.placed.acute, result.placed.high, result.placed.normal]
        row["solve_s"] = time.perf_counter() - built
        row["broken"] = len(violations(round_, result))
    elif method == "generic MIP":
        mip = generic_mip(inst, pairs, time_limit=time_limit)
        row.update(placed=mip.counts, proven=mip.proven, solve_s=time.perf_counter() - built)
    elif method == "LP bound":
        bounds = relaxation_bounds(inst, pairs, secondary_score(inst, pairs),
                                   time_limit=time_limit)
        row.update(bounds=bounds, solve_s=time.perf_counter() - built)
    else:
        raise ValueError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    return row


def _engine(round_: Round, time_limit: float) -> dict[str, Any]:
    marks: list[float] = []

    def progress(line: str) -> None:
        # The first line comes once the eligible pairs are known: that ends the build.
        marks.append(time.perf_counter())
        print(f"  engine: {line}", file=sys.stderr, flush=True)

    started = time.perf_counter()
    result = solve(round_, SolveParams(time_limit=time_limit), progress=progress)
    finished = time.perf_counter()
    built = marks[0] if marks else started
    return {"placed": [result.placed.acute, result.placed.high, result.placed.normal],
            "proven": result.status.value == "optimal",
            "pairs": result.solver.parameters.get("eligible_pairs"),
            "engine_bounds": [result.solver.parameters.get(f"bound_{tier}")
                              for tier in ("acute", "high", "normal")],
            "build_s": built - started, "solve_s": finished - built, "broken": 0}


def main(argv: list[str]) -> None:
    """Entry point of the worker process."""
    method, round_path, time_limit = argv[0], Path(argv[1]), float(argv[2])
    row = run(method, round_path, time_limit)
    row["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(row))


if __name__ == "__main__":
    main(sys.argv[1:])
