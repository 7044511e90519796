"""signedsession revoke, and inspect saying whether a cookie is revoked."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from signedsession import SessionSettings, SessionStore
from signedsession.cli import main
from signedsession.revocation import SQLiteRevocations

SECRET = "test-secret-key-that-is-32-bytes-long!"


@pytest.fixture
def store_url(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path}/revoked.sqlite3"
    monkeypatch.setenv("SIGNEDSESSION_REVOCATIONS", url)
    monkeypatch.setenv("SIGNEDSESSION_SECRET_KEY", SECRET)
    return url


def a_cookie(data: dict[str, Any], **options: Any) -> SessionStore:
    store = SessionStore(None, settings=SessionSettings(secret_key=SECRET, **options))
    store.update(data)
    store.save()
    return store


def test_revoke_a_session_then_inspect_says_so(
    store_url: str, tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    store = a_cookie({"uid": 1})
    assert store.session_id is not None and store.session_key is not None
    assert main(["inspect", store.session_key]) == 0
    assert "revoked:    no\n" in capsys.readouterr().out
    assert main(["revoke", store.session_id]) == 0
    assert capsys.readouterr().out == f"revoked: session {store.session_id}\n"
    assert main(["inspect", store.session_key]) == 1
    assert "revoked:    yes: servers refuse it\n" in capsys.readouterr().out
    assert main(["inspect", "--json", store.session_key]) == 1
    assert json.loads(capsys.readouterr().out)["revoked"] is True
    # Another process on the same file refuses it.
    other = SQLiteRevocations(tmp_path / "revoked.sqlite3")
    settings = SessionSettings(secret_key=SECRET, revocations=other)
    assert dict(SessionStore(store.session_key, settings=settings)) == {}
    other.close()


def test_revoke_a_user(store_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    alice, bob = a_cookie({"uid": "alice"}), a_cookie({"uid": "bob"})
    assert main(["revoke", "--user", "alice", "--before", "4e9"]) == 0
    assert capsys.readouterr().out == "revoked: every session of user 'alice'\n"
    for store, expected in ((alice, 1), (bob, 0)):
        assert store.session_key is not None
        assert main(["inspect", "--user-key", "uid", store.session_key]) == expected


def test_inspect_without_a_store_does_not_check(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SIGNEDSESSION_SECRET_KEY", SECRET)
    monkeypatch.delenv("SIGNEDSESSION_REVOCATIONS", raising=False)
    store = a_cookie({"uid": 1})
    assert store.session_key is not None
    assert main(["inspect", store.session_key]) == 0
    out = capsys.readouterr().out
    assert "revoked:    not checked ($SIGNEDSESSION_REVOCATIONS is not set)\n" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["revoke"], "give either SESSION_ID or --user USER"),
        (["revoke", "abc", "--user", "x"], "give either SESSION_ID or --user USER"),
    ],
)
def test_revoke_usage_errors(
    store_url: str,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    message: str,
) -> None:
    assert main(argv) == 2
    assert capsys.readouterr().err == f"signedsession revoke: error: {message}\n"


def test_revoke_needs_the_store(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("SIGNEDSESSION_REVOCATIONS", raising=False)
    assert main(["revoke", "some-id"]) == 2
    assert "set SIGNEDSESSION_REVOCATIONS" in capsys.readouterr().err


def test_revoke_with_redis_down_says_nothing_was_revoked(
    redis_server: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    redis_server.kill()
    monkeypatch.setenv("SIGNEDSESSION_REVOCATIONS", redis_server.url)
    assert main(["revoke", "some-id", "--wait", "0.2"]) == 1
    err = capsys.readouterr().err
    assert err.endswith("session some-id is NOT revoked\n")


def test_revoke_with_redis_in_a_subprocess(redis_server: Any) -> None:
    """The installed command, against a real Redis, as an operator runs it."""
    env = {"SIGNEDSESSION_REVOCATIONS": redis_server.url, "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-m", "signedsession", "revoke", "--user", "42"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (result.returncode, result.stdout) == (
        0,
        "revoked: every session of user '42'\n",
    )
    assert redis_server.client().exists("signedsession:revoked:u:42") == 1
