"""Peak memory per request (tracemalloc) and a cProfile excerpt."""

from __future__ import annotations

import cProfile
import hmac
import io
import os
import pstats
import site
import sys
import tracemalloc
from time import perf_counter_ns
from typing import Callable

from signedsession._security_log import log_rejection

from .drivers import Request
from .stats import median

__all__ = ["log_line_us", "peak_kib", "profile_excerpt", "stages"]


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

    The median of five batches of ``count`` calls of the function the store
    calls for each rejected cookie.
    """
    times = []
    for _ in range(5):
        start = perf_counter_ns()
        for _ in range(count):
            log_rejection("bad signature")
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


def stages(
    cookie_header: str,
    requests: dict[str, tuple[Request, Request]],
    *,
    rounds: int,
    count: int,
) -> list[tuple[str, str, float]]:
    """(workload, piece, µs) for the pieces of a SessionMiddleware request.

    The pieces, and each whole request over its bare app, are timed in the
    same interleaved rounds (batches of ``count``), so they share the
    machine's load; what a request costs beyond its pieces is bookkeeping
    (the store object, laziness, flags, ``Vary``, ``Cache-Control``).

    :param requests: workload -> (SessionMiddleware request, bare request).
    """
    from signedsession import SessionSettings, _clock
    from signedsession._codec import Codec
    from signedsession._headers import CookieHeaders
    from signedsession.store import SessionStore

    from .workloads import SECRET

    settings = SessionSettings(secret_key=SECRET)
    codec = Codec.of(settings)
    cookies = CookieHeaders.of(settings)
    value = cookies.values(cookie_header)[0]
    body, _, signature = value.encode("ascii").rpartition(b".")
    payload = body.split(b".")[0]
    data = codec.loads(value).data
    now = int(_clock.time())
    store = SessionStore(value, settings=settings)
    store["visits"] = 2
    written = dict(data, visits=2)
    mac = codec._macs[0]

    def verify() -> bool:
        return hmac.compare_digest(codec._signature(mac, body), signature)

    def dumps() -> str:
        return codec.dumps(written, session_id="x" * 22, created=now, issued=now)

    pieces: list[tuple[str, str, Callable[[], object]]] = [
        ("read", "parse the Cookie header", lambda: cookies.values(cookie_header)),
        ("read", "verify: HMAC-SHA256, base64, compare", verify),
        ("read", "decode: base64, JSON", lambda: codec._decode_payload(payload)),
        (
            "read",
            "Codec.loads (verify, timestamps, decode)",
            lambda: codec.loads(value),
        ),
        ("write", "Codec.dumps (JSON, base64, HMAC)", dumps),
        ("write", "SessionStore.cookie_max_age", store.cookie_max_age),
        (
            "write",
            "size check (CookieHeaders.size)",
            lambda: cookies.size(value, 1209600),
        ),
        (
            "write",
            "Set-Cookie header (CookieHeaders)",
            lambda: cookies.set_cookie(value, 1209600, secure=False),
        ),
        (
            "tampered",
            "the security log line",
            lambda: log_rejection("bad signature"),
        ),
    ]
    samples: dict[tuple[str, str], list[float]] = {(w, n): [] for w, n, _ in pieces}
    for workload in requests:
        samples[workload, "whole request, over bare"] = []
    for _ in range(rounds):
        for workload, name, call in pieces:
            start = perf_counter_ns()
            for _ in range(count):
                call()
            samples[workload, name].append((perf_counter_ns() - start) / count / 1000)
        for workload, (ours, bare) in requests.items():
            diff = (ours.run(count) - bare.run(count)) / count / 1000
            samples[workload, "whole request, over bare"].append(diff)
    return [(w, n, median(values)) for (w, n), values in samples.items()]
