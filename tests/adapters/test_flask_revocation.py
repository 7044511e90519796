"""Revocation through the Flask adapter: session.clear() is a logout."""

from __future__ import annotations

from typing import Any, Callable

import pytest
from flask import Flask, session
from setcookie import set_cookies

from signedsession.adapters.flask import SignedSessionInterface

SECRET = "test-secret-key-that-is-32-bytes-long!"


def make_app(**config: Any) -> Flask:
    app = Flask(__name__)
    app.config.update(SECRET_KEY=SECRET, **config)
    app.session_interface = SignedSessionInterface()

    @app.route("/login/<user>")
    def login(user: str) -> str:
        session["_user_id"] = user
        return user

    @app.route("/")
    def whoami() -> str:
        return str(session.get("_user_id", "anonymous"))

    @app.route("/logout")
    def logout() -> str:
        session.clear()
        return "bye"

    @app.route("/relogin/<user>")
    def relogin(user: str) -> str:
        session.clear()
        session["_user_id"] = user
        return user

    @app.route("/everywhere")
    def everywhere() -> str:
        session.revoke_user_sessions()  # type: ignore[attr-defined]
        return "bye everywhere"

    @app.route("/others")
    def others() -> str:
        session.revoke_user_sessions(keep_current=True)  # type: ignore[attr-defined]
        return "others gone"

    return app


def cookie_of(response: Any) -> str:
    ((_, value, _),) = set_cookies(response)
    return value


def replay(app: Flask, value: str) -> str:
    client = app.test_client()
    client.set_cookie("session", value)
    return client.get("/").get_data(as_text=True)


@pytest.fixture
def app(make_revocations: Callable[..., Any]) -> Flask:
    return make_app(
        SIGNEDSESSION_REVOCATIONS=make_revocations(),
        SIGNEDSESSION_USER_KEY="_user_id",
    )


def test_session_clear_revokes_a_copied_cookie(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    browser = app.test_client()
    copy = cookie_of(browser.get("/login/alice"))
    assert replay(app, copy) == "alice"
    browser.get("/logout")
    with caplog.at_level("WARNING", "signedsession.security"):
        assert replay(app, copy) == "anonymous"
    assert [r.getMessage() for r in caplog.records] == [
        "session cookie rejected: revoked"
    ]


def test_clear_then_write_starts_a_new_session(app: Flask) -> None:
    browser = app.test_client()
    alice = cookie_of(browser.get("/login/alice"))
    bob = cookie_of(browser.get("/relogin/bob"))
    assert replay(app, alice) == "anonymous"
    assert replay(app, bob) == "bob"


def test_log_out_everywhere(app: Flask, clock: Any) -> None:
    laptop, phone = app.test_client(), app.test_client()
    stolen = cookie_of(laptop.get("/login/alice"))
    phone.get("/login/alice")
    phone.get("/everywhere")
    assert replay(app, stolen) == "anonymous"
    assert phone.get("/").get_data(as_text=True) == "anonymous"


def test_log_out_other_devices(app: Flask, clock: Any) -> None:
    laptop, phone = app.test_client(), app.test_client()
    stolen = cookie_of(laptop.get("/login/alice"))
    phone.get("/login/alice")
    clock.advance(1)
    kept = cookie_of(phone.get("/others"))
    assert replay(app, stolen) == "anonymous"
    assert replay(app, kept) == "alice"


def test_interface_keywords(make_revocations: Callable[..., Any]) -> None:
    backend = make_revocations()
    app = make_app()
    app.session_interface = SignedSessionInterface(
        revocations=backend, user_key="_user_id"
    )
    browser = app.test_client()
    copy = cookie_of(browser.get("/login/alice"))
    browser.get("/logout")
    assert replay(app, copy) == "anonymous"


def test_config_url(tmp_path: Any) -> None:
    app = make_app(SIGNEDSESSION_REVOCATIONS=f"sqlite:///{tmp_path}/r.sqlite3")
    browser = app.test_client()
    copy = cookie_of(browser.get("/login/alice"))
    browser.get("/logout")
    assert replay(app, copy) == "anonymous"


def test_without_revocations_clear_keeps_flasks_meaning() -> None:
    app = make_app()
    browser = app.test_client()
    copy = cookie_of(browser.get("/login/alice"))
    browser.get("/logout")
    assert replay(app, copy) == "alice"  # a signed cookie cannot be recalled
