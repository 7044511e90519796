"""The Flask adapter, through real Flask applications and their test clients."""

from __future__ import annotations

import logging
import secrets
import time
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

import flask
import pytest
from flask.globals import request_ctx
from flask.sessions import NullSession
from markupsafe import Markup
from setcookie import Attributes, flask_cookie, set_cookies
from shared import MONTH, OLD_SECRET, SECRET, SECURITY, is_signed_value
from werkzeug.http import http_date
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.test import Client

from signedsession import (
    InsecureSecretWarning,
    SessionMiddleware,
    SessionSettings,
    SessionTooLarge,
    TaggedJSONSerializer,
)
from signedsession._codec import Codec
from signedsession.adapters.flask import FlaskSession, SignedSessionInterface
from signedsession.exceptions import InvalidCookie
from signedsession.readers.flask import FlaskCookieReader

DELETED = {"Expires": "Thu, 01 Jan 1970 00:00:00 GMT", "Max-Age": "0"}


def only_cookie(response: Any) -> tuple[str, str, Attributes]:
    (cookie,) = set_cookies(response)
    return cookie


def expires_in(clock: Any, seconds: int) -> Attributes:
    return {"Expires": http_date(clock.now + seconds), "Max-Age": str(seconds)}


def is_ours(value: str) -> bool:
    return is_signed_value(value)


@pytest.fixture
def app() -> flask.Flask:
    app = flask.Flask(__name__)
    app.config.update(TESTING=True, SECRET_KEY=SECRET)
    app.session_interface = SignedSessionInterface()

    @app.route("/set")
    def set_values() -> str:
        flask.session.update(flask.request.args.to_dict())
        return "set"

    @app.route("/get/<key>")
    def get_value(key: str) -> str:
        return repr(flask.session.get(key))

    @app.route("/dump")
    def dump() -> str:
        return repr(sorted(flask.session.items()))

    @app.route("/permanent")
    def permanent() -> str:
        flask.session["user"] = "alice"
        flask.session.permanent = True
        return "permanent"

    @app.route("/clear")
    def clear() -> str:
        flask.session.clear()
        return "cleared"

    @app.route("/nothing")
    def nothing() -> str:
        return "nothing"

    return app


@pytest.fixture
def client(app: flask.Flask) -> Any:
    return app.test_client()


# -- the session object -------------------------------------------------------


def test_session_is_a_store_and_flask_session(app: flask.Flask) -> None:
    with app.test_request_context():
        session = flask.session._get_current_object()  # type: ignore[attr-defined]
        assert isinstance(session, FlaskSession)
        assert isinstance(session, flask.sessions.SessionMixin)
        assert session.new is True
        assert session.permanent is False
        assert session.modified is False
        session["a"] = 1
        assert session.modified is True
        session.permanent = True
        assert session["_permanent"] is True


def test_new_is_false_when_a_valid_cookie_came(client: Any) -> None:
    client.get("/set?a=1")
    with client:
        client.get("/nothing")
        assert request_ctx._session.new is False


def test_reading_flags_and_values_in_views(app: flask.Flask, client: Any) -> None:
    @app.route("/flags")
    def flags() -> str:
        before = (flask.session.modified, flask.session.accessed)
        flask.session.setdefault("k", "v")
        return repr((before, flask.session.modified, flask.session.pop("k")))

    assert client.get("/flags").text == "((False, True), True, 'v')"


# -- config: SECRET_KEY and SECRET_KEY_FALLBACKS -------------------------------


def test_no_secret_key_gives_flasks_null_session(app: flask.Flask) -> None:
    app.secret_key = None
    with app.test_request_context():
        assert isinstance(flask.session._get_current_object(), NullSession)  # type: ignore[attr-defined]
        assert flask.session.get("missing") is None
        with pytest.raises(RuntimeError, match="no secret key was set"):
            flask.session["a"] = 1


def test_no_secret_key_reads_work_and_writes_raise_in_views(
    client: Any, app: flask.Flask
) -> None:
    app.secret_key = ""
    assert client.get("/get/a").text == "None"
    with pytest.raises(RuntimeError, match="session is unavailable"):
        client.get("/set?a=1")


def test_short_secret_key_is_logged_once_per_configuration(
    client: Any, app: flask.Flask, caplog: Any
) -> None:
    app.secret_key = "short"
    with caplog.at_level(logging.WARNING, logger="signedsession.adapters.flask"):
        assert client.get("/set?a=1").status_code == 200
        client.get("/get/a")  # same configuration: no second line
    assert [r.getMessage() for r in caplog.records] == [
        "SECRET_KEY: secret_key is 5 bytes; use at least 32 random bytes"
        " (signedsession genkey)"
    ]


def test_short_secret_key_override_warns_at_construction() -> None:
    with pytest.warns(InsecureSecretWarning, match="secret_key is 5 bytes"):
        SignedSessionInterface(secret_key="short")


def test_changed_secret_key_rejects_old_cookies(
    client: Any, app: flask.Flask, caplog: Any
) -> None:
    client.get("/set?a=1")
    app.secret_key = OLD_SECRET
    with caplog.at_level(logging.WARNING, logger=SECURITY):
        response = client.get("/get/a")
    assert response.text == "None"
    assert [r.getMessage() for r in caplog.records] == [
        "session cookie rejected: bad signature"
    ]
    # Flask's rule: an unmodified empty session sets nothing, deletes nothing.
    assert set_cookies(response) == []


def test_fallback_key_verifies_and_is_re_signed_with_the_current_key(
    client: Any, app: flask.Flask
) -> None:
    app.secret_key = OLD_SECRET
    client.get("/set?a=1")
    app.secret_key = SECRET
    app.config["SECRET_KEY_FALLBACKS"] = [OLD_SECRET]
    response = client.get("/get/a")
    assert response.text == "'1'"
    _, value, _ = only_cookie(response)
    settings = SessionSettings(secret_key=SECRET)
    assert Codec.of(settings).loads(value).key_index == 0
    app.config["SECRET_KEY_FALLBACKS"] = []
    assert client.get("/get/a").text == "'1'"


# -- config: cookie attributes ------------------------------------------------


def test_default_cookie_is_a_browser_session_cookie(client: Any) -> None:
    response = client.get("/set?a=1")
    name, value, attributes = only_cookie(response)
    assert name == "session"
    assert is_ours(value)
    assert attributes == {"HttpOnly": True, "Path": "/"}
    assert response.headers["Vary"] == "Cookie"


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        pytest.param({"SESSION_COOKIE_NAME": "sid"}, {}, id="name"),
        pytest.param(
            {"SESSION_COOKIE_DOMAIN": "example.com"},
            {"Domain": "example.com"},
            id="domain",
        ),
        pytest.param({"SESSION_COOKIE_PATH": "/app"}, {"Path": "/app"}, id="path"),
        pytest.param(
            {"APPLICATION_ROOT": "/root"}, {"Path": "/root"}, id="application-root"
        ),
        pytest.param(
            {"APPLICATION_ROOT": "/root", "SESSION_COOKIE_PATH": "/app"},
            {"Path": "/app"},
            id="path-wins-over-application-root",
        ),
        pytest.param(
            {"SESSION_COOKIE_HTTPONLY": False}, {"HttpOnly": None}, id="httponly-off"
        ),
        pytest.param({"SESSION_COOKIE_SECURE": True}, {"Secure": True}, id="secure"),
        pytest.param(
            {"SESSION_COOKIE_SAMESITE": "Strict"},
            {"SameSite": "Strict"},
            id="samesite-strict",
        ),
        pytest.param(
            {"SESSION_COOKIE_SAMESITE": "lax"}, {"SameSite": "Lax"}, id="samesite-lax"
        ),
        pytest.param(
            {"SESSION_COOKIE_SAMESITE": "None"},
            {"SameSite": "None", "Secure": True},
            id="samesite-none-forces-secure",
        ),
        pytest.param(
            {"SESSION_COOKIE_PARTITIONED": True},
            {"Partitioned": True, "Secure": True},
            id="partitioned-forces-secure",
        ),
    ],
)
def test_cookie_config(
    app: flask.Flask, client: Any, config: dict[str, Any], expected: Attributes
) -> None:
    app.config.update(config)
    response = client.get("/set?a=1")
    name, _, attributes = only_cookie(response)
    want: Attributes = {"HttpOnly": True, "Path": "/", **expected}
    assert attributes == {k: v for k, v in want.items() if v is not None}
    assert name == config.get("SESSION_COOKIE_NAME", "session")


@pytest.mark.parametrize(
    ("secure", "scheme", "expected"),
    [
        pytest.param(False, "http", False, id="false-on-http"),
        pytest.param(False, "https", True, id="false-means-secure-on-https"),
        pytest.param(True, "http", True, id="true-on-http"),
        pytest.param(True, "https", True, id="true-on-https"),
    ],
)
def test_session_cookie_secure(
    app: flask.Flask, client: Any, secure: bool, scheme: str, expected: bool
) -> None:
    app.config["SESSION_COOKIE_SECURE"] = secure
    response = client.get("/set?a=1", base_url=f"{scheme}://localhost/")
    _, _, attributes = only_cookie(response)
    assert attributes.get("Secure", False) is expected


def test_samesite_none_from_flasks_default_omits_the_attribute(
    client: Any, app: flask.Flask
) -> None:
    assert app.config["SESSION_COOKIE_SAMESITE"] is None
    _, _, attributes = only_cookie(client.get("/set?a=1"))
    assert "SameSite" not in attributes


def test_invalid_samesite_is_a_value_error_naming_the_option(
    client: Any, app: flask.Flask
) -> None:
    app.config["SESSION_COOKIE_SAMESITE"] = "strictest"
    with pytest.raises(ValueError, match="samesite must be"):
        client.get("/set?a=1")


def test_cookie_name_config_reads_and_writes_that_cookie(
    client: Any, app: flask.Flask
) -> None:
    app.config["SESSION_COOKIE_NAME"] = "sid"
    client.get("/set?a=1")
    assert client.get_cookie("sid") is not None
    assert client.get_cookie("session") is None
    assert client.get("/get/a").text == "'1'"


def test_emptied_session_is_deleted_with_every_attribute(
    client: Any, app: flask.Flask
) -> None:
    app.config.update(
        SESSION_COOKIE_DOMAIN="example.com",
        SESSION_COOKIE_PATH="/",
        SESSION_COOKIE_HTTPONLY=False,
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_PARTITIONED=True,
    )
    url = "http://www.example.com/"
    client.get("/set?a=1", url)
    response = client.get("/clear", url)
    name, value, attributes = only_cookie(response)
    assert (name, value) == ("session", "")
    assert attributes == {
        **DELETED,
        "Domain": "example.com",
        "Path": "/",
        "Secure": True,
        "SameSite": "Strict",
        "Partitioned": True,
    }
    assert response.headers["Vary"] == "Cookie"
    assert client.get_cookie("session", domain="example.com") is None


# -- config: PERMANENT_SESSION_LIFETIME and SESSION_REFRESH_EACH_REQUEST ------


def test_permanent_session_lives_for_the_lifetime(client: Any, clock: Any) -> None:
    _, _, attributes = only_cookie(client.get("/permanent"))
    assert attributes == {**expires_in(clock, MONTH), "HttpOnly": True, "Path": "/"}


def test_lifetime_config_as_timedelta_and_seconds(
    client: Any, app: flask.Flask, clock: Any
) -> None:
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=1)
    _, _, attributes = only_cookie(client.get("/permanent"))
    assert attributes["Max-Age"] == "3600"
    app.config["PERMANENT_SESSION_LIFETIME"] = 600
    _, _, attributes = only_cookie(client.get("/permanent"))
    assert attributes == {**expires_in(clock, 600), "HttpOnly": True, "Path": "/"}


@pytest.mark.parametrize("permanent", [True, False], ids=["permanent", "not-permanent"])
def test_lifetime_is_the_server_side_max_age(
    client: Any, app: flask.Flask, clock: Any, permanent: bool
) -> None:
    app.config["PERMANENT_SESSION_LIFETIME"] = 600
    client.get("/permanent" if permanent else "/set?user=alice")
    clock.advance(600)
    assert client.get("/get/user").text == "'alice'"
    clock.advance(601)
    assert client.get("/get/user").text == "None"


@pytest.mark.parametrize(
    ("permanent", "refresh", "refreshed"),
    [
        pytest.param(True, True, True, id="permanent-refresh"),
        pytest.param(True, False, False, id="permanent-no-refresh"),
        pytest.param(False, True, False, id="not-permanent-refresh"),
        pytest.param(False, False, False, id="not-permanent-no-refresh"),
    ],
)
def test_refresh_each_request(
    app: flask.Flask,
    client: Any,
    clock: Any,
    permanent: bool,
    refresh: bool,
    refreshed: bool,
) -> None:
    app.config["SESSION_REFRESH_EACH_REQUEST"] = refresh
    client.get("/permanent" if permanent else "/set?user=alice")
    clock.advance(60)
    for path in ("/nothing", "/get/user"):
        response = client.get(path)
        if refreshed:
            _, _, attributes = only_cookie(response)
            assert attributes == {
                **expires_in(clock, MONTH),
                "HttpOnly": True,
                "Path": "/",
            }
            assert response.headers["Vary"] == "Cookie"
        else:
            assert set_cookies(response) == []


def test_untouched_session_is_not_decoded_unless_a_refresh_needs_it(
    app: flask.Flask, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    client.get("/permanent")
    decoded: list[str] = []
    real = Codec.try_loads  # under Codec.loads too
    monkeypatch.setattr(
        Codec,
        "try_loads",
        lambda self, value: decoded.append(value) or real(self, value),
    )

    app.config["SESSION_REFRESH_EACH_REQUEST"] = False
    response = client.get("/nothing")
    assert (decoded, set_cookies(response), response.headers.get("Vary")) == (
        [],
        [],
        None,
    )

    app.config["SESSION_REFRESH_EACH_REQUEST"] = True
    with client:
        response = client.get("/nothing")
        assert len(decoded) == 1
        assert len(set_cookies(response)) == 1
        # The interface's own reads leave the flags as the view left them.
        assert request_ctx._session.accessed is False
        assert request_ctx._session.modified is False


# -- config: MAX_COOKIE_SIZE and SessionTooLarge ------------------------------


def test_session_too_large_surfaces(app: flask.Flask, client: Any) -> None:
    big = secrets.token_urlsafe(3500)
    with pytest.raises(SessionTooLarge) as info:
        client.get(f"/set?big={big}")
    assert info.value.limit == 4093
    assert info.value.largest_keys[0][0] == "big"


def test_session_too_large_is_a_500_when_not_testing(
    app: flask.Flask, client: Any
) -> None:
    app.testing = False
    response = client.get(f"/set?big={secrets.token_urlsafe(3500)}")
    assert response.status_code == 500
    assert set_cookies(response) == []


def test_max_cookie_size_config(app: flask.Flask, client: Any) -> None:
    app.config["MAX_COOKIE_SIZE"] = 200
    client.get("/set?a=1")
    with pytest.raises(SessionTooLarge) as info:
        client.get(f"/set?b={secrets.token_urlsafe(150)}")
    assert info.value.limit == 200


def test_max_cookie_size_zero_lifts_the_limit_as_in_flask(
    app: flask.Flask, client: Any
) -> None:
    app.config["MAX_COOKIE_SIZE"] = 0
    big = secrets.token_urlsafe(3500)
    client.get(f"/set?big={big}")
    assert client.get("/get/big").text == repr(big)


# -- permanent, set_expiry and the other Django-style methods ----------------


def expiry_app(app: flask.Flask, action: Callable[[Any], object]) -> None:
    @app.route("/expiry")
    def expiry() -> str:
        flask.session["user"] = "alice"
        return repr(action(flask.session))


def test_set_expiry_seconds_wins_over_browser_session(
    app: flask.Flask, client: Any, clock: Any
) -> None:
    expiry_app(app, lambda s: s.set_expiry(300))
    _, _, attributes = only_cookie(client.get("/expiry"))
    assert attributes == {**expires_in(clock, 300), "HttpOnly": True, "Path": "/"}
    clock.advance(301)
    assert client.get("/get/user").text == "None"


def test_set_expiry_zero_wins_over_permanent(app: flask.Flask, client: Any) -> None:
    def browser_close(session: Any) -> bool:
        session.permanent = True
        session.set_expiry(0)
        return bool(session.get_expire_at_browser_close())

    expiry_app(app, browser_close)
    response = client.get("/expiry")
    assert response.text == "True"
    _, _, attributes = only_cookie(response)
    assert attributes == {"HttpOnly": True, "Path": "/"}


def test_set_expiry_datetime_is_the_cookies_expiry(
    app: flask.Flask, client: Any, clock: Any
) -> None:
    moment = datetime.fromtimestamp(clock.now + 7200, timezone.utc)
    expiry_app(app, lambda s: s.set_expiry(moment))
    _, _, attributes = only_cookie(client.get("/expiry"))
    assert attributes == {**expires_in(clock, 7200), "HttpOnly": True, "Path": "/"}
    clock.advance(7201)
    assert client.get("/get/user").text == "None"


def test_set_expiry_none_returns_to_flasks_rules(app: flask.Flask, client: Any) -> None:
    def reset(session: Any) -> None:
        session.set_expiry(300)
        session.set_expiry(None)

    expiry_app(app, reset)
    _, _, attributes = only_cookie(client.get("/expiry"))
    assert attributes == {"HttpOnly": True, "Path": "/"}


def test_expiry_methods_follow_flasks_rules(app: flask.Flask, client: Any) -> None:
    @app.route("/expiry")
    def expiry() -> str:
        s = flask.session
        before = (s.get_expire_at_browser_close(), s.get_expiry_age())
        s.permanent = True
        permanent = (s.get_expire_at_browser_close(), s.get_expiry_age())
        s.set_expiry(300)
        return repr(
            (before, permanent, s.get_expire_at_browser_close(), s.get_expiry_age())
        )

    assert client.get("/expiry").text == repr(
        ((True, MONTH), (False, MONTH), False, 300)
    )


def test_cycle_key_keeps_data_under_a_new_session_id(
    app: flask.Flask, client: Any
) -> None:
    @app.route("/cycle")
    def cycle() -> str:
        old = flask.session.session_id
        flask.session.cycle_key()
        return repr(
            old != flask.session.session_id and flask.session.session_id is not None
        )

    @app.route("/id")
    def session_id() -> str:
        flask.session.get("a")
        return str(flask.session.session_id)

    client.get("/set?a=1")
    first = client.get("/id").text
    assert client.get("/cycle").text == "True"
    second = client.get("/id").text
    assert first != second
    assert client.get("/get/a").text == "'1'"


def test_flush_deletes_the_cookie(app: flask.Flask, client: Any) -> None:
    @app.route("/flush")
    def flush() -> str:
        flask.session.flush()
        return ""

    client.get("/set?a=1")
    response = client.get("/flush")
    assert only_cookie(response) == (
        "session",
        "",
        {**DELETED, "HttpOnly": True, "Path": "/"},
    )
    assert client.get("/get/a").text == "None"


def test_test_cookie_methods(app: flask.Flask, client: Any) -> None:
    @app.route("/test-cookie")
    def test_cookie() -> str:
        if flask.session.test_cookie_worked():
            flask.session.delete_test_cookie()
            return "worked"
        flask.session.set_test_cookie()
        return "set"

    assert client.get("/test-cookie").text == "set"
    assert client.get("/test-cookie").text == "worked"
    assert client.get("/dump").text == "[]"


# -- Vary, 500s, flash, session_transaction ----------------------------------


def test_vary_cookie_only_when_accessed(app: flask.Flask, client: Any) -> None:
    @app.route("/vary")
    def vary() -> flask.Response:
        response = flask.Response("")
        response.vary.add("Accept-Encoding")
        flask.session.get("a")
        return response

    client.get("/set?a=1")
    assert client.get("/nothing").headers.get("Vary") is None
    assert client.get("/get/a").headers.get_all("Vary") == ["Cookie"]
    assert client.get("/vary").headers.get_all("Vary") == ["Accept-Encoding, Cookie"]


@pytest.mark.parametrize(
    ("overrides", "saved"),
    [
        pytest.param({}, True, id="saved-as-flask"),
        pytest.param({"save_on_server_error": False}, False, id="override-off"),
    ],
)
def test_handled_500_saves_as_flask_does(
    app: flask.Flask, overrides: dict[str, Any], saved: bool
) -> None:
    app.session_interface = SignedSessionInterface(**overrides)

    class Boom(Exception):
        pass

    @app.errorhandler(Boom)
    def handle(error: Boom) -> tuple[str, int]:
        return "failed", 500

    @app.route("/boom")
    def boom() -> str:
        flask.session["a"] = "1"
        raise Boom

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert len(set_cookies(response)) == int(saved)


def test_flash_and_get_flashed_messages(app: flask.Flask, client: Any) -> None:
    @app.route("/flash")
    def flash() -> str:
        flask.flash("Saved")
        flask.flash(Markup("<em>Careful</em>"), "warning")
        return ""

    @app.route("/messages")
    def messages() -> str:
        return repr(flask.get_flashed_messages(with_categories=True))

    client.get("/flash")
    response = client.get("/messages")
    assert response.text == repr(
        [("message", "Saved"), ("warning", Markup("<em>Careful</em>"))]
    )
    # The messages were the whole session: it is now empty, so deleted.
    assert only_cookie(response)[1] == ""
    assert client.get("/messages").text == "[]"


def test_session_transaction(client: Any) -> None:
    with client.session_transaction() as session:
        assert isinstance(session, FlaskSession)
        session["user"] = "alice"
        session.set_expiry(300)
    assert is_ours(client.get_cookie("session").value)
    assert client.get("/get/user").text == "'alice'"
    with client.session_transaction() as session:
        assert session["user"] == "alice"
        assert session.get_expiry_age() == 300


def test_session_transaction_without_secret_key_raises_as_flask(
    app: flask.Flask,
) -> None:
    app.secret_key = None
    client = app.test_client()
    with (
        pytest.raises(RuntimeError, match="Session backend did not open a session"),
        client.session_transaction(),
    ):
        pass


def test_modification_after_save_is_silent_as_in_flask(
    app: flask.Flask, client: Any
) -> None:
    with client:
        client.get("/set?a=1")
        flask.session["late"] = True  # filterwarnings = error: no warning
    assert client.get("/get/late").text == "None"


# -- values ------------------------------------------------------------------


def test_tagged_values_round_trip_through_the_cookie(
    app: flask.Flask, client: Any
) -> None:
    moment = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    values = {
        "tuple": (1, 2, (3,)),
        "bytes": b"\xff\x00",
        "markup": Markup("<b>bold</b>"),
        "uuid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "datetime": moment,
        "naive": datetime(2026, 1, 2, 3, 4, 5, 678),
        "tag_lookalike": {" t": "not a tuple"},
    }

    @app.route("/store")
    def store() -> str:
        flask.session.update(values)
        return ""

    @app.route("/load")
    def load() -> str:
        loaded = dict(flask.session)
        same = loaded == values and all(
            type(loaded[k]) is type(v) for k, v in values.items()
        )
        return repr(same)

    client.get("/store")
    assert client.get("/load").text == "True"


# -- configuration changes and the settings cache -----------------------------


def test_settings_are_built_once_per_configuration(app: flask.Flask) -> None:
    interface = SignedSessionInterface()
    first = interface.get_settings(app)
    assert first is interface.get_settings(app)
    other = flask.Flask("other")
    other.config.update(SECRET_KEY=SECRET, TESTING=True)
    assert interface.get_settings(other) is first  # same config, other app
    app.config["SESSION_COOKIE_NAME"] = "sid"
    changed = interface.get_settings(app)
    assert changed is not first
    assert changed is not None and changed.cookie_name == "sid"
    app.config["SESSION_COOKIE_NAME"] = "session"
    assert interface.get_settings(app) is first


def test_one_interface_serves_two_apps_with_their_own_config(app: flask.Flask) -> None:
    interface = SignedSessionInterface()
    other = flask.Flask("other")
    other.config.update(SECRET_KEY=OLD_SECRET, SESSION_COOKIE_NAME="other")
    app.session_interface = other.session_interface = interface

    @other.route("/set")
    def set_value() -> str:
        flask.session["app"] = "other"
        return ""

    _, value, _ = only_cookie(app.test_client().get("/set?app=main"))
    name, other_value, _ = only_cookie(other.test_client().get("/set"))
    assert name == "other"
    main_settings, other_settings = (
        interface.get_settings(app),
        interface.get_settings(other),
    )
    assert main_settings is not None and other_settings is not None
    assert Codec.of(main_settings).loads(value).data == {"app": "main"}
    with pytest.raises(InvalidCookie):
        Codec.of(main_settings).loads(other_value)
    assert Codec.of(other_settings).loads(other_value).data == {"app": "other"}


def test_config_changes_between_requests_are_picked_up(
    app: flask.Flask, client: Any
) -> None:
    client.get("/set?a=1")
    app.config["SESSION_COOKIE_HTTPONLY"] = False
    _, _, attributes = only_cookie(client.get("/set?b=2"))
    assert "HttpOnly" not in attributes
    app.config["PERMANENT_SESSION_LIFETIME"] = 60
    _, _, attributes = only_cookie(client.get("/permanent"))
    assert attributes["Max-Age"] == "60"


# -- overrides ---------------------------------------------------------------


def test_overrides_win_over_config(app: flask.Flask, client: Any) -> None:
    serializer = TaggedJSONSerializer()
    app.session_interface = interface = SignedSessionInterface(
        salt="shared",
        digest="sha512",
        compress=False,
        serializer=serializer,
        cookie_name="sid",
    )
    app.config["SESSION_COOKIE_NAME"] = "ignored"
    client.get("/set?a=1")
    settings = interface.get_settings(app)
    assert settings is not None
    assert (
        settings.salt,
        settings.digest,
        settings.compress,
        settings.cookie_name,
    ) == (
        "shared",
        "sha512",
        False,
        "sid",
    )
    assert settings.serializer is serializer
    assert client.get_cookie("sid") is not None


def test_flask_defaults_of_the_derived_settings(app: flask.Flask) -> None:
    settings = SignedSessionInterface().get_settings(app)
    assert settings is not None
    assert isinstance(settings.serializer, TaggedJSONSerializer)
    assert settings.migrate_from == (FlaskCookieReader,)
    assert settings.save_on_server_error is True
    assert settings.max_age == MONTH
    assert settings.samesite is None
    assert settings.secure is None


def test_unknown_override_is_a_type_error() -> None:
    with pytest.raises(TypeError, match=r"unknown SessionSettings field\(s\): sault;"):
        SignedSessionInterface(sault="x")


def test_bad_override_value_fails_at_construction() -> None:
    with pytest.raises(ValueError, match="digest must be one of"):
        SignedSessionInterface(digest="md5")


def test_secret_key_override_needs_no_flask_secret(
    app: flask.Flask, client: Any
) -> None:
    app.secret_key = None
    app.session_interface = SignedSessionInterface(secret_key=SECRET)
    client.get("/set?a=1")
    assert client.get("/get/a").text == "'1'"


# -- hooks of Flask's SessionInterface --------------------------------------


def test_subclass_hooks_are_honoured(app: flask.Flask, client: Any, clock: Any) -> None:
    class Custom(SignedSessionInterface):
        def get_cookie_domain(self, app: flask.Flask) -> str:
            return flask.request.host.partition(":")[0]

        def get_expiration_time(self, app: flask.Flask, session: Any) -> datetime:
            return datetime.fromtimestamp(clock.now + 3600, timezone.utc)

        def should_set_cookie(self, app: flask.Flask, session: Any) -> bool:
            return True

    app.session_interface = Custom()
    client.get("/set?a=1", "http://shop.example/")
    _, _, attributes = only_cookie(client.get("/nothing", "http://shop.example/"))
    assert attributes == {
        **expires_in(clock, 3600),
        "Domain": "shop.example",
        "HttpOnly": True,
        "Path": "/",
    }


@pytest.mark.parametrize(
    "config",
    [
        pytest.param({}, id="defaults"),
        pytest.param(
            {
                "SESSION_COOKIE_NAME": "sid",
                "SESSION_COOKIE_DOMAIN": "example.com",
                "APPLICATION_ROOT": "/root",
                "SESSION_COOKIE_HTTPONLY": False,
                "SESSION_COOKIE_SECURE": True,
                "SESSION_COOKIE_SAMESITE": "Strict",
                "SESSION_COOKIE_PARTITIONED": True,
                "PERMANENT_SESSION_LIFETIME": 60,
            },
            id="everything-set",
        ),
    ],
)
def test_config_read_directly_matches_the_hooks(
    app: flask.Flask, config: dict[str, Any]
) -> None:
    class Hooked(SignedSessionInterface):
        def get_cookie_name(self, app: flask.Flask) -> str:
            return super().get_cookie_name(app)

    app.config.update(config)
    direct, hooked = SignedSessionInterface(), Hooked()
    assert (direct._hooked, hooked._hooked) == (False, True)
    names = ("cookie_name", "domain", "path", "httponly", "secure", "samesite")
    names += ("partitioned", "max_age", "max_cookie_size", "fallback_keys")
    assert [getattr(direct.get_settings(app), n) for n in names] == [
        getattr(hooked.get_settings(app), n) for n in names
    ]


@pytest.mark.parametrize(
    ("hook", "config", "value", "expected"),
    [
        pytest.param(
            "get_cookie_name",
            {"SESSION_COOKIE_NAME": "config_sid"},
            "hook_sid",
            ("hook_sid", {"HttpOnly": True, "Path": "/"}),
            id="name",
        ),
        pytest.param(
            "get_cookie_domain",
            {"SESSION_COOKIE_DOMAIN": "config.example"},
            "hook.example",
            ("session", {"Domain": "hook.example", "HttpOnly": True, "Path": "/"}),
            id="domain",
        ),
        pytest.param(
            "get_cookie_path",
            {"SESSION_COOKIE_PATH": "/config"},
            "/hook",
            ("session", {"HttpOnly": True, "Path": "/hook"}),
            id="path",
        ),
        pytest.param(
            "get_cookie_httponly",
            {"SESSION_COOKIE_HTTPONLY": True},
            False,
            ("session", {"Path": "/"}),
            id="httponly",
        ),
        pytest.param(
            "get_cookie_secure",
            {"SESSION_COOKIE_SECURE": False},
            True,
            ("session", {"Secure": True, "HttpOnly": True, "Path": "/"}),
            id="secure",
        ),
        pytest.param(
            "get_cookie_samesite",
            {"SESSION_COOKIE_SAMESITE": "Lax"},
            "Strict",
            ("session", {"HttpOnly": True, "Path": "/", "SameSite": "Strict"}),
            id="samesite",
        ),
        pytest.param(
            "get_cookie_partitioned",
            {"SESSION_COOKIE_PARTITIONED": False},
            True,
            (
                "session",
                {"Secure": True, "HttpOnly": True, "Path": "/", "Partitioned": True},
            ),
            id="partitioned",
        ),
    ],
)
def test_overridden_cookie_hook_wins_over_config(
    app: flask.Flask,
    client: Any,
    hook: str,
    config: dict[str, Any],
    value: Any,
    expected: tuple[str, Attributes],
) -> None:
    """One hook overridden to disagree with app.config: the cookie follows it."""

    def override(self: SignedSessionInterface, app: flask.Flask) -> Any:
        return value

    app.config.update(config)
    hooked = type("Hooked", (SignedSessionInterface,), {hook: override})
    app.session_interface = interface = hooked()
    assert getattr(interface, hook)(app) == value
    name, _, attributes = only_cookie(client.get("/set?a=1"))
    assert (name, attributes) == expected


def test_cookie_name_hook_also_names_the_cookie_read(
    app: flask.Flask, client: Any
) -> None:
    class Renamed(SignedSessionInterface):
        def get_cookie_name(self, app: flask.Flask) -> str:
            return "hook_sid"

    app.session_interface = Renamed()
    client.get("/set?a=1")
    assert client.get_cookie("hook_sid") is not None
    assert client.get_cookie("session") is None
    assert client.get("/get/a").text == "'1'"


# -- migration from Flask's own cookies --------------------------------------


@pytest.mark.parametrize("view", ["/get/user", "/nothing"], ids=["read", "untouched"])
def test_flask_cookie_is_accepted_and_re_issued(client: Any, view: str) -> None:
    client.set_cookie(
        "session", flask_cookie(SECRET, {"user": "alice", "when": (1, b"x")})
    )
    response = client.get(view)
    _, value, attributes = only_cookie(response)
    assert is_ours(value)
    assert attributes == {"HttpOnly": True, "Path": "/"}
    assert client.get("/dump").text == repr([("user", "alice"), ("when", (1, b"x"))])


def test_flask_cookie_signed_with_a_fallback_key_is_accepted(
    client: Any, app: flask.Flask
) -> None:
    app.config["SECRET_KEY_FALLBACKS"] = [OLD_SECRET]
    client.set_cookie("session", flask_cookie(OLD_SECRET, {"user": "alice"}))
    response = client.get("/get/user")
    assert response.text == "'alice'"
    assert is_ours(only_cookie(response)[1])
    app.config["SECRET_KEY_FALLBACKS"] = []
    assert client.get("/get/user").text == "'alice'"  # now signed with SECRET


def test_permanent_flask_cookie_stays_permanent(client: Any, clock: Any) -> None:
    clock.now = time.time()
    client.set_cookie(
        "session", flask_cookie(SECRET, {"user": "alice", "_permanent": True})
    )
    _, value, attributes = only_cookie(client.get("/nothing"))
    assert is_ours(value)
    assert attributes == {**expires_in(clock, MONTH), "HttpOnly": True, "Path": "/"}


def test_flask_cookie_with_another_key_is_rejected(client: Any, caplog: Any) -> None:
    client.set_cookie("session", flask_cookie(OLD_SECRET, {"user": "alice"}))
    with caplog.at_level(logging.WARNING, logger=SECURITY):
        assert client.get("/get/user").text == "None"
    assert [r.getMessage() for r in caplog.records] == [
        "session cookie rejected: bad signature"
    ]


def test_flask_cookie_older_than_the_lifetime_is_rejected(
    client: Any, clock: Any
) -> None:
    client.set_cookie("session", flask_cookie(SECRET, {"user": "alice"}))
    clock.now = time.time() + MONTH + 2
    assert client.get("/get/user").text == "None"


def test_migration_can_be_turned_off(app: flask.Flask, client: Any) -> None:
    app.session_interface = SignedSessionInterface(migrate_from=())
    client.set_cookie("session", flask_cookie(SECRET, {"user": "alice"}))
    assert client.get("/get/user").text == "None"


# -- one session across Flask and a plain WSGI app ---------------------------


def test_flask_and_wsgi_apps_share_one_session(app: flask.Flask) -> None:
    def wsgi_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        session = environ["signedsession.session"]
        session["visits"] = session.get("visits", 0) + 1
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [repr(sorted(session.items())).encode()]

    shared = {"secret_key": SECRET, "cookie_name": "session", "salt": "shared"}
    app.session_interface = SignedSessionInterface(**shared)
    plain = SessionMiddleware(wsgi_app, serializer=TaggedJSONSerializer(), **shared)
    client = Client(DispatcherMiddleware(plain, {"/flask": app}))

    client.get("/flask/set?user=alice")
    assert client.get("/plain").text == repr([("user", "alice"), ("visits", 1)])
    assert client.get("/flask/get/visits").text == "1"
    client.get("/flask/permanent")
    assert client.get("/plain").text == repr(
        [("_permanent", True), ("user", "alice"), ("visits", 2)]
    )
    client.get("/flask/clear")
    assert client.get("/plain").text == repr([("visits", 1)])


# -- cache safety ---------------------------------------------------------------


def test_response_setting_the_cookie_is_marked_private(client: Any) -> None:
    response = client.get("/set?user=alice")
    assert response.headers.getlist("Cache-Control") == ["private"]


def test_response_deleting_the_cookie_is_marked_private(client: Any) -> None:
    client.get("/set?user=alice")
    response = client.get("/clear")
    assert only_cookie(response)[2] | DELETED == only_cookie(response)[2]
    assert response.headers.getlist("Cache-Control") == ["private"]


def test_response_leaving_the_cookie_alone_gets_no_cache_control(
    client: Any,
) -> None:
    client.get("/set?user=alice")
    response = client.get("/get/user")
    assert response.headers.getlist("Set-Cookie") == []
    assert "Cache-Control" not in response.headers


def test_public_response_setting_the_cookie_warns_and_keeps_its_header(
    app: flask.Flask, client: Any
) -> None:
    @app.route("/public")
    def public() -> flask.Response:
        flask.session["user"] = "alice"
        response = flask.make_response("public")
        response.headers["Cache-Control"] = "public, max-age=60"
        return response

    with pytest.warns(RuntimeWarning, match="a shared cache could serve"):
        response = client.get("/public")
    assert response.headers.getlist("Cache-Control") == ["public, max-age=60"]
    assert only_cookie(response)[0] == "session"
