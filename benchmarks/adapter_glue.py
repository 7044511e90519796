"""A short focused timing of each adapter's glue: ``python -m benchmarks.adapter_glue``.

``python -m benchmarks.adapter_glue [--rounds N] [--batch N] [--seed N]``

Issue 18: an adapter adds at most 2 µs over ``SessionMiddleware`` plus its
framework's own session plumbing. For each framework this times, interleaved
in a new random order every round (as the suite does), its bare app, its
plumbing around a session that does nothing (the suite's ``*-plumbing``
contenders) and signedsession's adapter, beside the bare WSGI app and
``SessionMiddleware``, on the read, write and untouched workloads. Each
round's glue is the adapter's overhead minus the middleware's and the
plumbing's in the same round; the table gives the median overheads and the
median glue with its 95 % bootstrap interval. The Pyramid adapter is timed
twice: as the suite builds it (``reissue_time=0``, Pyramid's default: an
accessed cookie is signed again once it is a second old, which the
middleware never does) and with ``reissue_time=None``, which leaves the
glue alone. Django's engine is there too when Django is installed; its
plumbing is Django's ``SessionMiddleware`` over the least store, which sets
a cookie on a write, so its glue leaves out one ``Set-Cookie`` more than
the others'.
"""

from __future__ import annotations

import argparse
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

from .cells import cookie_header
from .contenders import (
    Contender,
    build_django,
    build_flask,
    build_pyramid,
    build_wsgi,
    pyramid_app,
    wsgi_request,
)
from .runner import Cell, time_cells
from .stats import Bootstrap, median
from .workloads import SECRET, WORKLOADS

__all__ = ["GLUED", "Glued", "main"]

#: The workloads timed.
NAMES = ("read", "write", "untouched")
#: The WSGI group: the middleware and its bare app.
MIDDLEWARE, WSGI_BARE = "signedsession", "wsgi"


@dataclass(frozen=True)
class Glued:
    """An adapter, and the contenders its glue is measured against."""

    label: str
    adapter: str
    plumbing: str
    bare: str


#: Every adapter timed, in the order printed.
GLUED = (
    Glued("Flask adapter", "flask-signedsession", "flask-plumbing", "flask"),
    Glued("Pyramid adapter", "pyramid-signedsession", "pyramid-plumbing", "pyramid"),
    Glued(
        "Pyramid, reissue_time=None",
        "pyramid-noreissue",
        "pyramid-plumbing",
        "pyramid",
    ),
    Glued("Django engine", "django-signedsession", "django-plumbing", "django"),
)


def _pyramid_noreissue() -> Contender:
    from signedsession.adapters.pyramid import SignedSessionFactory

    app = pyramid_app(SignedSessionFactory(SECRET, reissue_time=None))
    return Contender(
        "pyramid-noreissue",
        "Pyramid + signedsession adapter, reissue_time=None",
        "pyramid",
        "variant",
        "session",
        wsgi_request(app),
    )


def _contenders(problems: list[str]) -> dict[str, Contender]:
    found = [*build_wsgi(), *build_flask(problems), *build_pyramid(problems)]
    found.append(_pyramid_noreissue())
    try:
        found += build_django(problems)
    except ImportError as exc:
        problems.append(f"Django not installed ({exc}): its engine is left out")
    return {c.key: c for c in found}


def _cells(contenders: dict[str, Contender]) -> dict[tuple[str, str], Cell]:
    """Every cell, each bare app and plumbing carrying its adapter's cookie."""
    sources = {MIDDLEWARE: MIDDLEWARE, WSGI_BARE: MIDDLEWARE}
    for glued in GLUED:
        if glued.adapter in contenders:
            sources[glued.adapter] = glued.adapter
            for key in (glued.plumbing, glued.bare):
                sources.setdefault(key, glued.adapter)
    workloads = [w for w in WORKLOADS if w.name in NAMES]
    caches: dict[str, dict[str, str]] = {}
    cells = {}
    for key, source in sources.items():
        cache = caches.setdefault(source, {})
        for workload in workloads:
            header = cookie_header(contenders[source], workload.cookie, cache)
            request = contenders[key].request(workload.path, header)
            cells[key, workload.name] = Cell(contenders[key], workload.name, request)
    return cells


def glue_rounds(
    samples: dict[tuple[str, str], Sequence[float]], glued: Glued, workload: str
) -> dict[str, list[float]]:
    """Per-round overheads of the adapter, the middleware and the plumbing,
    and the adapter's glue: µs, one value per round."""
    bare = samples[glued.bare, workload]
    wsgi = samples[WSGI_BARE, workload]
    series = {
        "adapter": [a - b for a, b in zip(samples[glued.adapter, workload], bare)],
        "middleware": [m - w for m, w in zip(samples[MIDDLEWARE, workload], wsgi)],
        "plumbing": [p - b for p, b in zip(samples[glued.plumbing, workload], bare)],
    }
    series["glue"] = [
        a - m - p
        for a, m, p in zip(series["adapter"], series["middleware"], series["plumbing"])
    ]
    return series


def main(argv: list[str] | None = None) -> int:
    """Time the adapters, the middleware and the plumbing; print the glue."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.adapter_glue")
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    problems: list[str] = []
    contenders = _contenders(problems)
    for problem in problems:
        print(f"note: {problem}")
    cells = _cells(contenders)
    time_cells(list(cells.values()), rounds=args.rounds, batch=args.batch, seed=0)
    samples = {key: cell.samples for key, cell in cells.items()}
    rows: list[tuple[str, dict[str, list[float]]]] = []
    for glued in GLUED:
        if glued.adapter in contenders:
            for workload in NAMES:
                rows.append(
                    (f"{glued.label}, {workload}", glue_rounds(samples, glued, workload))
                )
    boot = Bootstrap(
        {(label, "glue"): series["glue"] for label, series in rows},
        resamples=1000,
        seed=args.seed,
    )
    print(
        f"{'µs over bare, median of ' + str(args.rounds) + ' rounds':<40}"
        f"{'adapter':>9}{'middleware':>12}{'plumbing':>10}{'glue [95% CI]':>22}"
    )
    for label, series in rows:
        key: Hashable = (label, "glue")
        e = boot.estimate(key)
        print(
            f"{label:<40}"
            f"{median(series['adapter']):>9.2f}"
            f"{median(series['middleware']):>12.2f}"
            f"{median(series['plumbing']):>10.2f}"
            f"{e.fmt(2):>22}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
