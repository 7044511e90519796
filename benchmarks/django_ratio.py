"""A short focused timing of the Django engine: ``python -m benchmarks.django_ratio``.

Times, interleaved, four Django handlers on the read and write workloads:
bare (no middleware), Django's ``SessionMiddleware`` over its own
``signed_cookies`` engine, over signedsession's engine, and over the least
store Django's middleware can drive (:class:`SessionStore` below, a dict that
signs nothing: the middleware's own cost), and over the stdlib floor as an
engine (:mod:`benchmarks.django_floor`: that store, verifying and signing
with json, HMAC-SHA256 and base64). Prints each one's overhead over bare
(the minimum of the rounds) and its ratio to Django's ``signed_cookies``,
the issue-16 target for ours being 0.35 or less.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from .contenders import build_django
from .django_floor import KEY
from .drivers import WsgiRequest, wsgi_environ
from .floor import sign
from .workloads import BASE_DATA

OTHER_COOKIES = "lang=en; _pk=1f9a0c7e2b"


class SessionStore(dict):  # type: ignore[type-arg]
    """The least a store can be under Django's ``SessionMiddleware``."""

    accessed = False
    modified = False

    def __init__(self, session_key: str | None = None) -> None:
        super().__init__()
        self.session_key = session_key

    def get(self, key: str, default: Any = None) -> Any:
        self.accessed = True
        return dict.get(self, key, default)

    def __setitem__(self, key: str, value: Any) -> None:
        self.accessed = self.modified = True
        dict.__setitem__(self, key, value)

    def is_empty(self) -> bool:
        return False

    def get_expire_at_browser_close(self) -> bool:
        return False

    def get_expiry_age(self) -> int:
        return 1209600

    def save(self) -> None:
        self.session_key = self.session_key or "x" * 40


def _cookie(contender: Any) -> str:
    answer = contender.request("/seed/small", None).once()
    for header in answer.set_cookies():
        name, _, rest = header.strip().partition("=")
        if name == contender.cookie_name:
            return f"{name}={rest.split(';')[0]}; {OTHER_COOKIES}"
    raise SystemExit(f"{contender.title} set no cookie on /seed")


def main() -> None:
    """Run the timing and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--requests", type=int, default=1000)
    args = parser.parse_args()

    contenders = {c.key: c for c in build_django([])}
    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler

    settings.MIDDLEWARE = ["django.contrib.sessions.middleware.SessionMiddleware"]
    settings.SESSION_ENGINE = __name__
    least = WSGIHandler()
    settings.SESSION_ENGINE = "benchmarks.django_floor"
    floor = WSGIHandler()  # the middleware takes the engine when it is built
    floor_cookie = f"sessionid={sign(BASE_DATA, KEY, int(time.time()))}"
    django_cookie = _cookie(contenders["django-signed"])
    ours_cookie = _cookie(contenders["django-signedsession"])
    for path in ("/read/small", "/write"):
        requests = {
            "bare": contenders["django"].request(path, django_cookie),
            "least store": WsgiRequest(
                least, wsgi_environ(path, f"sessionid={'x' * 40}; {OTHER_COOKIES}")
            ),
            "stdlib floor": WsgiRequest(
                floor, wsgi_environ(path, f"{floor_cookie}; {OTHER_COOKIES}")
            ),
            "Django signed_cookies": contenders["django-signed"].request(
                path, django_cookie
            ),
            "signedsession engine": contenders["django-signedsession"].request(
                path, ours_cookie
            ),
        }
        best = dict.fromkeys(requests, float("inf"))
        for _ in range(args.rounds):
            for name, request in requests.items():
                started = time.perf_counter()
                request.run(args.requests)
                elapsed = (time.perf_counter() - started) / args.requests * 1e6
                best[name] = min(best[name], elapsed)
        over = {name: best[name] - best["bare"] for name in requests}
        theirs = over["Django signed_cookies"]
        print(
            f"{path.split('/')[1]:5}: bare {best['bare']:.1f} us; overhead"
            + "".join(
                f"; {name} {over[name]:.1f} us ({over[name] / theirs:.3f}x Django's)"
                for name in requests
                if name != "bare"
            )
        )


if __name__ == "__main__":
    main()
