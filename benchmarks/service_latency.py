"""Latency of the service's main read endpoints under concurrent clients, on loopback.

    .venv/bin/python benchmarks/service_latency.py [--clients 20] [--seconds 20] [--think S]
                                                   [--database URL]

Loads the Södertörn sample into a fresh database (a temporary SQLite file unless --database names
an empty PostgreSQL schema), runs and publishes its round, starts `exchange serve` as a separate
process, then lets the clients (threads, one connection each, each signed in as one of the
network's people) read the endpoints below in turn, and prints one table. With `--think S`
each client is a person who pauses between requests (uniformly 0.5 S to 1.5 S, a fixed seed
per client), as people reading pages do; without it every client asks again at once, which
measures the service saturated.
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
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database or f"sqlite:///{Path(folder) / 'exchange.db'}"
        env = {**os.environ, "EXCHANGE_DATABASE_URL": url}
        if not url.startswith("sqlite") and "EXCHANGE_DATA_KEYS" not in env:
            from exchange.persistence.sealing import key_line, new_key

            env["EXCHANGE_DATA_KEYS"] = key_line(*new_key())  # a server database needs a key
        tokens, round_id = _prepare(env)
        port = _free_port()
        server = subprocess.Popen([sys.executable, "-m", "exchange", "serve", "--port",
                                   str(port)], env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        try:
            base = f"http://127.0.0.1:{port}"
            _wait(base)
            timings, errors = _load(base, tokens, round_id, args)
        finally:
            server.terminate()
            server.wait()
    _print(timings, errors, args, url)


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
          args: argparse.Namespace) -> tuple[dict[str, list[float]], dict[str, int]]:
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
            while time.monotonic() < stop_at[0]:
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
           args: argparse.Namespace, url: str) -> None:
    thinking = f", pausing {args.think:g} s on average" if args.think else ""
    table = Table(title=f"{args.clients} concurrent clients{thinking} for {args.seconds:.0f} s "
                  f"on {url.split(':')[0]} (loopback, {os.cpu_count()} cores)")
    for column in ("endpoint", "requests", "errors", "p50 ms", "p95 ms", "p99 ms", "max ms"):
        table.add_column(column, justify="left" if column == "endpoint" else "right")
    everything = []
    for key in sorted(timings):
        values = sorted(timings[key])
        everything += values
        table.add_row(key, *_row(values, errors.get(key, 0)))
    table.add_row("all", *_row(sorted(everything), sum(errors.values())))
    Console().print(table)
    print(f"throughput: {len(everything) / args.seconds:.0f} requests/s")


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
