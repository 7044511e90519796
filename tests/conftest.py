"""Fixtures shared by the test modules: a controllable clock and settings."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any, Callable

import pytest
from shared import NOW, SECRET
from store_contract import LoadSpy

import signedsession._clock
from signedsession import SessionSettings


class Clock:
    """A stand-in for :func:`signedsession._clock.time` that moves on demand."""

    def __init__(self, start: float = float(NOW)) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """Freeze signedsession's time at a fixed moment; ``advance`` moves it."""
    fake = Clock()
    monkeypatch.setattr(signedsession._clock, "time", fake)
    return fake


@pytest.fixture
def make_settings() -> Callable[..., SessionSettings]:
    """Build SessionSettings with a strong test secret and the given fields."""

    def make(**fields: Any) -> SessionSettings:
        fields.setdefault("secret_key", SECRET)
        return SessionSettings(**fields)

    return make


@pytest.fixture
def settings(make_settings: Callable[..., SessionSettings]) -> SessionSettings:
    """Default settings with the test secret."""
    return make_settings()


@pytest.fixture
def load_spy(monkeypatch: pytest.MonkeyPatch) -> LoadSpy:
    """Count the codec's verifications (``Codec.try_loads`` calls)."""
    return LoadSpy(monkeypatch)


ServerFactory = Callable[..., Any]


def _waitress_server(app: Any, *, host: str, port: int, threads: int = 8) -> Any:
    import waitress

    return waitress.create_server(app, host=host, port=port, threads=threads)


@pytest.fixture
def serve_wsgi() -> Iterator[Callable[..., str]]:
    """Serve WSGI apps with waitress on 127.0.0.1; stop them after the test.

    ``serve_wsgi(app)`` returns the base URL of a server on an ephemeral
    port; ``create=`` builds the server another way (the demo's own). The
    server's loop polls in short steps on its thread, so stopping is an
    event, a join, and then closing every socket from this thread once
    nothing else runs the loop: no cross-thread wake-ups to race with.
    """
    from waitress import wasyncore

    running: list[tuple[Any, threading.Event, threading.Thread]] = []

    def start(app: Any, *, create: ServerFactory = _waitress_server) -> str:
        server = create(app, host="127.0.0.1", port=0)
        stop = threading.Event()

        def loop() -> None:
            while not stop.is_set():
                wasyncore.loop(timeout=0.05, map=server._map, count=1)

        thread = threading.Thread(target=loop, name="waitress", daemon=True)
        thread.start()
        running.append((server, stop, thread))
        return f"http://127.0.0.1:{server.effective_port}"

    yield start
    for server, stop, thread in running:
        stop.set()
        thread.join(SERVER_STOP_TIMEOUT)
        assert not thread.is_alive(), "the server loop did not stop"
        for channel in list(server._map.values()):
            channel.close()
        server.task_dispatcher.shutdown()


SERVER_STOP_TIMEOUT = 10  # seconds
