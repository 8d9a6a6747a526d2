"""Every command of `exchange`, run as a subprocess the way an operator runs it, on one database
through a round's life: none may end in a traceback, and a command added without a run here
fails the last test."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import typer

from exchange.cli import app
from tests.e2e.test_service import serving

RAN: set[str] = set()


def all_commands() -> set[str]:
    """Every command path of the CLI ("validate", "user create", ...)."""
    def walk(command: Any, prefix: str) -> set[str]:
        if hasattr(command, "commands"):  # a group (typer carries its own click)
            return {p for name, sub in command.commands.items()
                    for p in walk(sub, f"{prefix} {name}".strip())}
        return {prefix}

    return walk(typer.main.get_command(app), "")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> dict[str, str | Path]:
    folder = tmp_path_factory.mktemp("every")
    clean = {k: v for k, v in os.environ.items() if not k.startswith("EXCHANGE_")}
    return {"folder": folder, **clean,
            "EXCHANGE_DATABASE_URL": f"sqlite:///{folder / 'exchange.db'}"}


def run(site, *args: str, ok: bool = True, **env: str) -> subprocess.CompletedProcess[str]:
    """Run `exchange ARGS`; it must succeed unless `ok` is False, and never show a traceback."""
    environment = {k: str(v) for k, v in site.items() if k != "folder"} | env
    done = subprocess.run([sys.executable, "-m", "exchange", *args], capture_output=True,
                          text=True, timeout=300, check=False, env=environment,
                          cwd=site["folder"])
    RAN.add(next(p for p in sorted(all_commands(), key=len, reverse=True)
                 if tuple(args[:len(p.split())]) == tuple(p.split())))
    assert "Traceback" not in done.stdout + done.stderr, done.stderr
    if ok:
        assert done.returncode == 0, done.stderr
    return done


def test_the_file_commands(site):
    folder = site["folder"]
    run(site, "schema", "round")
    run(site, "generate", "--municipalities", "sodertorn", "--cases", "40", "--units", "40",
        "--seed", "4", "-o", str(folder / "round.json"))
    run(site, "validate", str(folder / "round.json"))
    run(site, "solve", str(folder / "round.json"), "-o", str(folder / "result.json"),
        "--time-limit", "30")
    run(site, "check", str(folder / "round.json"), str(folder / "result.json"))


def test_the_service_commands_through_a_solved_round(site):
    folder = site["folder"]
    run(site, "db", "upgrade")
    run(site, "load-network", str(folder / "round.json"))
    made = run(site, "user", "create", "--name", "Samordnare", "--role", "coordinator",
               "--municipality", "0126")
    user_id = re.search(r"Created user (\d+)", made.stdout).group(1)
    token = run(site, "user", "token", user_id).stdout.strip().splitlines()[-1]
    environment = {k: str(v) for k, v in site.items() if k != "folder"}
    with serving(environment) as api:  # `exchange serve`
        RAN.add("serve")
        headers = {"Authorization": f"Bearer {token}"}
        round_id = api.post("/rounds", json={"period": "2026-12"}, headers=headers).json()["id"]
        assert api.post(f"/rounds/{round_id}/solve", headers=headers).status_code == 202
        deadline = time.monotonic() + 120
        while api.get(f"/rounds/{round_id}", headers=headers).json()["status"] == "solving":
            assert time.monotonic() < deadline
            time.sleep(0.2)
    replayed = run(site, "round", "replay", round_id)  # probe finding: always failed
    assert "replayed: the same" in replayed.stdout
    assert "entries verified" in run(site, "audit", "verify").stdout
    assert run(site, "user", "revoke", user_id).stdout.startswith("Revoked 2 token(s)")
    registered = run(site, "user", "create", "--name", "Anna", "--role", "case_worker",
                     "--municipality", "0126", "--email", "anna@huddinge.example")
    assert "signs in through the network's identity provider" in registered.stdout
    refused = run(site, "user", "create", "--name", "Anna", "--role", "case_worker",
                  "--municipality", "0126", "--email", "not an address", ok=False)
    assert refused.returncode == 2 and "email" in refused.stderr
    assert "within 7 working days" in run(site, "network", "answer-days", "sodertorn",
                                          "7").stdout
    assert "EXCHANGE_SMTP_URL is not set" in run(site, "notices", "send").stdout
    run(site, "load-sample", "sodertorn")  # the network is there: fresh demo tokens


def test_the_data_commands(site, tmp_path):
    run(site, "keys", "new")
    assert "value(s)" in run(site, "keys", "status").stdout
    run(site, "keys", "rotate")
    run(site, "keys", "check")
    run(site, "purge", "--dry-run")
    run(site, "export", "sodertorn", str(tmp_path / "backup.json"))
    moved = {"EXCHANGE_DATABASE_URL": f"sqlite:///{tmp_path / 'restored.db'}",
             "EXCHANGE_DATA_KEY_FILE": str(site["folder"] / "exchange.keys")}
    assert "Imported network sodertorn" in run(site, "import", str(tmp_path / "backup.json"),
                                               **moved).stdout
    run(site, "schema", "result")


def test_the_health_commands_on_a_generated_history(site, tmp_path):
    """A round and 13 months of its past from `generate --months`, loaded with
    `load-network --history`; the plan and the report; bad input refused with status 2."""
    own = {"EXCHANGE_DATABASE_URL": f"sqlite:///{tmp_path / 'health.db'}"}
    made = run(site, "generate", "--municipalities", "sodertorn", "--cases", "30", "--units",
               "30", "--seed", "3", "--months", "13", "-o", str(tmp_path / "r.json"))
    assert "13 closed rounds" in made.stdout and (tmp_path / "r.history.json").exists()
    loaded = run(site, "load-network", str(tmp_path / "r.json"), "--history",
                 str(tmp_path / "r.history.json"), **own)
    assert "13 closed past rounds" in loaded.stdout
    planned = run(site, "plan", "sodertorn", "--months", "3", "--rounds", "2", **own)
    assert "Pledge plan for sodertorn" in planned.stdout and "with the plan" in planned.stdout
    for name in ("report.pdf", "report.xlsx"):
        run(site, "report", "sodertorn", "--month", "2026-11", "-o", str(tmp_path / name), **own)
    assert (tmp_path / "report.pdf").read_bytes().startswith(b"%PDF")
    for args, words in ((("sodertorn", "--month", "2027-05"), "outside the network's history"),
                        (("nowhere", "--month", "2026-11"), "no network 'nowhere'"),
                        (("sodertorn", "--month", "2026-11"), ".pdf or an .xlsx")):
        target = tmp_path / ("x.pdf" if words != ".pdf or an .xlsx" else "x.txt")
        refused = run(site, "report", *args, "-o", str(target), ok=False, **own)
        assert refused.returncode == 2 and words in refused.stderr, refused.stderr
    short = run(site, "plan", "sodertorn", ok=False)  # the first network has no history
    assert short.returncode == 2 and "at least 12 months" in short.stderr


def test_every_command_ran_as_a_subprocess():
    """A new command needs a run above."""
    assert all_commands() == RAN
