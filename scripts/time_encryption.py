"""Encrypted vs signed sessions on the same data: read, write, tampered, length.

Run: .venv/bin/python scripts/time_encryption.py   (prints ratios; a focused
check of issue 15's targets, not the full benchmark in benchmarks/).
"""

from __future__ import annotations

import logging
import time
import timeit
from typing import Any, Callable

from signedsession import SessionMiddleware, SessionSettings, SessionStore
from signedsession._codec import Codec

SECRET = "timing-secret-key-that-is-32-bytes-long!"
SESSIONS: dict[str, dict[str, Any]] = {
    "small": {"user_id": 42, "csrf": "a" * 43},
    "medium": {
        "user_id": 42,
        "csrf": "b" * 43,
        "cart": [{"sku": f"SKU-{i:05d}", "qty": i % 3 + 1} for i in range(20)],
        "flash": ["Saved.", "Welcome back, Alice."],
    },
    "large": {"user_id": 42, "notes": [f"note number {i} " * 4 for i in range(40)]},
}


def best(call: Callable[[], object], number: int = 2000, repeat: int = 7) -> float:
    """Seconds per call, the best of ``repeat`` runs of ``number`` calls."""
    # CPU time, not wall time: the machine is shared, and waiting is not cost.
    runs = timeit.repeat(call, number=number, repeat=repeat, timer=time.process_time)
    return min(runs) / number


def measure(settings: SessionSettings, data: dict[str, Any]) -> dict[str, float]:
    store = SessionStore(settings=settings)
    store.update(data)
    store.save()
    value = store.session_key
    assert value is not None
    # Flip one character in the middle: a forged value, the common attack.
    i = len(value) // 2
    tampered = value[:i] + ("A" if value[i] != "A" else "B") + value[i + 1 :]
    codec = Codec.of(settings)
    assert codec.try_loads(tampered) is None

    def read() -> object:
        return SessionStore(value, settings=settings).get("user_id")

    def write() -> object:
        fresh = SessionStore(value, settings=settings)
        fresh["n"] = 1
        fresh.save()
        return fresh.session_key

    def view(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        environ["signedsession.session"].get("user_id")
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    app = SessionMiddleware(view, settings)

    def request(cookie: str) -> Callable[[], object]:
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": "/",
            "wsgi.url_scheme": "http",
            "HTTP_COOKIE": f"session={cookie}",
        }
        return lambda: app(dict(environ), lambda status, headers, exc=None: None)

    return {
        "request read": best(request(value)),
        "request tampered": best(request(tampered)),
        "read": best(read),
        "write": best(write),
        "tampered": best(lambda: codec.try_loads(tampered)),
        "length": float(len(value)),
    }


def main() -> None:
    # A rejection logs one line, as in production; written nowhere here.
    security = logging.getLogger("signedsession.security")
    security.addHandler(logging.NullHandler())
    security.propagate = False
    print(f"{'session':8} {'what':17} {'signed':>10} {'encrypted':>10} {'ratio':>6}")
    for name, data in SESSIONS.items():
        plain = measure(SessionSettings(secret_key=SECRET), data)
        sealed = measure(SessionSettings(secret_key=SECRET, encrypt=True), data)
        for what in ("read", "write", "tampered", "request read", "request tampered"):
            before, after = plain[what] * 1e6, sealed[what] * 1e6
            print(
                f"{name:8} {what:17} {before:8.2f}us {after:8.2f}us"
                f" {after / before:6.2f}"
            )
        print(
            f"{name:8} {'length':17} {plain['length']:10.0f} {sealed['length']:10.0f}"
            f" {sealed['length'] - plain['length']:+6.0f}"
        )
        for label, bad, good in (
            ("tamp/read", "tampered", "read"),
            ("request tamp/read", "request tampered", "request read"),
        ):
            print(
                f"{name:8} {label:17} {plain[bad] / plain[good]:10.2f}"
                f" {sealed[bad] / sealed[good]:10.2f}"
            )


if __name__ == "__main__":
    main()
