"""Small pure statistics helpers (no numpy needed, easy to test)."""

from __future__ import annotations

import math
from typing import Iterable, Optional, Sequence


def percentile(values: Iterable[float], q: float) -> Optional[float]:
    """The q-th percentile (0–100) with linear interpolation between ranks (numpy's default);
    None for no values."""
    data = sorted(values)
    if not data:
        return None
    if not 0 <= q <= 100:
        raise ValueError(f"percentile {q} outside 0..100")
    rank = (len(data) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return data[low] + (data[high] - data[low]) * (rank - low)


def latency_summary(seconds: Sequence[float]) -> dict:
    """Latencies in seconds → count, mean, p50, p90, p95, p99 and max in milliseconds."""

    def ms(value: Optional[float]) -> Optional[float]:
        return None if value is None else round(value * 1000, 1)

    return {
        "count": len(seconds),
        "mean_ms": ms(sum(seconds) / len(seconds)) if seconds else None,
        "p50_ms": ms(percentile(seconds, 50)),
        "p90_ms": ms(percentile(seconds, 90)),
        "p95_ms": ms(percentile(seconds, 95)),
        "p99_ms": ms(percentile(seconds, 99)),
        "max_ms": ms(max(seconds)) if seconds else None,
    }


def ratio(ours: Optional[float], baseline: Optional[float]) -> Optional[float]:
    """ours / baseline rounded to 3 places; None when either is missing or the baseline is 0."""
    if ours is None or baseline in (None, 0):
        return None
    return round(ours / baseline, 3)
