"""The data-keeping commands as an operator runs them: keys, rotation, purge, export, import."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from exchange.cli.service import SAMPLE_HISTORY, SAMPLES
from exchange.generate import generate_round
from exchange.history import generate_history
from exchange.persistence.sealing import key_line, new_key
from tests.builders import varied

_SAMPLE = generate_round(*SAMPLES["sodertorn"])
#: The sample's sealed values: a spec for each case of its round and of its history.
SEALED = len(_SAMPLE.cases) + len(generate_history(_SAMPLE, *SAMPLE_HISTORY).cases)


@pytest.fixture
def env(tmp_path):
    """An environment whose database is a fresh SQLite file, and no data key configured."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("EXCHANGE_")}
    return {**clean, "EXCHANGE_DATABASE_URL": f"sqlite:///{tmp_path / 'exchange.db'}"}


def run(env, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "exchange", *args], capture_output=True,
                          text=True, timeout=300, check=False, env=env)


def refused(done: subprocess.CompletedProcess[str], *words: str) -> None:
    assert done.returncode == 2, done.stdout
    assert "Traceback" not in done.stderr and all(w in done.stderr for w in words), done.stderr


def test_the_quick_start_makes_a_private_key_beside_the_database_and_says_so(env, tmp_path):
    loaded = run(env, "load-sample", "sodertorn")
    assert loaded.returncode == 0, loaded.stderr
    key_file = tmp_path / "exchange.keys"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert str(key_file) in loaded.stderr and "back it up" in loaded.stderr
    status = run(env, "keys", "status")
    assert status.returncode == 0 and f"{SEALED} value(s)" in status.stdout


def test_a_server_database_without_a_key_is_refused_saying_what_to_set(env):
    env = {**env, "EXCHANGE_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none"}
    refused(run(env, "serve"), "EXCHANGE_DATA_KEYS", "EXCHANGE_DATA_KEY_FILE",
            "exchange keys new")


def test_a_new_key_rotation_and_dropping_the_old_key(env, tmp_path):
    assert run(env, "load-sample", "sodertorn").returncode == 0
    key_file = tmp_path / "exchange.keys"
    old = key_file.read_text().split(":")[0]
    made = run(env, "keys", "new")
    assert made.returncode == 0 and "now the current key" in made.stdout
    new = key_file.read_text().split(":")[0]
    rotated = run(env, "keys", "rotate")
    assert rotated.returncode == 0 and f"{SEALED} from {old}" in rotated.stdout
    key_file.write_text(key_file.read_text().splitlines()[0] + "\n")  # the old key goes
    status = run(env, "keys", "status")
    assert f"{new}: {SEALED} value(s)" in status.stdout and old not in status.stdout
    checked = run(env, "keys", "check")
    assert checked.returncode == 0 and f"All {SEALED} sealed values open" in checked.stdout
    key_file.write_text(key_line(new, new_key()[1]))  # the right id, the wrong key
    refused(run(env, "keys", "check"), f"does not open with key {new}")
    key_file.write_text(key_line(*new_key()))  # another key altogether
    refused(run(env, "keys", "rotate"), f"sealed with key {new}, which is not configured")


def test_purge_dry_run_counts_and_erases_nothing(env):
    assert run(env, "load-sample", "sodertorn").returncode == 0
    dry = run(env, "purge", "--dry-run")
    assert dry.returncode == 0 and "Would erase the details of" in dry.stdout
    assert "(12 months)" in dry.stdout
    assert run(env, "purge", "--dry-run").stdout == dry.stdout  # the first erased nothing


def test_export_then_import_into_another_database(env, tmp_path):
    assert run(env, "load-sample", "sodertorn").returncode == 0
    backup = tmp_path / "backup.json"
    done = run(env, "export", "sodertorn", str(backup))
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    refused(run(env, "export", "sodertorn", str(backup)), "exists already")
    refused(run(env, "import", str(backup)), "already in this database", "Nothing was imported")
    elsewhere = {**env, "EXCHANGE_DATABASE_URL": f"sqlite:///{tmp_path / 'restored.db'}",
                 "EXCHANGE_DATA_KEY_FILE": str(tmp_path / "exchange.keys")}
    restored = run(elsewhere, "import", str(backup))
    assert restored.returncode == 0 and f"{SEALED} cases" in restored.stdout, restored.stderr


@pytest.mark.parametrize("content, words", [
    ("{not json", "not JSON (line 1, column 2)"),
    ('{"format": "exchange-export/1", "network": "x", "tables": {"cases": 3}}',
     "tables.cases: expected a list of rows")])
def test_a_corrupt_export_file_is_refused_in_words(env, tmp_path, content, words):
    broken = Path(tmp_path / "broken.json")
    broken.write_text(content)
    refused(run(env, "import", str(broken)), str(broken), words)
    refused(run(env, "import", str(tmp_path / "missing.json")), "no such file")


def test_a_member_of_another_network_is_a_clear_refusal(env, tmp_path):
    """Probe finding: `load-network` with a member already in another network ended in a
    traceback."""
    assert run(env, "load-sample", "sodertorn").returncode == 0
    other = tmp_path / "other.json"
    other.write_text(json.dumps({**varied(), "network": {
        "id": "another", "name": "Another", "rules": {"reciprocity_tolerance": 1}},
        "municipalities": [{"code": "0127", "name": "Botkyrka", "lat": 59.2, "lon": 17.8}],
        "units": [], "cases": [], "schools": []}))
    refused(run(env, "load-network", str(other)), "0127", "another network")


def test_the_data_key_is_kept_out_of_version_control(env, tmp_path):
    """Found in a new user's trial: the Quick start's key file sat in the clone, one
    `git add .` away from a commit."""
    root = Path(__file__).resolve().parents[2]
    ignored = subprocess.run(["git", "check-ignore", "-q", "exchange.keys"], cwd=root)
    assert ignored.returncode == 0, ".gitignore must name exchange.keys"
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    loaded = run(env, "load-sample", "sodertorn")
    assert loaded.returncode == 0
    assert "inside the git work tree" in loaded.stderr and "EXCHANGE_DATA_KEY_FILE" in \
        loaded.stderr
