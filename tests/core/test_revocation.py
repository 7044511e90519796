"""Revocation through the WSGI middleware, against every backend.

Memory, SQLite (a file) and Redis (a real ``redis-server``) run the same
tests through the ``make_revocations`` fixture.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any, Callable

import pytest
from setcookie import set_cookies
from webtest import TestApp

from signedsession import SessionMiddleware, SessionSettings, SessionStore
from signedsession.revocation import CHECKED, REVOKED, TRUSTED

SECRET = "test-secret-key-that-is-32-bytes-long!"
SECURITY = "signedsession.security"


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """Log in, read, log out and the revocations, one path each."""
    session: SessionStore = environ["signedsession.session"]
    path = environ["PATH_INFO"]
    if path == "/login":
        session.cycle_key()  # a new id at login, as Django does
        session["uid"] = environ["QUERY_STRING"] or "alice"
    elif path == "/count":
        session["count"] = session.get("count", 0) + 1
    elif path == "/logout":
        session.flush()
    elif path == "/delete":
        session.delete()
    elif path == "/everywhere":
        session.revoke_user_sessions()
    elif path == "/others":
        session.revoke_user_sessions(keep_current=True)
    body = f"{session.get('uid', 'anonymous')} {session.get('count', 0)}"
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [body.encode()]


def client(settings: SessionSettings) -> TestApp:
    return TestApp(SessionMiddleware(app, settings))


def cookie_of(response: Any) -> str:
    (cookie,) = set_cookies(response)
    return cookie[1]


def replay(settings: SessionSettings, value: str) -> str:
    """What a client holding only ``value`` reads: an attacker's copy."""
    response = client(settings).get("/", headers={"Cookie": f"session={value}"})
    return str(response.text)


def revoked_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == SECURITY]


@pytest.fixture
def settings(make_revocations: Callable[..., Any]) -> SessionSettings:
    return SessionSettings(
        secret_key=SECRET, revocations=make_revocations(), user_key="uid"
    )


def test_logout_revokes_a_copied_cookie(
    settings: SessionSettings, caplog: pytest.LogCaptureFixture
) -> None:
    browser = client(settings)
    copy = cookie_of(browser.get("/login?alice"))
    assert replay(settings, copy) == "alice 0"
    browser.get("/logout")
    caplog.clear()
    with caplog.at_level(logging.WARNING, SECURITY):
        assert replay(settings, copy) == "anonymous 0"
    assert revoked_lines(caplog) == ["session cookie rejected: revoked"]


def test_replayed_revoked_cookie_is_deleted(settings: SessionSettings) -> None:
    browser = client(settings)
    copy = cookie_of(browser.get("/login?alice"))
    browser.get("/logout")
    response = client(settings).get("/", headers={"Cookie": f"session={copy}"})
    ((name, value, attributes),) = set_cookies(response)
    assert (name, value, attributes["Max-Age"]) == ("session", "", "0")


def test_cycle_key_revokes_the_value_it_leaves_behind(
    settings: SessionSettings,
) -> None:
    browser = client(settings)
    before_login = cookie_of(browser.get("/count"))
    after_login = cookie_of(browser.get("/login?bob"))
    assert replay(settings, before_login) == "anonymous 0"
    assert replay(settings, after_login) == "bob 1"


def test_delete_revokes(settings: SessionSettings) -> None:
    browser = client(settings)
    copy = cookie_of(browser.get("/login?carol"))
    browser.get("/delete")
    assert replay(settings, copy) == "anonymous 0"


def test_a_session_after_logout_is_a_new_one(settings: SessionSettings) -> None:
    browser = client(settings)
    browser.get("/login?alice")
    browser.get("/logout")
    fresh = cookie_of(browser.get("/count"))
    assert replay(settings, fresh) == "anonymous 1"


def test_log_out_everywhere_refuses_every_session_of_the_user(
    settings: SessionSettings,
) -> None:
    laptop, phone, other = client(settings), client(settings), client(settings)
    stolen = cookie_of(laptop.get("/login?alice"))
    phone.get("/login?alice")
    other.get("/login?bob")
    anonymous = cookie_of(client(settings).get("/count"))
    phone.get("/everywhere")
    assert laptop.get("/").text == "anonymous 0"
    assert replay(settings, stolen) == "anonymous 0"
    assert phone.get("/").text == "anonymous 0"
    assert other.get("/").text == "bob 0"  # another user: unaffected
    assert replay(settings, anonymous) == "anonymous 1"  # no user_key: unaffected


def test_log_out_other_devices_keeps_the_current_session(
    settings: SessionSettings, clock: Any
) -> None:
    laptop, phone = client(settings), client(settings)
    stolen = cookie_of(laptop.get("/login?alice"))
    old_phone = cookie_of(phone.get("/login?alice"))
    clock.advance(1)  # whole seconds: sessions begun in that second survive
    kept = cookie_of(phone.get("/others"))
    assert phone.get("/").text == "alice 0"
    assert replay(settings, kept) == "alice 0"
    assert replay(settings, stolen) == "anonymous 0"
    assert replay(settings, old_phone) == "anonymous 0"  # its own old id too
    assert laptop.get("/").text == "anonymous 0"


def test_log_out_everywhere_covers_the_whole_second(
    settings: SessionSettings, clock: Any
) -> None:
    clock.now = 1_800_000_000.2
    browser = client(settings)
    lurker = client(settings)
    browser.get("/login?alice")
    lurker.get("/login?alice")
    browser.get("/everywhere")
    clock.now += 0.5  # a session begun later in the same second
    late = cookie_of(client(settings).get("/login?alice"))
    assert replay(settings, late) == "anonymous 0"
    assert lurker.get("/").text == "anonymous 0"


def test_a_login_after_log_out_everywhere_is_valid(
    settings: SessionSettings, clock: Any
) -> None:
    browser = client(settings)
    browser.get("/login?alice")
    browser.get("/everywhere")
    clock.advance(1)
    again = cookie_of(browser.get("/login?alice"))
    assert replay(settings, again) == "alice 0"


def test_revoke_from_outside_a_request(settings: SessionSettings) -> None:
    browser = client(settings)
    copy = cookie_of(browser.get("/login?dave"))
    store = SessionStore(copy, settings=settings)
    store.load()
    assert store.session_id is not None
    settings.revocations.revoke_session(store.session_id)  # type: ignore[union-attr]
    assert browser.get("/").text == "anonymous 0"
    assert replay(settings, copy) == "anonymous 0"


def test_revoke_user_from_outside_a_request(settings: SessionSettings) -> None:
    browser = client(settings)
    browser.get("/login?erin")
    settings.revocations.revoke_user("erin", before=2**40)  # type: ignore[union-attr]
    assert browser.get("/").text == "anonymous 0"


def test_revoke_user_before_a_past_moment_spares_later_sessions(
    settings: SessionSettings, clock: Any
) -> None:
    early = cookie_of(client(settings).get("/login?frank"))
    clock.advance(100)
    late = cookie_of(client(settings).get("/login?frank"))
    settings.revocations.revoke_user("frank", before=clock.now - 50)  # type: ignore[union-attr]
    assert replay(settings, early) == "anonymous 0"
    assert replay(settings, late) == "frank 0"


# -- the check interval: no backend call on the common path ------------------


class Spy:
    """Counts the backend look-ups of a real backend."""

    def __init__(self, backend: Any) -> None:
        self.calls = 0
        original = backend._lookup

        def lookup(*args: Any) -> bool:
            self.calls += 1
            return bool(original(*args))

        backend._lookup = lookup


def test_a_recent_cookie_is_not_checked_with_the_backend(
    make_revocations: Callable[..., Any], clock: Any
) -> None:
    backend = make_revocations(check_interval=60)
    settings = SessionSettings(secret_key=SECRET, revocations=backend)
    spy = Spy(backend)
    browser = client(settings)
    browser.get("/login?alice")
    clock.advance(59)
    for _ in range(5):
        response = browser.get("/")
        assert set_cookies(response) == []  # not re-issued
    assert spy.calls == 0


def test_an_older_cookie_is_checked_once_and_reissued(
    make_revocations: Callable[..., Any], clock: Any
) -> None:
    backend = make_revocations(check_interval=60)
    settings = SessionSettings(secret_key=SECRET, revocations=backend)
    spy = Spy(backend)
    browser = client(settings)
    browser.get("/login?alice")
    clock.advance(61)
    response = browser.get("/")  # a read only: the re-issue records the check
    assert response.text == "alice 0"
    (cookie,) = set_cookies(response)
    assert spy.calls == 1
    store = SessionStore(cookie[1], settings=settings)
    store.load()
    assert store.issued_at == int(clock.now)
    for _ in range(3):
        assert set_cookies(browser.get("/")) == []
    assert spy.calls == 1


def test_an_older_revoked_cookie_is_refused_by_the_backend(
    make_revocations: Callable[..., Any], clock: Any
) -> None:
    # Revoked long ago (by another process where there can be one): no
    # longer in this process's local set, only in the backend.
    backend = make_revocations(check_interval=60)
    settings = SessionSettings(secret_key=SECRET, revocations=backend)
    copy = cookie_of(client(settings).get("/login?alice"))
    store = SessionStore(copy, settings=settings)
    store.load()
    assert store.session_id is not None
    shared = make_revocations.kind != "memory"  # type: ignore[attr-defined]
    other = make_revocations(check_interval=60) if shared else backend
    other.revoke_session(store.session_id)
    clock.advance(3600)
    backend._ids.clear()  # what an hour of pruning leaves: nothing local
    spy = Spy(backend)
    assert replay(settings, copy) == "anonymous 0"
    assert spy.calls == 1


@pytest.mark.parametrize(
    ("age", "verdict"), [(0, TRUSTED), (59, TRUSTED), (61, CHECKED)]
)
def test_check_verdicts(
    make_revocations: Callable[..., Any], clock: Any, age: int, verdict: int
) -> None:
    backend = make_revocations(check_interval=60)
    issued = clock.now
    clock.advance(age)
    assert backend.check("an-id", None, issued, issued) == verdict
    backend.revoke_session("an-id")
    assert backend.check("an-id", None, issued, issued) == REVOKED


def test_off_by_default_no_backend(clock: Any) -> None:
    settings = SessionSettings(secret_key=SECRET)
    assert settings.revocations is None
    browser = client(settings)
    copy = cookie_of(browser.get("/login?alice"))
    browser.get("/logout")
    assert replay(settings, copy) == "alice 0"  # today's behaviour, stated


# -- entries expire by themselves ---------------------------------------------


def entry_ttl(backend: Any, kind: str, name: str, clock: Any) -> float | None:
    """Seconds the backend keeps an entry (from the backend itself)."""
    if type(backend).__name__ == "MemoryRevocations":
        entry = backend._entries.get((kind, name))
        return None if entry is None else entry[1] - clock.now
    if type(backend).__name__ == "SQLiteRevocations":
        row = (
            backend._connection()
            .execute(
                "SELECT expires FROM revocations WHERE kind = ? AND name = ?",
                (kind, name),
            )
            .fetchone()
        )
        return None if row is None else row[0] - clock.now
    ttl_ms = backend._redis.pttl(backend.prefix + kind + ":" + name)
    return None if ttl_ms < 0 else ttl_ms / 1000


@pytest.mark.parametrize(
    ("options", "data", "expected"),
    [
        ({}, {}, 1209600),
        ({"max_age": 3600}, {}, 3600),
        ({"max_age": 3600}, {"_session_expiry": 86400}, 86400),
        ({"max_age": 3600, "absolute_max_age": 600}, {}, 600),
    ],
    ids=["max-age-default", "max-age", "per-session-expiry", "absolute"],
)
def test_an_entry_lives_as_long_as_a_refused_cookie_could(
    make_revocations: Callable[..., Any],
    clock: Any,
    options: dict[str, Any],
    data: dict[str, Any],
    expected: int,
) -> None:
    backend = make_revocations()
    settings = SessionSettings(secret_key=SECRET, revocations=backend, **options)
    store = SessionStore(None, settings=settings)
    store.update(data)
    store.save()
    session_id = store.session_id
    assert session_id is not None
    store.flush()
    assert entry_ttl(backend, "s", session_id, clock) == pytest.approx(expected, abs=1)


def test_expired_entries_are_dropped(
    make_revocations: Callable[..., Any], clock: Any
) -> None:
    backend = make_revocations()
    backend.revoke_session("short-lived", ttl=10)
    assert backend.is_revoked("short-lived")
    clock.advance(11)
    backend._ids.clear()  # the local set is pruned by the poller
    backend._purge(clock.now)
    if backend.__class__.__name__ == "RedisRevocations":
        # Redis expires keys by its own clock: wait for the real 10 s? No:
        # the key carries PX 10000; ask for its TTL instead.
        assert 0 < backend._redis.pttl(backend.prefix + "s:short-lived") <= 10000
    else:
        assert not backend.is_revoked("short-lived")
        assert entry_ttl(backend, "s", "short-lived", clock) is None


def test_a_revoked_user_keeps_the_later_cut_off(
    make_revocations: Callable[..., Any], clock: Any
) -> None:
    backend = make_revocations()
    backend.revoke_user("gina", before=clock.now)
    backend.revoke_user("gina", before=clock.now - 100)
    backend._users.clear()
    assert backend.is_revoked("x", "gina", clock.now - 1)


def test_async_api(make_revocations: Callable[..., Any], clock: Any) -> None:
    import asyncio

    backend = make_revocations()

    async def main() -> tuple[bool, bool, int]:
        await backend.revoke_session_async("async-id")
        await backend.revoke_user_async("hank")
        backend._ids.clear()
        backend._users.clear()
        return (
            await backend.is_revoked_async("async-id"),
            await backend.is_revoked_async("y", "hank", clock.now - 5),
            await backend.check_async("async-id", None, 0, clock.now - 3600),
        )

    assert asyncio.run(main()) == (True, True, REVOKED)
