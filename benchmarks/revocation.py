"""Revocation on vs off: the cost of reading a recently issued cookie.

Run: ``python -m benchmarks.revocation`` (``--quick`` for fewer rounds).
Prints microseconds of CPU time per read (best of interleaved rounds) for
no revocation and for each backend, and the difference. Redis needs
``redis-server`` on the PATH (started here on a free port, stopped after).
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import timeit
from typing import Any

from signedsession import SessionSettings, SessionStore
from signedsession.revocation import (
    MemoryRevocations,
    RedisRevocations,
    SQLiteRevocations,
)

SECRET = "benchmark-secret-key-of-32-bytes-or-more"


def _read(settings: SessionSettings, value: str) -> Any:
    return SessionStore(value, settings=settings).get("uid")


def measure(settings: SessionSettings, number: int, repeat: int) -> float:
    """Microseconds per read of a fresh cookie, best of ``repeat``."""
    store = SessionStore(None, settings=settings)
    store.update({"uid": 42, "cart": [1, 2, 3], "csrf": "x" * 40})
    store.save()
    value = store.session_key
    assert value is not None
    assert _read(settings, value) == 42  # warm: codec built, poller started
    # CPU time of this thread: on a shared machine, wall time counts the
    # other processes' turns too (the noise was larger than the effect).
    timer = timeit.Timer(lambda: _read(settings, value), timer=time.thread_time)
    return min(timer.repeat(repeat=repeat, number=number)) / number * 1e6


def _redis(directory: str) -> tuple[Any, str] | None:
    if shutil.which("redis-server") is None:
        return None
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--dir",
            directory,
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(0.3)
    return process, f"redis://127.0.0.1:{port}/0"


def main(argv: list[str] | None = None) -> int:
    """Print the timings; exit status 0."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.revocation")
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    args = parser.parse_args(argv)
    number, rounds = (2000, 3) if args.quick else (5000, 30)
    with tempfile.TemporaryDirectory() as directory:
        backends: dict[str, Any] = {
            "memory": MemoryRevocations(),
            "sqlite": SQLiteRevocations(os.path.join(directory, "r.sqlite3")),
        }
        redis = _redis(directory)
        if redis is not None:
            backends["redis"] = RedisRevocations(redis[1])
        try:
            off_settings = SessionSettings(secret_key=SECRET)
            on_settings = {
                name: SessionSettings(
                    secret_key=SECRET, revocations=backend, user_key="uid"
                )
                for name, backend in backends.items()
            }
            # Interleaved rounds, best of each: a shared machine's noise
            # falls on both sides alike.
            best: dict[str, float] = {}
            for _ in range(rounds):
                for name, settings in [("off", off_settings), *on_settings.items()]:
                    value = measure(settings, number, 1)
                    best[name] = min(best.get(name, value), value)
            off = best["off"]
            print(f"revocation off:     {off:6.2f} us per read")
            for name in on_settings:
                on = best[name]
                print(
                    f"revocation {name + ':':8s}{on:6.2f} us per read"
                    f"  (+{on - off:.2f} us, x{on / off:.3f})"
                )
            for backend in backends.values():
                backend.close()
        finally:
            if redis is not None:
                redis[0].kill()
                redis[0].wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
