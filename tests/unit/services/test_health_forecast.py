"""The forecast on series whose seasonality is known, its interval and its backtest."""

from __future__ import annotations

import math

import numpy as np
import pytest

from exchange.services.health.figures import months_between
from exchange.services.health.forecast import (
    MIN_MONTHS,
    TooLittleHistory,
    backtest,
    forecast,
    interval,
)

MONTHS = months_between("2023-01", "2025-12")  # three years


def truth(month: str, base: float) -> float:
    """The known mean: a yearly wave peaking in July at +50 %, lowest in January."""
    return base * (1 + 0.5 * math.cos(2 * math.pi * (int(month[5:]) - 7) / 12))


def seasonal(seed: int = 3) -> dict[tuple[str, str], np.ndarray]:
    rng = np.random.default_rng(seed)
    bases = {"0001": 6.0, "0002": 3.0, "0003": 1.0}
    return {(m, "acute"): rng.poisson([truth(month, b) for month in MONTHS]).astype(float)
            for m, b in bases.items()}


def test_the_forecast_follows_the_known_season_and_level():
    lines = forecast(seasonal(), MONTHS)
    assert sorted({x.month for x in lines}) == ["2026-01", "2026-02", "2026-03"]
    for month in ("2026-01", "2026-02", "2026-03"):
        total = sum(x.expected for x in lines if x.month == month)
        assert total == pytest.approx(truth(month, 10.0), rel=0.2), month
    january = {x.member: x.expected for x in lines if x.month == "2026-01"}
    assert january["0001"] == pytest.approx(2 * january["0002"], rel=0.3)  # levels kept apart


def test_the_interval_holds_the_expected_count_and_widens_with_scatter():
    lines = forecast(seasonal(), MONTHS)
    assert all(x.low <= x.expected <= x.high for x in lines)
    assert interval(5.0, 1.0) == (2, 8)  # Poisson's 10th and 90th percentiles
    low, high = interval(5.0, 3.0)
    assert low <= 2 and high > 8


def test_too_little_history_says_how_many_months_it_needs():
    short = {k: v[:MIN_MONTHS - 1] for k, v in seasonal().items()}
    with pytest.raises(TooLittleHistory, match=f"at least {MIN_MONTHS} months"):
        forecast(short, MONTHS[:MIN_MONTHS - 1])


def test_the_backtest_beats_the_same_month_last_year_on_a_seasonal_series():
    tested = backtest(seasonal(), MONTHS)
    assert tested.origins == len(MONTHS) - 12
    assert tested.member_mae < tested.member_mae_baseline
    assert tested.total_mae < tested.total_mae_baseline
    assert 0.7 <= tested.coverage <= 1.0
