"""A short focused timing: the ASGI middleware against Starlette's own.

``python -m benchmarks.asgi_ratio [--rounds N] [--batch N]``

The suite's Starlette contenders (the bare app, Starlette's
``SessionMiddleware`` and ``signedsession.asgi.SessionMiddleware``) and the
stdlib floor as ASGI middleware (:class:`~benchmarks.floor.FloorAsgiMiddleware`
over the same Starlette view), driven without an event loop as the suite
drives them, on the read, write and untouched workloads. Rounds interleave
the apps; each round's overhead is the app's time minus the bare app's in
the same round, and the median over rounds is reported with the ratios of
ours and of the floor to Starlette's: the floor's ratio is the least any
signed-cookie session can reach under the same view.
"""

from __future__ import annotations

import argparse
import statistics
from typing import Any

from .contenders import Contender, build_starlette
from .drivers import AsgiRequest, Request, asgi_scope
from .floor import FloorAsgiMiddleware
from .workloads import SECRET, action

#: The suite's workload names, and each one's request path.
WORKLOADS = {"read": "/read/small", "write": "/write", "untouched": "/untouched"}


def _cookie(request: Request, name: str) -> str:
    response = request.once()
    for key, value in response.headers:
        if key.lower() == "set-cookie" and value.startswith(name + "="):
            return value.split(";", 1)[0]
    raise AssertionError("no session cookie was set")


def main(argv: list[str] | None = None) -> int:
    """Time the three apps and print per-request overheads and ratios."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.asgi_ratio")
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--batch", type=int, default=2000)
    args = parser.parse_args(argv)
    apps = {c.key: c for c in [*build_starlette([]), _floor_contender()]}
    keys = ("starlette", "starlette-session", "signedsession-asgi", "floor-asgi")
    overheads: dict[tuple[str, str], float] = {}
    for workload, path in WORKLOADS.items():
        requests = {}
        for key in keys:
            seed = apps[key].request("/seed/small", None)
            cookie = None if key == "starlette" else _cookie(seed, "session")
            app = seed.app  # type: ignore[attr-defined]
            requests[key] = AsgiRequest(app, asgi_scope(path, cookie))
        diffs: dict[str, list[float]] = {key: [] for key in keys[1:]}
        for _ in range(args.rounds):
            times = {k: requests[k].run(args.batch) / args.batch for k in keys}
            for key in keys[1:]:
                diffs[key].append((times[key] - times["starlette"]) / 1000)
        for key in keys[1:]:
            overheads[key, workload] = statistics.median(diffs[key])
    print(f"{'µs over bare':<38}" + "".join(f"{w:>12}" for w in WORKLOADS))
    for key in keys[1:]:
        print(
            f"{apps[key].title:<38}"
            + "".join(f"{overheads[key, w]:>12.2f}" for w in WORKLOADS)
        )
    for key, label in (("signedsession-asgi", "ours"), ("floor-asgi", "floor")):
        ratios = [
            overheads[key, w] / overheads["starlette-session", w] for w in WORKLOADS
        ]
        print(f"{label + ' / Starlette':<38}" + "".join(f"{r:>11.2f}x" for r in ratios))
    ratios = [
        overheads["signedsession-asgi", w] / overheads["floor-asgi", w]
        for w in WORKLOADS
    ]
    print(f"{'ours / floor':<38}" + "".join(f"{r:>11.2f}x" for r in ratios))
    return 0


def _floor_contender() -> Contender:
    """The stdlib floor as ASGI middleware over the suite's Starlette view."""
    from starlette.requests import Request as StarletteRequest
    from starlette.responses import Response

    async def view(scope: Any, receive: Any, send: Any) -> None:
        body = action(scope["path"])(StarletteRequest(scope, receive).session)
        await Response(body, media_type="text/plain")(scope, receive, send)

    app = FloorAsgiMiddleware(view, SECRET)
    return Contender(
        "floor-asgi",
        "stdlib floor as ASGI middleware",
        "starlette",
        "floor",
        "session",
        lambda path, cookie: AsgiRequest(app, asgi_scope(path, cookie)),
    )


if __name__ == "__main__":
    raise SystemExit(main())
