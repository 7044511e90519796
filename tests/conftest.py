"""Fixtures shared by the test modules: a controllable clock and settings."""

from __future__ import annotations

import os
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


class RedisServer:
    """A real ``redis-server`` on a free 127.0.0.1 port, no persistence."""

    def __init__(self, directory: str) -> None:
        self.directory = directory
        self.port = _free_port()
        self.process: Any = None
        self.start()

    @property
    def url(self) -> str:
        """The server's URL, database 0."""
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def pid(self) -> int:
        """The server process's id."""
        return int(self.process.pid)

    def start(self) -> None:
        """Start the server (again, on the same port) and wait until it answers."""
        import socket
        import subprocess
        import time

        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                self.directory,
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), 0.2) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.02)
        self.kill()
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        """Kill the server by its pid (SIGKILL) and reap it."""
        import signal

        if self.process is not None and self.process.poll() is None:
            os.kill(self.pid, signal.SIGCONT)
            os.kill(self.pid, signal.SIGKILL)
            self.process.wait(10)

    def pause(self) -> None:
        """SIGSTOP: the server holds its connections and answers nothing."""
        import signal

        os.kill(self.pid, signal.SIGSTOP)

    def resume(self) -> None:
        """SIGCONT after :meth:`pause`."""
        import signal

        os.kill(self.pid, signal.SIGCONT)

    def client(self) -> Any:
        """A redis-py client of this server."""
        import redis

        return redis.Redis(host="127.0.0.1", port=self.port, db=0)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def redis_server(tmp_path: Any) -> Iterator[RedisServer]:
    """A real redis-server for this test, stopped by its pid afterwards.

    Skips when ``redis-server`` is not installed, except when
    ``SIGNEDSESSION_REQUIRE_REDIS`` is set (CI sets it): then it fails.
    """
    import shutil

    if shutil.which("redis-server") is None:
        message = "redis-server is not installed (scripts/install-redis.sh)"
        if os.environ.get("SIGNEDSESSION_REQUIRE_REDIS"):
            pytest.fail(f"SIGNEDSESSION_REQUIRE_REDIS is set but {message}")
        pytest.skip(message)
    directory = tmp_path / "redis"
    directory.mkdir()
    server = RedisServer(str(directory))
    yield server
    server.kill()


@pytest.fixture(params=["memory", "sqlite", "redis"])
def make_revocations(
    request: pytest.FixtureRequest, tmp_path: Any
) -> Iterator[Callable[..., Any]]:
    """Build a revocation backend of each kind (Redis: a real server).

    ``make_revocations(**options)``; the backends are closed afterwards.
    """
    from signedsession.revocation import (
        MemoryRevocations,
        RedisRevocations,
        SQLiteRevocations,
    )

    made: list[Any] = []
    kind = request.param
    server = request.getfixturevalue("redis_server") if kind == "redis" else None

    def make(**options: Any) -> Any:
        if kind == "memory":
            backend: Any = MemoryRevocations(**options)
        elif kind == "sqlite":
            backend = SQLiteRevocations(tmp_path / "revoked.sqlite3", **options)
        else:
            backend = RedisRevocations(server.url, **options)  # type: ignore[union-attr]
        made.append(backend)
        return backend

    make.kind = kind  # type: ignore[attr-defined]
    make.server = server  # type: ignore[attr-defined]
    yield make
    for backend in made:
        backend.close()


@pytest.fixture
def revocation_servers() -> Iterator[Callable[..., list[str]]]:
    """Start waitress servers in their own processes on one revocation store.

    ``revocation_servers(url, count=2, check_interval=60)`` returns their
    base URLs; each is killed by its pid after the test.
    """
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).parent / "revocation_server.py"
    processes: list[Any] = []

    def start(url: str, count: int = 2, check_interval: float = 60) -> list[str]:
        bases = []
        for _ in range(count):
            process = subprocess.Popen(
                [sys.executable, str(script), url, str(check_interval)],
                stdout=subprocess.PIPE,
                text=True,
            )
            processes.append(process)
            assert process.stdout is not None
            port = int(process.stdout.readline())
            bases.append(f"http://127.0.0.1:{port}")
        return bases

    yield start
    for process in processes:
        process.kill()
        process.wait(10)
        process.stdout.close()
