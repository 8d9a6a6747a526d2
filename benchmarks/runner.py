"""Generate each round once, run every method on it in its own process, print one table.

Each method gets a time limit; a worker that outlives it twice over (plus a minute for
loading) is stopped and reported as not finished, so the run never hangs.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.sizes import SEED, SIZES, Size, parse_size
from benchmarks.table import render
from benchmarks.worker import METHODS
from exchange.formats.files import dump
from exchange.generate import generate_round


def main(argv: list[str]) -> int:
    """Parse the options, run the benchmark and print the table."""
    args = _parser().parse_args(argv)
    sizes = [parse_size(s) for s in (args.sizes or (["sodertorn"] if args.quick else SIZES))]
    limit = args.time_limit or (30.0 if args.quick else 120.0)
    rows = []
    with tempfile.TemporaryDirectory(prefix="exchange-bench-") as scratch:
        for size in sizes:
            path = _write_round(size, Path(scratch))
            rows += [_measure(size, method, path, limit) for method in args.methods]
            if args.json:
                args.json.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    print(render(rows))
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true",
                        help="the smallest size only (Södertörn 300 x 300), 30 s per method")
    parser.add_argument("--sizes", nargs="+", metavar="SIZE",
                        help=f"any of {', '.join(SIZES)}, or REGION:CASESxUNITS")
    parser.add_argument("--methods", nargs="+", choices=METHODS, default=list(METHODS),
                        metavar="METHOD", help=f"any of: {', '.join(METHODS)}")
    parser.add_argument("--json", type=Path, metavar="FILE",
                        help="also write the measurements there, after each round")
    parser.add_argument("--time-limit", type=float, metavar="S",
                        help="seconds per method and size (default 120, or 30 with --quick)")
    return parser


def _write_round(size: Size, scratch: Path) -> Path:
    _say(f"{size.label}: generating the round (seed {SEED})")
    round_ = generate_round(size.region, size.cases, size.units, SEED)
    path = scratch / f"{size.region}-{size.cases}x{size.units}.json"
    path.write_text(dump(round_), encoding="utf-8")
    return path


def _measure(size: Size, method: str, path: Path, limit: float) -> dict[str, Any]:
    _say(f"{size.label}: {method} (limit {limit:g} s)")
    row: dict[str, Any] = {"size": size.label, "method": method}
    started = time.perf_counter()
    try:
        done = subprocess.run([sys.executable, "-m", "benchmarks.worker", method, str(path),
                               str(limit)], stdout=subprocess.PIPE, text=True,
                              timeout=2 * limit + 60)
    except subprocess.TimeoutExpired:
        return {**row, "note": f"not finished in {time.perf_counter() - started:.0f} s"}
    if done.returncode != 0:
        return {**row, "note": f"failed (exit status {done.returncode}; see the log above)"}
    row.update(json.loads(done.stdout.strip().splitlines()[-1]))
    _say(f"  {row}")
    return row


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)
