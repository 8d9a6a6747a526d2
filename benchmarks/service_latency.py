"""Latency of the service's main read endpoints under concurrent clients, on loopback.

    .venv/bin/python benchmarks/service_latency.py [--clients 20] [--seconds 20] [--think S]
                                                   [--database URL] [--during-solve REGION:N]

Loads the Södertörn sample into a fresh database (a temporary SQLite file unless --database names
an empty PostgreSQL schema), runs and publishes its round, starts `exchange serve` as a separate
process, then lets the clients (threads, one connection each, each signed in as one of the
network's people) read the endpoints below in turn, and prints one table. With `--think S`
each client is a person who pauses between requests (uniformly 0.5 S to 1.5 S, a fixed seed
per client), as people reading pages do; without it every client asks again at once, which
measures the service saturated.

With `--during-solve REGION:N` (say sweden:10000) the network is instead a generated round of
that region with N cases and N units, and the table is printed twice: with its round open (for
--seconds), and while the service solves it, from the moment its worker is at work until its
result is stored. The solve's outcome, time and peak memory follow.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

import httpx2 as httpx
from rich.console import Console
from rich.table import Table

READS = [  # (role, path); {round} is the sample round's id
    ("case_worker", "/cases?limit=50"),
    ("case_worker", "/proposals?limit=50"),
    ("housing_officer", "/units?limit=50"),
    ("housing_officer", "/proposals?limit=50"),
    ("coordinator", "/rounds/{round}"),
    ("coordinator", "/cases?limit=50"),
    ("coordinator", "/ledger"),
]
MEMBERS = ["0126", "0127", "0128", "0136", "0138", "0140", "0181", "0192"]


def main() -> None:
    """Measure and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--think", type=float, default=0.0,
                        help="mean seconds a client pauses between requests (0: none)")
    parser.add_argument("--database", help="SQLAlchemy URL of an empty database")
    parser.add_argument("--during-solve", metavar="REGION:N",
                        help="measure with a generated round open, then while it is solved")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database or f"sqlite:///{Path(folder) / 'exchange.db'}"
        env = {**os.environ, "EXCHANGE_DATABASE_URL": url}
        if not url.startswith("sqlite") and "EXCHANGE_DATA_KEYS" not in env:
            from exchange.persistence.sealing import key_line, new_key

            env["EXCHANGE_DATA_KEYS"] = key_line(*new_key())  # a server database needs a key
        if args.during_solve:
            tokens = _generated(env, args.during_solve, Path(folder))
        else:
            tokens, round_id = _prepare(env)
        port = _free_port()
        server = subprocess.Popen([sys.executable, "-m", "exchange", "serve", "--port",
                                   str(port)], env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        try:
            base = f"http://127.0.0.1:{port}"
            _wait(base)
            if not args.during_solve:
                _print(*_load(base, tokens, round_id, args), args, url)
                return
            coordinator = {"Authorization": f"Bearer {tokens[(MEMBERS[0], 'coordinator')]}"}
            round_id = httpx.post(f"{base}/rounds", json={"period": "2026-12"},
                                  headers=coordinator).json()["id"]
            _print(*_load(base, tokens, round_id, args), args, url, "its round open")
            began = _solving(base, round_id, coordinator)
            ended = threading.Event()
            watcher = threading.Thread(target=_watch, args=(base, round_id, coordinator,
                                                            ended))
            watcher.start()
            timings, errors = _load(base, tokens, round_id, args, ended)
            watcher.join()
            _print(timings, errors, args, url, f"while {args.during_solve} is solved and "
                   "its result stored", time.monotonic() - began)
            _report(base, round_id, coordinator, began)
        finally:
            server.terminate()
            server.wait()


def _generated(env: dict[str, str], spec: str, folder: Path) -> dict[tuple[str, str], str]:
    """Load a generated round of `spec` (REGION:N) and make a person of each role the reads
    need in each of MEMBERS (all of them lie in every region but Södertörn's own)."""
    from exchange.formats import dump
    from exchange.generate import generate_round

    region, size = spec.split(":")
    path = folder / "round.json"
    path.write_text(dump(generate_round(region, int(size), int(size), seed=1)))
    print(f"loading a generated round of {region}, {size} cases and {size} units ...")
    subprocess.run([sys.executable, "-m", "exchange", "load-network", str(path)], env=env,
                   check=True, stdout=subprocess.DEVNULL)
    tokens = {}
    for member in MEMBERS:
        for role in ("case_worker", "housing_officer", "coordinator"):
            made = subprocess.run([sys.executable, "-m", "exchange", "user", "create", "--name",
                                   f"{role} {member}", "--role", role, "--municipality", member],
                                  env=env, check=True, capture_output=True, text=True)
            tokens[(member, role)] = made.stdout.strip().splitlines()[-1]
    return tokens


def _solving(base: str, round_id: str, coordinator: dict[str, str]) -> float:
    """Start the round's solve; return when its worker is at work, with the time it began."""
    began = time.monotonic()
    with httpx.Client(base_url=base, headers=coordinator, timeout=300) as http:
        http.post(f"/rounds/{round_id}/solve").raise_for_status()
        print(f"the request to solve (the network's snapshot) took "
              f"{time.monotonic() - began:.1f} s")
        while http.get(f"/rounds/{round_id}").json()["progress"] in ("queued", "solving"):
            time.sleep(0.2)
    return began


def _watch(base: str, round_id: str, coordinator: dict[str, str],
           ended: threading.Event) -> None:
    """Set `ended` once the round is no longer solving (its result stored, or given back)."""
    with httpx.Client(base_url=base, headers=coordinator, timeout=120) as http:
        while http.get(f"/rounds/{round_id}").json()["status"] == "solving":
            time.sleep(0.5)
    ended.set()


def _report(base: str, round_id: str, coordinator: dict[str, str], began: float) -> None:
    """Say how the solve ended."""
    state = httpx.get(f"{base}/rounds/{round_id}", headers=coordinator, timeout=120).json()
    print(f"the solve ended {time.monotonic() - began:.0f} s after the request: "
          f"{state['progress']}")


def _prepare(env: dict[str, str]) -> tuple[dict[tuple[str, str], str], str]:
    """Load the sample, then open, solve and publish its round in-process."""
    from exchange.app import create_app
    from exchange.settings import Settings

    loaded = subprocess.run([sys.executable, "-m", "exchange", "load-sample", "sodertorn"],
                            env=env, capture_output=True, text=True, check=True)
    tokens = {}
    for line in loaded.stdout.splitlines():
        cells = line.split()
        if len(cells) == 3 and cells[2].startswith("exch_"):
            tokens[(cells[0], cells[1])] = cells[2]
    from fastapi.testclient import TestClient

    app = create_app(Settings(database_url=env["EXCHANGE_DATABASE_URL"],
                              data_keys=env.get("EXCHANGE_DATA_KEYS")))
    with TestClient(app) as client:
        headers = {"Authorization": f"Bearer {tokens[('0126', 'coordinator')]}"}
        round_id = client.post("/rounds", json={"period": "2026-12"},
                               headers=headers).json()["id"]
        client.post(f"/rounds/{round_id}/solve", headers=headers)
        while (state := client.get(f"/rounds/{round_id}", headers=headers).json())[
                "status"] == "solving":
            time.sleep(0.2)
        client.post(f"/rounds/{round_id}/publish", json={"version": state["version"]},
                    headers=headers)
    return tokens, round_id


def _load(base: str, tokens: dict[tuple[str, str], str], round_id: str,
          args: argparse.Namespace, ended: threading.Event | None = None
          ) -> tuple[dict[str, list[float]], dict[str, int]]:
    """Let the clients read for `args.seconds`, or until `ended` is set when one is given."""
    timings: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    clients = args.clients
    lock, start = threading.Lock(), threading.Barrier(clients)
    stop_at: list[float] = []

    def client(i: int) -> None:
        member, pause = MEMBERS[i % len(MEMBERS)], random.Random(i)
        with httpx.Client(base_url=base, timeout=30) as http:
            start.wait()
            if not stop_at:
                stop_at.append(time.monotonic() + args.seconds)
            time.sleep(pause.uniform(0, args.think))  # people do not all start at once
            j = i
            while not ended.is_set() if ended else time.monotonic() < stop_at[0]:
                role, path = READS[j % len(READS)]
                j += 1
                headers = {"Authorization": f"Bearer {tokens[(member, role)]}"}
                began = time.perf_counter()
                answer = http.get(path.format(round=round_id), headers=headers)
                took = time.perf_counter() - began
                key = f"{role} GET {path.split('?')[0]}"
                with lock:
                    timings[key].append(took)
                    if answer.status_code != 200:
                        errors[key] += 1
                time.sleep(pause.uniform(0.5, 1.5) * args.think)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return timings, errors


def _print(timings: dict[str, list[float]], errors: dict[str, int],
           args: argparse.Namespace, url: str, when: str = "",
           seconds: float | None = None) -> None:
    seconds = seconds or args.seconds
    thinking = f", pausing {args.think:g} s on average" if args.think else ""
    table = Table(title=f"{args.clients} concurrent clients{thinking} for {seconds:.0f} s "
                  f"on {url.split(':')[0]} (loopback, {os.cpu_count()} cores)"
                  + (f", {when}" if when else ""))
    for column in ("endpoint", "requests", "errors", "p50 ms", "p95 ms", "p99 ms", "max ms"):
        table.add_column(column, justify="left" if column == "endpoint" else "right")
    everything = []
    for key in sorted(timings):
        values = sorted(timings[key])
        everything += values
        table.add_row(key, *_row(values, errors.get(key, 0)))
    table.add_row("all", *_row(sorted(everything), sum(errors.values())))
    Console().print(table)
    print(f"throughput: {len(everything) / seconds:.0f} requests/s")


def _row(values: list[float], errors: int) -> list[str]:
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return [str(len(values)), str(errors), *(f"{1000 * v:.0f}" for v in
                                              (cuts[49], cuts[94], cuts[98], values[-1]))]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait(base: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/health").status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise SystemExit("the service did not start within 60 s")


if __name__ == "__main__":
    main()
