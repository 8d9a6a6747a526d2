"""The `exchange` command run as a subprocess, as a coordinator would run it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import networkx as nx

from tests.builders import varied

SAMPLE = Path(__file__).parents[2] / "sample_networks" / "sodertorn" / "round-2026-12.json"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "exchange", *args], capture_output=True,
                          text=True, timeout=300, check=False)


def test_solve_writes_a_result_that_check_accepts_and_a_graph(tmp_path):
    result, graph = tmp_path / "result.json", tmp_path / "flows.graphml"
    done = run("solve", str(SAMPLE), "-o", str(result), "--graph", str(graph))
    assert done.returncode == 0, done.stderr
    assert "acute" in done.stdout and "Ledger" in done.stdout and "Botkyrka (0127)" in done.stdout
    assert "proven" in done.stderr
    written = json.loads(result.read_text())
    assert written["format"] == "exchange-result/1" and written["status"] == "optimal"
    checked = run("check", str(SAMPLE), str(result))
    assert checked.returncode == 0, checked.stderr
    flows = nx.read_graphml(graph)
    assert set(flows.nodes) == {m["code"] for m in json.loads(SAMPLE.read_text())["municipalities"]}
    moved = sum(w for _, _, w in flows.edges(data="weight"))
    home = sum(1 for p in written["proposals"] if p["case"][:4] == p["unit"][2:6])
    assert moved == len(written["proposals"]) - home


def test_validate_reports_every_problem_with_exit_status_2_and_no_traceback(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(varied(**{"units.0.rent_sek": "cheap", "cases.0.urgency": "x"})))
    done = run("validate", str(bad))
    assert done.returncode == 2
    assert 'units[0].rent_sek: expected whole SEK, got "cheap"' in done.stderr
    assert "cases[0].urgency: unknown word" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_solve_validates_first_and_writes_nothing_for_a_bad_file(tmp_path):
    bad, out = tmp_path / "bad.json", tmp_path / "out.json"
    bad.write_text("not json")
    done = run("solve", str(bad), "-o", str(out))
    assert done.returncode == 2 and "not valid JSON" in done.stderr and not out.exists()


def test_a_missing_file_is_a_clear_error():
    done = run("validate", "no/such/round.json")
    assert done.returncode == 2 and "no such file" in done.stderr
    assert "Traceback" not in done.stderr


def test_check_names_a_broken_rule(tmp_path):
    result = tmp_path / "result.json"
    assert run("solve", str(SAMPLE), "-o", str(result)).returncode == 0
    data = json.loads(result.read_text())
    data["placed"]["acute"] += 1
    result.write_text(json.dumps(data))
    done = run("check", str(SAMPLE), str(result))
    assert done.returncode == 2 and "placed.acute" in done.stderr


def test_schema_prints_json_schemas():
    for document, field in (("round", "cases"), ("result", "proposals")):
        done = run("schema", document)
        assert done.returncode == 0 and field in json.loads(done.stdout)["properties"]


def test_generate_is_reproducible_and_valid(tmp_path):
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    for target in (first, second):
        done = run("generate", "--municipalities", "stockholm", "--cases", "30", "--units",
                   "20", "--seed", "5", "-o", str(target))
        assert done.returncode == 0, done.stderr
    assert first.read_text() == second.read_text()
    assert len(json.loads(first.read_text())["municipalities"]) == 26
    assert run("validate", str(first)).returncode == 0


def hostile_round() -> dict:
    """A valid round whose ids and names try to steer the terminal."""
    data = varied()
    data["round"]["id"] = "[link=https://evil.example]klicka[/link]"
    data["network"]["id"] = "[/]"
    data["municipalities"][0]["name"] = "Solna\x1b[2J\x1b]8;;https://evil.example\x07x"
    return data


def test_ids_names_and_file_names_reach_the_terminal_as_text(tmp_path):
    """Probe finding: ids and file names were printed as Rich markup (`[/]` crashed, `[link=…]`
    became a hidden hyperlink) and raw escape sequences reached the terminal."""
    (tmp_path / "[").mkdir()
    named = tmp_path / "[/]x.json"  # a file `]x.json` in a folder `[`
    named.write_text(json.dumps(hostile_round()))
    checked = run("validate", str(named))
    assert checked.returncode == 0, checked.stderr
    assert "[/]x.json" in checked.stdout and "[link=https://evil.example]" in checked.stdout
    solved = run("solve", str(named), "-o", str(tmp_path / "result.json"))
    assert solved.returncode == 0, solved.stderr
    assert "\\x1b[2J" in solved.stdout and "\x1b" not in solved.stdout + solved.stderr
    assert "\x07" not in solved.stdout and "[link=https://evil.example]klicka" in solved.stdout


def test_a_file_nested_100000_deep_is_refused_by_every_command_that_reads_one(tmp_path):
    """Probe finding: validate, solve, load-network and import ended in a recursion
    traceback."""
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    env = {**os.environ, "EXCHANGE_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    for command in ("validate", "solve", "load-network", "import"):
        done = subprocess.run([sys.executable, "-m", "exchange", command, str(deep)],
                              capture_output=True, text=True, timeout=120, env=env)
        assert done.returncode == 2, (command, done.stderr)
        assert "nested too deeply" in done.stderr and "Traceback" not in done.stderr, command
