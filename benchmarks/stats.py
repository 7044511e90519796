"""Medians and bootstrap confidence intervals over interleaved rounds.

Every cell is timed once per round, so round ``i`` of two cells ran close
together in time. Overheads are per-round paired differences (session
contender minus its framework's bare app in the same round), which cancels
most of the drift of a shared, noisy machine. Confidence intervals come
from a bootstrap over rounds: each resample draws rounds with replacement
and applies the same draw to every series, so a ratio of two medians gets
a joint interval.
"""

from __future__ import annotations

import math
import random
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

__all__ = ["DASH", "TIMES", "Bootstrap", "Estimate", "median"]

#: Typographic signs of the tables, spelled out for the linter.
DASH = "\u2013"
TIMES = "\u00d7"


def median(values: Sequence[float]) -> float:
    """The median of ``values`` (NaN when empty)."""
    ordered = sorted(values)
    count = len(ordered)
    if not count:
        return math.nan
    middle = count // 2
    if count % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def _percentile(ordered: Sequence[float], fraction: float) -> float:
    if not ordered:
        return math.nan
    position = fraction * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    if ordered[high] == ordered[low]:  # also keeps inf - inf out
        return ordered[low]
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True)
class Estimate:
    """A median with its 95 % confidence interval."""

    value: float
    low: float
    high: float

    def fmt(self, digits: int = 1, suffix: str = "") -> str:
        """``value [low, high]`` (an en dash between) for the tables."""
        if math.isnan(self.value):
            return "n/a"
        return (
            f"{self.value:.{digits}f}{suffix}"
            f" [{self.low:.{digits}f}{DASH}{self.high:.{digits}f}]"
        )


class Bootstrap:
    """Medians of many aligned series, resampled jointly over rounds.

    :param series: key -> one value per round (all the same length).
    :param resamples: how many bootstrap resamples.
    """

    def __init__(
        self,
        series: dict[Hashable, list[float]],
        *,
        resamples: int = 2000,
        seed: int = 0,
    ) -> None:
        self.series = series
        self.point = {key: median(values) for key, values in series.items()}
        rounds = len(next(iter(series.values()))) if series else 0
        rng = random.Random(seed)
        self.draws: dict[Hashable, list[float]] = {key: [] for key in series}
        for _ in range(resamples if rounds else 0):
            picks = [rng.randrange(rounds) for _ in range(rounds)]
            for key, values in series.items():
                self.draws[key].append(median([values[i] for i in picks]))

    def estimate(self, key: Hashable) -> Estimate:
        """The median of one series, with its interval."""
        ordered = sorted(self.draws[key])
        return Estimate(
            self.point[key], _percentile(ordered, 0.025), _percentile(ordered, 0.975)
        )

    def ratio(self, numerator: Hashable, denominator: Hashable) -> Estimate:
        """median(numerator) / median(denominator), with a joint interval.

        NaN when the denominator is not clearly above zero (under 0.2 µs):
        a ratio to nothing means nothing.
        """
        point_den = self.point[denominator]
        if not point_den > 0.2:
            return Estimate(math.nan, math.nan, math.nan)
        ratios = sorted(
            n / d if d > 0 else math.inf
            for n, d in zip(self.draws[numerator], self.draws[denominator])
        )
        return Estimate(
            self.point[numerator] / point_den,
            _percentile(ratios, 0.025),
            _percentile(ratios, 0.975),
        )
