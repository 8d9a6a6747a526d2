"""The benchmark runner on a tiny round: every method runs and the table has a row for each."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from benchmarks.first_come import as_result, first_come
from benchmarks.generic_mip import generic_mip

from exchange.domain.verify import violations
from exchange.generate import generate_round
from exchange.solver import solve
from exchange.solver.eligibility import eligible_pairs
from exchange.solver.instance import build_instance

ROOT = Path(__file__).parents[3]


def test_the_runner_prints_one_row_per_method_for_a_tiny_round():
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--sizes", "sodertorn:12x10", "--time-limit", "30"],
        cwd=ROOT, capture_output=True, text=True, check=True)
    rows = [line for line in done.stdout.splitlines() if line.startswith("| sodertorn 12 x 10")]
    assert [row.split(" | ")[1] for row in rows] == [
        "first come", "engine", "generic MIP", "LP bound"]
    assert not any("failed" in row or "not finished" in row for row in rows)


def test_first_come_keeps_every_rule_and_never_beats_the_engine_lexicographically():
    round_ = generate_round("sodertorn", 60, 50, 7)
    inst = build_instance(round_)
    greedy = as_result(inst, first_come(inst, eligible_pairs(inst)))
    assert violations(round_, greedy) == []
    engine = solve(round_).placed
    ours = (greedy.placed.acute, greedy.placed.high, greedy.placed.normal)
    assert ours <= (engine.acute, engine.high, engine.normal)


def test_the_generic_mip_proves_the_same_tier_counts_as_the_engine():
    round_ = generate_round("sodertorn", 40, 40, 3)
    inst = build_instance(round_)
    mip = generic_mip(inst, eligible_pairs(inst), time_limit=60)
    placed = solve(round_).placed
    assert mip.proven
    assert mip.counts == [placed.acute, placed.high, placed.normal]
