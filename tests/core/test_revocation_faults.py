"""Revocation backends down, slow, locked or read-only: never a 5xx.

Redis is a real ``redis-server`` stopped with SIGSTOP, killed and restarted;
SQLite is a real file locked by another connection or opened read-only.
"""

from __future__ import annotations

import logging
import sqlite3
import time
import warnings
from typing import Any

import pytest
from setcookie import set_cookies
from webtest import TestApp

from signedsession import SessionMiddleware, SessionSettings, SessionStore
from signedsession.revocation import (
    REVOKED,
    TRUSTED,
    UNCHECKED,
    RedisRevocations,
    SQLiteRevocations,
)

SECRET = "test-secret-key-that-is-32-bytes-long!"
REVOCATION_LOG = "signedsession.revocation"
SECURITY = "signedsession.security"


def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    session: SessionStore = environ["signedsession.session"]
    if environ["PATH_INFO"] == "/login":
        session["uid"] = "alice"
    elif environ["PATH_INFO"] == "/logout":
        session.flush()
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [str(session.get("uid", "anonymous")).encode()]


def login(settings: SessionSettings) -> str:
    response = TestApp(SessionMiddleware(app, settings)).get("/login")
    ((_, value, _),) = set_cookies(response)
    return value


def read(settings: SessionSettings, value: str) -> tuple[int, str, float]:
    """Status, body and seconds taken of a request carrying ``value``."""
    client = TestApp(SessionMiddleware(app, settings))
    start = time.monotonic()
    response = client.get("/", headers={"Cookie": f"session={value}"})
    return response.status_int, response.text, time.monotonic() - start


def errors(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [
        r
        for r in caplog.records
        if r.name == REVOCATION_LOG and r.levelno == logging.ERROR
    ]


def wait_until(predicate: Any, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return bool(predicate())


@pytest.fixture
def redis_backend(redis_server: Any) -> Any:
    backend = RedisRevocations(redis_server.url, poll_interval=0.1)
    yield backend
    if redis_server.process.poll() is None:
        redis_server.resume()
    backend.close()


# -- Redis -------------------------------------------------------------------


@pytest.mark.parametrize("fault", ["paused", "killed"])
def test_redis_down_fails_open_bounded_and_logged_once(
    redis_server: Any,
    redis_backend: Any,
    clock: Any,
    caplog: pytest.LogCaptureFixture,
    fault: str,
) -> None:
    settings = SessionSettings(secret_key=SECRET, revocations=redis_backend)
    value = login(settings)
    clock.advance(120)  # older than check_interval: the backend is asked
    (redis_server.pause if fault == "paused" else redis_server.kill)()
    caplog.set_level(logging.ERROR, REVOCATION_LOG)
    results = [read(settings, value) for _ in range(5)]
    assert [(status, body) for status, body, _ in results] == [(200, "alice")] * 5
    assert max(seconds for _, _, seconds in results) < 0.5  # timeout 50 ms
    assert redis_backend.unchecked == 5
    assert redis_backend.errors >= 5
    assert len(errors(caplog)) == 1


def test_redis_down_fail_closed_gives_empty_sessions(
    redis_server: Any, clock: Any, caplog: pytest.LogCaptureFixture
) -> None:
    backend = RedisRevocations(redis_server.url, fail_closed=True)
    settings = SessionSettings(secret_key=SECRET, revocations=backend)
    value = login(settings)
    clock.advance(120)
    redis_server.pause()
    try:
        with caplog.at_level(logging.WARNING, SECURITY):
            status, body, _ = read(settings, value)
    finally:
        redis_server.resume()
        backend.close()
    assert (status, body) == (200, "anonymous")
    assert [r.getMessage() for r in caplog.records if r.name == SECURITY] == [
        "session cookie rejected: revocation unchecked"
    ]


def test_redis_stale_local_set_counts_recent_cookies_unchecked(
    redis_server: Any, redis_backend: Any
) -> None:
    settings = SessionSettings(secret_key=SECRET, revocations=redis_backend)
    value = login(settings)
    assert read(settings, value)[:2] == (200, "alice")  # first poll: fresh
    redis_server.kill()
    time.sleep(redis_backend._stale_after + 0.1)
    assert redis_backend.check("x", None, 0, time.time()) == UNCHECKED
    assert read(settings, value)[:2] == (200, "alice")  # fail-open


def test_revocation_while_redis_is_down_is_queued_and_lands(
    redis_server: Any, redis_backend: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings = SessionSettings(secret_key=SECRET, revocations=redis_backend)
    browser = TestApp(SessionMiddleware(app, settings))
    value = login(settings)
    browser.set_cookie("session", value)
    redis_server.kill()
    caplog.set_level(logging.WARNING, REVOCATION_LOG)
    assert browser.get("/logout").status_int == 200
    assert redis_backend.pending == 1
    assert [r.getMessage() for r in errors(caplog) if "queued" in r.getMessage()]
    # This process refuses it at once, from its local set.
    assert read(settings, value)[:2] == (200, "anonymous")
    # Another process (a second backend object) learns of it once it lands.
    redis_server.start()
    assert wait_until(lambda: redis_backend.pending == 0)
    # Logged by the retrying thread just after the queue shrank.
    assert wait_until(
        lambda: any(
            r.getMessage().startswith("queued revocation stored")
            for r in caplog.records
        )
    )
    other = RedisRevocations(redis_server.url)
    try:
        other_settings = SessionSettings(secret_key=SECRET, revocations=other)
        assert read(other_settings, value)[:2] == (200, "anonymous")
    finally:
        other.close()


def test_redis_restarted_recovers_checks(
    redis_server: Any, redis_backend: Any, clock: Any
) -> None:
    settings = SessionSettings(secret_key=SECRET, revocations=redis_backend)
    value = login(settings)
    clock.advance(120)
    redis_server.kill()
    assert read(settings, value)[:2] == (200, "alice")
    unchecked = redis_backend.unchecked
    redis_server.start()
    assert read(settings, value)[:2] == (200, "alice")
    assert redis_backend.unchecked == unchecked  # checked again


# -- SQLite ------------------------------------------------------------------


def test_sqlite_locked_reads_go_on_and_revocations_queue(
    tmp_path: Any, clock: Any, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "revoked.sqlite3"
    backend = SQLiteRevocations(path, poll_interval=0.1)
    settings = SessionSettings(secret_key=SECRET, revocations=backend)
    value = login(settings)
    backend.revoke_session("warm-up")  # the file and its schema exist
    clock.advance(120)
    locker = sqlite3.connect(path, isolation_level=None)
    locker.execute("BEGIN IMMEDIATE")  # another writer holds the lock
    try:
        caplog.set_level(logging.ERROR, REVOCATION_LOG)
        status, body, seconds = read(settings, value)
        # WAL: readers pass a writer, so the check itself still answers.
        assert (status, body) == (200, "alice")
        assert seconds < 0.5
        assert backend.unchecked == 0
        start = time.monotonic()
        backend.revoke_session("while-locked")
        assert time.monotonic() - start < 0.5  # busy timeout 50 ms
        assert backend.pending == 1
        assert [r for r in errors(caplog) if "queued" in r.getMessage()]
        assert backend.is_revoked("while-locked")  # here at once
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    assert wait_until(lambda: backend.pending == 0)
    other = SQLiteRevocations(path)
    assert other._lookup("while-locked", None, 0)
    other.close()
    backend.close()


def test_sqlite_unreadable_fails_open(
    tmp_path: Any, clock: Any, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "revoked.sqlite3"
    path.write_bytes(b"not a database" * 100)
    backend = SQLiteRevocations(path)
    settings = SessionSettings(secret_key=SECRET, revocations=backend)
    value = login(settings)
    clock.advance(120)
    caplog.set_level(logging.ERROR, REVOCATION_LOG)
    assert read(settings, value)[:2] == (200, "alice")
    assert read(settings, value)[:2] == (200, "alice")
    assert backend.unchecked == 2
    assert len(errors(caplog)) == 1
    backend.close()


def test_sqlite_read_only_queues_revocations(tmp_path: Any, clock: Any) -> None:
    path = tmp_path / "revoked.sqlite3"
    writable = SQLiteRevocations(path)
    writable.revoke_session("old")
    read_only = SQLiteRevocations(f"file:{path}?mode=ro", poll_interval=0.1)
    settings = SessionSettings(secret_key=SECRET, revocations=read_only)
    browser = TestApp(SessionMiddleware(app, settings))
    value = login(settings)
    browser.set_cookie("session", value)
    assert browser.get("/logout").status_int == 200
    assert read_only.pending == 1  # retried every poll, never lost
    assert read(settings, value)[:2] == (200, "anonymous")
    assert read_only._lookup("old", None, 0)  # reads still work
    time.sleep(0.3)
    assert read_only.pending == 1
    read_only.close()
    writable.close()


def _child_reads(path: str, queue: Any) -> None:
    # In a forked worker the parent's poller thread is gone: the inherited
    # backend must start its own and learn of another process's revocation.
    backend = FORKED["backend"]
    SQLiteRevocations(path).revoke_session("forked-id")  # "another process"
    deadline = time.monotonic() + 1.0
    verdict = backend.check("forked-id", None, 0, time.time())
    while verdict != REVOKED and time.monotonic() < deadline:
        time.sleep(0.02)
        verdict = backend.check("forked-id", None, 0, time.time())
    queue.put((verdict, backend._thread is not None and backend._thread.is_alive()))


FORKED: dict[str, Any] = {}


def test_a_forked_worker_polls_on_its_own(tmp_path: Any) -> None:
    import multiprocessing

    path = str(tmp_path / "revoked.sqlite3")
    backend = SQLiteRevocations(path, poll_interval=0.1)
    FORKED["backend"] = backend
    assert backend.check("warm", None, 0, time.time()) == TRUSTED  # poller runs
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_child_reads, args=(path, queue))
    with warnings.catch_warnings():
        # Python 3.12+ warns on fork() with threads running: forking a
        # server that already serves is exactly what this test is about.
        warnings.simplefilter("ignore", DeprecationWarning)
        child.start()
    verdict, polling = queue.get(timeout=30)
    child.join(30)
    backend.close()
    assert (child.exitcode, verdict, polling) == (0, REVOKED, True)
