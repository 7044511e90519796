"""Peak memory per request (tracemalloc) and a cProfile excerpt."""

from __future__ import annotations

import cProfile
import io
import logging
import os
import pstats
import site
import sys
import tracemalloc
from time import perf_counter_ns

from .drivers import Request
from .stats import median

__all__ = ["log_line_us", "peak_kib", "profile_excerpt"]


def peak_kib(request: Request, repeats: int) -> float:
    """Median over ``repeats`` requests of the peak traced memory, in KiB.

    The peak is measured from the traced size just before the request, so
    it counts what one request allocates at its high-water mark.
    """
    request.run(2)
    peaks = []
    tracemalloc.start()
    try:
        for _ in range(repeats):
            tracemalloc.reset_peak()
            before, _ = tracemalloc.get_traced_memory()
            request.run(1)
            _, peak = tracemalloc.get_traced_memory()
            peaks.append(peak - before)
    finally:
        tracemalloc.stop()
    return median(peaks) / 1024


def log_line_us(count: int) -> float:
    """µs for the one warning a rejected cookie logs, as configured here.

    The median of five batches of ``count`` calls, the same call as
    :mod:`signedsession.store` makes on ``signedsession.security``.
    """
    log = logging.getLogger("signedsession.security")
    times = []
    for _ in range(5):
        start = perf_counter_ns()
        for _ in range(count):
            log.warning("session cookie rejected: %s", "bad signature")
        times.append((perf_counter_ns() - start) / count / 1000)
    return median(times)


def _short_paths(text: str) -> str:
    prefixes = [*site.getsitepackages(), os.getcwd(), sys.prefix, sys.base_prefix]
    for prefix in sorted(prefixes, key=len, reverse=True):
        text = text.replace(prefix.rstrip("/") + "/", "")
    return text


def profile_excerpt(request: Request, count: int, *, lines: int = 14) -> str:
    """The top functions by own time over ``count`` requests (cProfile)."""
    request.run(10)
    profiler = cProfile.Profile()
    profiler.enable()
    request.run(count)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(lines)
    text = out.getvalue()
    # Keep the table: from the column header on.
    start = text.find("   ncalls")
    body = text[start:] if start >= 0 else text
    header = f"{count} requests; per-call times in seconds, under cProfile\n"
    return header + _short_paths(body).rstrip() + "\n"
