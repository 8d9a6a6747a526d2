"""The failed sign-in limit, on a clock the test moves."""

from __future__ import annotations

import threading

from exchange.http.throttle import FailureLimit


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_an_address_over_the_limit_waits_until_its_oldest_failure_ages_out() -> None:
    clock = Clock()
    limit = FailureLimit(3, 60, clock)
    for step in range(3):
        assert limit.wait("10.0.0.1") == 0
        limit.failed("10.0.0.1")
        clock.now += 10 * (step < 2)
    assert limit.wait("10.0.0.1") == 40  # the first failure, at 1000, ages out at 1060
    assert limit.wait("10.0.0.2") == 0  # others are not held back
    clock.now = 1060
    assert limit.wait("10.0.0.1") == 0


def test_a_burst_of_failures_at_once_is_all_counted() -> None:
    limit, barrier = FailureLimit(5, 60, Clock()), threading.Barrier(50)

    def guess() -> None:
        barrier.wait()
        if limit.wait("10.0.0.1") == 0:
            limit.failed("10.0.0.1")

    threads = [threading.Thread(target=guess) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert 5 <= len(limit._failures["10.0.0.1"]) <= 50 and limit.wait("10.0.0.1") > 0


def test_memory_stays_bounded_and_the_least_recently_seen_is_forgotten() -> None:
    limit = FailureLimit(1, 60, Clock(), addresses=100)
    limit.failed("10.9.9.9")
    for i in range(1000):
        limit.failed(f"10.0.{i // 256}.{i % 256}")
        limit.failed("10.9.9.9")  # an attacker failing on cannot push herself out
    assert len(limit._failures) == 100
    assert limit.wait("10.9.9.9") > 0 and limit.wait("10.0.0.0") == 0
