"""Peak memory (tracemalloc), cProfile excerpts, the pieces of a request."""

from __future__ import annotations

import cProfile
import hmac
import io
import logging
import os
import pstats
import site
import sys
import tracemalloc
from collections.abc import Mapping
from time import perf_counter_ns
from typing import Callable

from .drivers import Request
from .stats import median

__all__ = ["WHOLE", "peak_kib", "profile_excerpt", "stages"]

#: The stage that is the whole request, over the bare app.
WHOLE = "whole request, over bare"


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
    workloads: Mapping[str, str],
    cookie_headers: dict[str, str],
    requests: dict[str, tuple[Request, Request]],
    *,
    rounds: int,
    count: int,
) -> dict[str, dict[str, list[float]]]:
    """workload -> piece -> per-round µs, for the pieces of a request.

    Each piece goes through signedsession's public API only (what a rename
    inside the package cannot break), and the pieces and each whole request
    over its bare app are timed in the same interleaved rounds (batches of
    ``count``), so they share the machine's load; what a request costs
    beyond its pieces is the middleware's headers and bookkeeping.

    :param workloads: the workloads split into pieces: a read, a write and
        a tampered cookie, under the keys ``"read"``, ``"write"`` and
        ``"tampered"``.
    :param cookie_headers: workload -> the ``Cookie`` header it sends.
    :param requests: workload -> (SessionMiddleware request, bare request).
    """
    from signedsession import SessionSettings, SessionStore

    from .workloads import SECRET

    settings = SessionSettings(secret_key=SECRET)

    def value_of(header: str) -> str:
        value = SessionStore.from_cookie_header(header, settings=settings).session_key
        assert value is not None, "a stage needs a session cookie"
        return value

    read, write, reject_ = workloads["read"], workloads["write"], workloads["tampered"]
    read_header = cookie_headers[read]
    value = value_of(read_header)
    tampered = value_of(cookie_headers[reject_])
    written = dict(SessionStore(value_of(cookie_headers[write]), settings=settings))
    written["visits"] = 2
    store = SessionStore(value_of(cookie_headers[write]), settings=settings)
    store.get("visits")  # loaded once: the pieces below time the write alone
    mac_key = SECRET.encode()
    mac_body = value.encode("ascii")

    def save() -> None:
        store["visits"] = 2
        store.save()

    def response_cookie() -> object:
        store["visits"] = 2
        return store.response_cookie()

    key = next(iter(SessionStore(value, settings=settings)))  # a key it holds

    def reject() -> object:
        return SessionStore(tampered, settings=settings).get(key)

    pieces: list[tuple[str, str, Callable[[], object]]] = [
        (
            read,
            "open the store, parse the Cookie header"
            " (SessionStore.from_cookie_header, session_key)",
            lambda: (
                SessionStore.from_cookie_header(
                    read_header, settings=settings
                ).session_key
            ),
        ),
        (
            read,
            "verify, check the timestamps, decode (SessionStore(value).get)",
            lambda: SessionStore(value, settings=settings).get(key),
        ),
        (
            read,
            "for scale: one HMAC-SHA256 of the cookie value (stdlib hmac)",
            lambda: hmac.digest(mac_key, mac_body, "sha256"),
        ),
        (
            write,
            "serialize and sign (SessionStore.encode)",
            lambda: store.encode(written),
        ),
        (write, "set a key and save: encode, size check (save)", save),
        (
            write,
            "set a key and decide the cookie: save, Max-Age (response_cookie)",
            response_cookie,
        ),
        (reject_, "reject: SessionStore(tampered value).get, logger off", reject),
    ]
    log = "the security log line: the same with the logger on, minus off"
    security = logging.getLogger("signedsession.security")
    samples: dict[str, dict[str, list[float]]] = {}
    for workload, name, _ in pieces:
        samples.setdefault(workload, {})[name] = []
    samples[reject_][log] = []
    for workload in requests:
        samples.setdefault(workload, {})[WHOLE] = []

    def batch(call: Callable[[], object]) -> float:
        start = perf_counter_ns()
        for _ in range(count):
            call()
        return (perf_counter_ns() - start) / count / 1000

    level = security.level
    for _ in range(rounds):
        security.setLevel(logging.ERROR)
        try:
            for workload, name, call in pieces:
                samples[workload][name].append(batch(call))
        finally:
            security.setLevel(level)
        off = samples[reject_][pieces[-1][1]][-1]
        samples[reject_][log].append(batch(reject) - off)
        for workload, (ours, bare) in requests.items():
            diff = (ours.run(count) - bare.run(count)) / count / 1000
            samples[workload][WHOLE].append(diff)
    return samples
