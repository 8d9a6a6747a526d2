"""A forecast of the next months' new cases per member and urgency, with an interval, and its
backtest against the naive baseline (the same month last year). Pure.

The network's months share one shape: a Poisson regression (statsmodels' GLM) of all new cases
of a month on a trend and a yearly wave (a sine and a cosine of the month). Each member and
urgency is that shape scaled to its own total (the Poisson estimate of its level given the
shape), since one member's two or three cases a month are too few to carry a season of their
own. The interval is that of a negative binomial around the forecast, as wide as the
network's months scatter around the shape (never narrower than Poisson).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from exchange.services.errors import Conflict
from exchange.services.health.figures import FigureModel, month_of, month_span

MIN_MONTHS = 12  # a year, so that the yearly wave can be told from the trend
HORIZON = 3
LEVEL = 0.8  # the interval holds the outcome four times in five

Key = tuple[str, str]  # member, urgency


class TooLittleHistory(Conflict):
    """A forecast asked for with fewer months than the network has lived; the message says how
    many it needs."""

    title = "Too little history"


class ForecastLine(FigureModel):
    """Expected new cases of one member and urgency in a month ahead, with the interval."""

    member: str
    urgency: str
    month: str
    expected: float
    low: int
    high: int


class Forecast(FigureModel):
    """The forecast of new cases, labelled as such, from the months up to `made_from`."""

    network: str
    made_from: str
    lines: list[ForecastLine]


@dataclass(frozen=True)
class Shape:
    """The network's monthly shape: what it was in each past month and will be ahead."""

    past: NDArray[np.float64]
    ahead: NDArray[np.float64]
    dispersion: float


def next_months(last: str, horizon: int = HORIZON) -> list[str]:
    """The `horizon` months after `last`."""
    months, month = [], last
    for _ in range(horizon):
        month = month_of(month_span(month)[1])
        months.append(month)
    return months


def _design(months: list[str], origin: int) -> NDArray[np.float64]:
    t = np.arange(origin, origin + len(months), dtype=float)
    angle = np.array([2 * math.pi * int(m[5:7]) / 12 for m in months])
    return np.column_stack([np.ones(len(months)), t / 12, np.sin(angle), np.cos(angle)])


def fit_shape(total: NDArray[np.float64], months: list[str], horizon: int = HORIZON) -> Shape:
    """The trend and yearly wave of the network's monthly totals, and months ahead."""
    if len(months) < MIN_MONTHS:
        raise TooLittleHistory(f"A forecast needs at least {MIN_MONTHS} months of history; "
                               f"there are {len(months)}.")
    import statsmodels.api as sm  # here: it takes over a second to load, which no other
    # command than the health ones should wait for (`exchange solve` among them)

    fitted = sm.GLM(total, _design(months, 0), family=sm.families.Poisson()).fit()
    ahead = _design(next_months(months[-1], horizon), len(months))
    past_mean = np.asarray(fitted.mu, dtype=float)
    dispersion = float(fitted.pearson_chi2 / max(fitted.df_resid, 1))
    return Shape(past_mean, np.exp(ahead @ np.asarray(fitted.params)), max(dispersion, 1.0))


def forecast(series: dict[Key, NDArray[np.float64]], months: list[str],
             horizon: int = HORIZON) -> list[ForecastLine]:
    """The next `horizon` months of each series (one count per month of `months`)."""
    total = np.sum(list(series.values()), axis=0) if series else np.zeros(len(months))
    shape = fit_shape(np.asarray(total, dtype=float), months, horizon)
    ahead = next_months(months[-1], horizon)
    lines = []
    for (member, urgency), counts in sorted(series.items()):
        level = float(np.sum(counts)) / float(np.sum(shape.past)) if np.sum(shape.past) else 0.0
        for month, share in zip(ahead, shape.ahead, strict=True):
            expected = level * float(share)
            low, high = interval(expected, shape.dispersion)
            lines.append(ForecastLine(member=member, urgency=urgency, month=month,
                                      expected=round(expected, 2), low=low, high=high))
    return lines


def interval(expected: float, dispersion: float, level: float = LEVEL) -> tuple[int, int]:
    """The central `level` interval of a count with this mean and variance `dispersion` times
    the mean: Poisson, or negative binomial when the months scatter more."""
    if expected <= 0:
        return 0, 0
    tails = ((1 - level) / 2, (1 + level) / 2)
    if dispersion <= 1.0001:
        low, high = stats.poisson.ppf(tails, expected)
    else:
        size = expected / (dispersion - 1)
        low, high = stats.nbinom.ppf(tails, size, size / (size + expected))
    return int(low), int(high)


@dataclass(frozen=True)
class Backtest:
    """Mean absolute errors over every origin and month ahead: per member and urgency, and of
    the network's total; the forecast's and the baseline's; and how often the interval held."""

    origins: int
    member_mae: float
    member_mae_baseline: float
    total_mae: float
    total_mae_baseline: float
    coverage: float


def backtest(series: dict[Key, NDArray[np.float64]], months: list[str],
             horizon: int = HORIZON) -> Backtest:
    """Forecast from every origin with a year behind it and a month after it, and compare with
    what came, and with the same month a year before (the naive baseline)."""
    errors: dict[str, list[float]] = {k: [] for k in ("m", "mb", "t", "tb", "in")}
    origins = range(max(MIN_MONTHS, 12), len(months))
    for origin in origins:
        past = {k: v[:origin] for k, v in series.items()}
        lines = forecast(past, months[:origin], min(horizon, len(months) - origin))
        ahead = {m: i for i, m in enumerate(months)}
        totals: dict[str, list[float]] = {}
        for line in lines:
            i = ahead[line.month]
            actual = float(series[line.member, line.urgency][i])
            last_year = float(series[line.member, line.urgency][i - 12])
            errors["m"].append(abs(line.expected - actual))
            errors["mb"].append(abs(last_year - actual))
            errors["in"].append(float(line.low <= actual <= line.high))
            cell = totals.setdefault(line.month, [0.0, 0.0, 0.0])
            cell[0] += line.expected
            cell[1] += actual
            cell[2] += last_year
        for expected, actual, last_year in totals.values():
            errors["t"].append(abs(expected - actual))
            errors["tb"].append(abs(last_year - actual))
    mean = {k: float(np.mean(v)) if v else float("nan") for k, v in errors.items()}
    return Backtest(len(origins), mean["m"], mean["mb"], mean["t"], mean["tb"], mean["in"])
