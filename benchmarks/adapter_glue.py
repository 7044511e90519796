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

Two more columns, for Flask and Pyramid: ``SessionMiddleware`` wrapped
around the framework's bare app, whose view uses the middleware's session
(``environ["signedsession.session"]``), over that bare app ("mw in fw": the
same session work as the middleware's, timed inside the framework's
request); and the adapter's overhead minus that and the plumbing's
("rest").
"""

from __future__ import annotations

import argparse
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

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
from .workloads import SECRET, WORKLOADS, action

__all__ = ["GLUED", "Glued", "main"]

#: The workloads timed.
NAMES = ("read", "write", "untouched")
#: The WSGI group: the middleware and its bare app.
MIDDLEWARE, WSGI_BARE = "signedsession", "wsgi"


#: Where SessionMiddleware puts the request's session.
ENVIRON_KEY = "signedsession.session"


@dataclass(frozen=True)
class Glued:
    """An adapter, and the contenders its glue is measured against.

    :param inside: ``SessionMiddleware`` around the framework's bare app
        (empty: not timed).
    """

    label: str
    adapter: str
    plumbing: str
    bare: str
    inside: str = ""


#: Every adapter timed, in the order printed.
GLUED = (
    Glued(
        "Flask adapter",
        "flask-signedsession",
        "flask-plumbing",
        "flask",
        "flask-inside",
    ),
    Glued(
        "Pyramid adapter",
        "pyramid-signedsession",
        "pyramid-plumbing",
        "pyramid",
        "pyramid-inside",
    ),
    Glued(
        "Pyramid, reissue_time=None",
        "pyramid-noreissue",
        "pyramid-plumbing",
        "pyramid",
        "pyramid-inside",
    ),
    Glued("Django engine", "django-signedsession", "django-plumbing", "django"),
)


def _inside(key: str, title: str, app: Any) -> Contender:
    from signedsession import SessionMiddleware

    wrapped = SessionMiddleware(app, secret_key=SECRET)
    framework = key.split("-")[0]
    return Contender(key, title, framework, "variant", "session", wsgi_request(wrapped))


def _flask_inside(bare: Contender) -> Contender:
    """SessionMiddleware around a Flask app with the bare app's interface."""
    import flask

    app = flask.Flask("glue_inside_flask")
    app.secret_key = SECRET
    # The bare app's interface: Flask does no session work of its own.
    bare_app = bare.request("/", None).app  # type: ignore[attr-defined]
    app.session_interface = bare_app.session_interface

    @app.route("/<path:rest>")
    def view(rest: str) -> bytes:
        return action(flask.request.path)(flask.request.environ[ENVIRON_KEY])

    return _inside("flask-inside", "SessionMiddleware around Flask", app)


def _pyramid_inside() -> Contender:
    """SessionMiddleware around a Pyramid app with no session factory."""
    from pyramid.config import Configurator
    from pyramid.response import Response

    def view(request: Any) -> Any:
        return Response(action(request.path_info)(request.environ[ENVIRON_KEY]))

    config = Configurator()
    config.add_route("any", "/*rest")
    config.add_view(view, route_name="any")
    return _inside(
        "pyramid-inside", "SessionMiddleware around Pyramid", config.make_wsgi_app()
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
    found.append(_pyramid_inside())
    found.append(_flask_inside(next(c for c in found if c.key == "flask")))
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
            if glued.inside:
                sources[glued.inside] = MIDDLEWARE
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
    if glued.inside:
        inside = [i - b for i, b in zip(samples[glued.inside, workload], bare)]
        series["inside"] = inside
        series["rest"] = [
            a - i - p for a, i, p in zip(series["adapter"], inside, series["plumbing"])
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
    time_cells(
        list(cells.values()), rounds=args.rounds, batch=args.batch, seed=args.seed
    )
    samples = {key: cell.samples for key, cell in cells.items()}
    rows: list[tuple[str, dict[str, list[float]]]] = []
    for glued in GLUED:
        if glued.adapter in contenders:
            for workload in NAMES:
                rows.append(
                    (
                        f"{glued.label}, {workload}",
                        glue_rounds(samples, glued, workload),
                    )
                )
    boot = Bootstrap(
        {(label, "glue"): series["glue"] for label, series in rows},
        resamples=1000,
        seed=args.seed,
    )
    title = f"µs over bare, median of {args.rounds} rounds"
    print(
        f"{title:<38} {'adapter':>8} {'middleware':>10} {'plumbing':>8}"
        f"  {'glue [95% CI]':<22} {'mw in fw':>8} {'rest':>6}"
    )
    for label, series in rows:
        key: Hashable = (label, "glue")
        adapter, middleware, plumbing = (
            median(series[part]) for part in ("adapter", "middleware", "plumbing")
        )
        inside, rest = (
            f"{median(series[part]):.2f}" if part in series else "-"
            for part in ("inside", "rest")
        )
        print(
            f"{label:<38} {adapter:>8.2f} {middleware:>10.2f} {plumbing:>8.2f}"
            f"  {boot.estimate(key).fmt(2):<22} {inside:>8} {rest:>6}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
