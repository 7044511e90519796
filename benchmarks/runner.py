"""Interleaved, repeated timing of every (contender, workload) cell."""

from __future__ import annotations

import gc
import random
import sys
from dataclasses import dataclass, field
from typing import Callable

from .contenders import Contender
from .drivers import Request, Response

__all__ = [
    "Cell",
    "CheckFailed",
    "CookieTooLarge",
    "check",
    "print_progress",
    "time_cells",
]


@dataclass
class Cell:
    """One contender making one kind of request, and its timings.

    ``samples[i]`` is the mean µs per request of the batch timed in round i.
    """

    contender: Contender
    workload: str
    request: Request
    samples: list[float] = field(default_factory=list)


#: The most bytes of name and value together of a cookie that a browser
#: keeps: Chromium ignores a longer one (checked with Debian's chromium 156:
#: 4096 kept, 4097 dropped), as Firefox does; RFC 6265 asks for at least 4096.
BROWSER_COOKIE_LIMIT = 4096


class CheckFailed(Exception):
    """A contender answered a workload wrongly: its timing would be a lie."""


class CookieTooLarge(CheckFailed):
    """The one thing wrong is a cookie too large for browsers to keep."""


def check(
    cell: Cell,
    *,
    body: bytes | None,
    cookie: bool | None,
) -> Response:
    """Make the request once and verify the answer before it is timed."""
    response = cell.request.once()
    name = cell.contender.cookie_name
    problems = []
    if not response.status.startswith("200"):
        problems.append(f"status {response.status}")
    if body is not None and response.body != body:
        problems.append(f"body {response.body[:40]!r}, expected {body!r}")
    sets = [c for c in response.set_cookies() if c.split("=", 1)[0].strip() == name]
    if cookie is True and not sets:
        problems.append("no Set-Cookie")
    if cookie is False and sets:
        problems.append(f"unexpected Set-Cookie {sets[0][:40]!r}")
    too_large = []
    for header in sets:
        cookie_name, _, value = header.split(";", 1)[0].partition("=")
        size = len(cookie_name.strip()) + len(value.strip())
        if size > BROWSER_COOKIE_LIMIT:
            # The browser ignores it: the session written is lost.
            too_large.append(
                f"a cookie of {size} bytes (name and value), over the"
                f" {BROWSER_COOKIE_LIMIT} that browsers keep"
            )
    if problems or too_large:
        error = CheckFailed if problems else CookieTooLarge
        raise error(
            f"{cell.contender.title} / {cell.workload}:"
            f" {'; '.join(problems + too_large)}"
        )
    return response


def time_cells(
    cells: list[Cell],
    *,
    rounds: int,
    batch: int,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """Time every cell ``rounds`` times, in a new random order each round.

    Each turn of a cell runs ``batch`` requests back to back. The garbage
    collector runs between rounds, not inside a batch (as :mod:`timeit`
    does), so a collection triggered by one contender is not billed to
    whichever cell happens to be running.
    """
    for cell in cells:  # warm up: caches, lazy imports, first-request work
        cell.request.run(batch)
    rng = random.Random(seed)
    order = list(cells)
    for index in range(rounds):
        rng.shuffle(order)
        gc.collect()
        gc.disable()
        try:
            for cell in order:
                cell.samples.append(cell.request.run(batch) / batch / 1000)
        finally:
            gc.enable()
        if progress is not None:
            progress(index + 1, rounds)


def print_progress(done: int, total: int) -> None:
    """A one-line progress counter on stderr."""
    end = "\n" if done == total else ""
    print(f"\r  round {done}/{total}", end=end, file=sys.stderr, flush=True)
