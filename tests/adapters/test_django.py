"""The Django engine in a real Django project: auth, messages, CSRF, admin.

Driven by Django's test client (``client.session``, ``client.login()``,
``client.force_login()``) and by WebTest over Django's WSGI handler, with
Django's ``SessionMiddleware`` unchanged.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from djangoproject import configure
from shared import is_signed_value

configure()

from django.conf import settings as django_settings  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.core import signing  # noqa: E402
from django.core.exceptions import ImproperlyConfigured  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from webtest import TestApp  # noqa: E402

from signedsession import SessionTooLarge, TaggedJSONSerializer  # noqa: E402
from signedsession._codec import Codec  # noqa: E402
from signedsession.adapters.django import (  # noqa: E402
    SessionStore,
    session_settings,
)
from signedsession.serializers import JSONSerializer  # noqa: E402

NAME = "sessionid"
PASSWORD = "correct horse battery staple"
DJANGO_ENGINE = "django.contrib.sessions.backends.signed_cookies"
SECURITY = "signedsession.security"


@pytest.fixture(scope="module")
def user() -> User:
    found = User.objects.filter(username="ann").first()
    if found is not None:
        return found
    return User.objects.create_superuser("ann", "ann@example.com", PASSWORD)


def ours(value: str) -> dict[str, Any]:
    """The data of a cookie value in signedsession's format."""
    assert is_signed_value(value), "not signedsession's format"
    return Codec.of(session_settings()).loads(value).data


def cookie_of(response: Any) -> str:
    return response.cookies[NAME].value  # type: ignore[no-any-return]


def test_engine_module_is_what_django_loads() -> None:
    from importlib import import_module

    engine = import_module(django_settings.SESSION_ENGINE)
    assert engine.SessionStore is SessionStore
    store = SessionStore()
    assert (store.session_key, store.accessed, store.modified) == (None, False, False)


# -- the test client -------------------------------------------------------------


def test_login_sets_a_cookie_in_our_format(user: User) -> None:
    client = Client()
    assert client.login(username="ann", password=PASSWORD)
    value = client.cookies[NAME].value
    assert ours(value)["_auth_user_id"] == str(user.pk)
    assert client.get("/whoami/").json()["user"] == "ann"


def test_force_login_and_logout(user: User) -> None:
    client = Client()
    client.force_login(user)
    assert client.get("/whoami/").json()["user"] == "ann"
    response = client.get("/clear/")
    assert response.cookies[NAME].value == ""
    assert response.cookies[NAME]["max-age"] == 0
    assert client.get("/whoami/").json()["user"] is None


def test_client_session_reads_and_writes_the_cookie() -> None:
    client = Client()
    session = client.session
    assert isinstance(session, SessionStore)
    session["n"] = 41
    session.save()
    # A signed cookie is the session: the client must get the new value.
    client.cookies[NAME] = session.session_key
    assert client.get("/counter/").json() == {"n": 42}
    assert client.session["n"] == 42


def test_messages_and_csrf_token_live_in_the_session(user: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    token = client.get("/token/").json()["csrf"]  # masked, as forms get it
    secret = ours(client.cookies[NAME].value)["_csrftoken"]
    assert client.post("/note/", {"text": "hi"}).status_code == 403
    response = client.post("/note/", {"text": "hi"}, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200
    assert client.get("/whoami/").json() == {
        "user": "ann",
        "messages": ["hi"],
        "csrf": secret,
    }
    assert client.get("/whoami/").json()["messages"] == []


def test_response_varies_on_cookie_and_untouched_session_sets_nothing() -> None:
    client = Client()
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert "Cookie" in response["Vary"]
    assert NAME in response.cookies  # the login form's CSRF token
    response = client.get("/nothing-here/")
    assert response.status_code == 404
    assert NAME not in response.cookies


# -- stricter than Django's backend ----------------------------------------------


def test_set_expiry_is_enforced_by_the_server(clock: Any) -> None:
    client = Client()
    assert client.get("/expire/?seconds=60").json() == {"expiry": 60}
    value = client.cookies[NAME].value
    clock.advance(59)
    assert client.get("/kept/").json() == {"kept": "yes"}
    # The client replays the old cookie after 61 s of inactivity.
    client.cookies[NAME] = value
    clock.advance(2)
    assert client.get("/kept/").json() == {"kept": None}


def test_a_cookie_from_the_future_is_refused(
    clock: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger=SECURITY)
    client = Client()
    clock.advance(61)
    client.get("/counter/")
    clock.advance(-61)
    caplog.clear()
    response = client.get("/counter/")
    assert response.json() == {"n": 1}
    assert [r.getMessage() for r in caplog.records if r.name == SECURITY] == [
        "session cookie rejected: timestamp in the future"
    ]


def test_too_large_a_session_fails_the_response_instead_of_losing_it() -> None:
    client = Client()
    with pytest.raises(SessionTooLarge) as raised:
        client.get("/big/?size=3000")
    assert raised.value.limit == 4093
    client = Client(raise_request_exception=False)
    response = client.get("/big/?size=3000")
    assert response.status_code == 500
    assert NAME not in response.cookies


def test_tampered_cookie_is_an_empty_session_and_one_warning(
    caplog: pytest.LogCaptureFixture, user: User
) -> None:
    caplog.set_level(logging.WARNING, logger=SECURITY)
    client = Client()
    client.force_login(user)
    value = client.cookies[NAME].value
    client.cookies[NAME] = value[:-2] + ("AA" if value[-2:] != "AA" else "BB")
    caplog.clear()
    response = client.get("/whoami/")
    assert response.json()["user"] is None
    assert response.cookies[NAME].value == ""  # Django's middleware deletes it
    records = [r.getMessage() for r in caplog.records if r.name == SECURITY]
    assert records == ["session cookie rejected: bad signature"]


# -- settings -----------------------------------------------------------------------


def test_settings_come_from_django_and_follow_override_settings() -> None:
    settings = session_settings()
    assert (settings.cookie_name, settings.max_age, settings.samesite) == (
        "sessionid",
        1209600,
        "Lax",
    )
    assert settings.secret_key == django_settings.SECRET_KEY
    with override_settings(
        SESSION_COOKIE_AGE=60,
        SESSION_COOKIE_SAMESITE=False,
        SESSION_COOKIE_SECURE=True,
        SECRET_KEY_FALLBACKS=["an-older-secret-key-also-32-bytes-long"],
        SIGNEDSESSION_ABSOLUTE_MAX_AGE=3600,
        SIGNEDSESSION_COMPRESS=False,
        SIGNEDSESSION_SALT="my-app",
    ):
        changed = session_settings()
        assert changed.max_age == 60
        assert changed.samesite is None
        assert changed.secure is True
        assert changed.fallback_keys == ("an-older-secret-key-also-32-bytes-long",)
        assert (changed.absolute_max_age, changed.compress, changed.salt) == (
            3600,
            False,
            "my-app",
        )
        assert SessionStore().get_session_cookie_age() == 60
    assert session_settings().max_age == 1209600  # rebuilt on the way out


def test_settings_are_built_once_and_shared() -> None:
    assert session_settings() is session_settings()
    assert SessionStore().settings is SessionStore().settings


@pytest.mark.parametrize(
    "serializer",
    [
        "django.contrib.sessions.serializers.PickleSerializer",
        "myapp.serializers.PickleSerializer",
    ],
)
def test_a_pickle_serializer_is_refused(serializer: str) -> None:
    with (
        override_settings(SESSION_SERIALIZER=serializer),
        pytest.raises(ImproperlyConfigured, match=r"^SESSION_SERIALIZER .* refused"),
    ):
        SessionStore()


def test_a_serializer_that_is_not_json_is_refused() -> None:
    with (
        override_settings(SESSION_SERIALIZER="pickle.Pickler"),
        pytest.raises(ImproperlyConfigured, match="refused"),
    ):
        SessionStore()
    with (
        override_settings(SESSION_SERIALIZER="decimal.Decimal"),
        pytest.raises(ImproperlyConfigured, match="is not a JSON serializer"),
    ):
        SessionStore()


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("django.contrib.sessions.serializers.JSONSerializer", JSONSerializer),
        ("django.core.signing.JSONSerializer", JSONSerializer),
        ("signedsession.serializers.TaggedJSONSerializer", TaggedJSONSerializer),
    ],
)
def test_json_serializers_are_accepted(path: str, kind: type) -> None:
    with override_settings(SESSION_SERIALIZER=path):
        assert isinstance(session_settings().serializer, kind)
        assert SessionStore().serializer.__name__ == path.rpartition(".")[2]


def test_unknown_signedsession_setting_is_named() -> None:
    with (
        override_settings(SIGNEDSESSION_COMPRES=False),
        pytest.raises(ImproperlyConfigured, match=r"^SIGNEDSESSION_COMPRES is not"),
    ):
        SessionStore()


def test_a_bad_value_names_the_django_setting() -> None:
    with (
        override_settings(SESSION_COOKIE_AGE=-1),
        pytest.raises(ImproperlyConfigured, match=r"^SESSION_COOKIE_AGE: max_age"),
    ):
        SessionStore()
    with (
        override_settings(SIGNEDSESSION_CLOCK_SKEW="a minute"),
        pytest.raises(ImproperlyConfigured, match=r"^SIGNEDSESSION_CLOCK_SKEW:"),
    ):
        SessionStore()


def test_a_cookie_signed_with_a_fallback_key_is_re_signed(user: User) -> None:
    old = "an-older-secret-key-also-32-bytes-long"
    client = Client()
    with override_settings(SECRET_KEY=old):
        client.get("/counter/")
    value = client.cookies[NAME].value
    with override_settings(SECRET_KEY_FALLBACKS=[old]):
        response = client.get("/kept/")  # reads, never writes
        assert ours(cookie_of(response)) == {"n": 1}
        assert Codec.of(session_settings()).loads(cookie_of(response)).key_index == 0
        assert cookie_of(response) != value


# -- migration from Django's own backends -------------------------------------------


def logged_in_with_djangos_backend(user: User) -> tuple[str, str, str]:
    """A live Django signed_cookies cookie: logged in, a message, a CSRF token.

    Returns the cookie value, a (masked) token and the session's CSRF secret.
    """
    with override_settings(SESSION_ENGINE=DJANGO_ENGINE):
        client = Client(enforce_csrf_checks=True)
        assert client.login(username="ann", password=PASSWORD)
        token = client.get("/token/").json()["csrf"]
        response = client.post("/note/", {"text": "before"}, HTTP_X_CSRFTOKEN=token)
        assert response.status_code == 200
        value = client.cookies[NAME].value
    data = signing.loads(
        value, salt=DJANGO_ENGINE, serializer=signing.JSONSerializer
    )  # Django's own format, Django's own reader
    assert data["_auth_user_id"] == str(user.pk)
    return value, token, data["_csrftoken"]


def test_switch_from_djangos_backend_keeps_the_user_logged_in(user: User) -> None:
    value, token, secret = logged_in_with_djangos_backend(user)
    client = Client(enforce_csrf_checks=True)
    client.cookies[NAME] = value
    response = client.get("/whoami/")
    assert response.json() == {"user": "ann", "messages": ["before"], "csrf": secret}
    migrated = cookie_of(response)  # re-issued in our format on first read
    assert ours(migrated)["_auth_user_id"] == str(user.pk)
    assert ours(migrated)["_csrftoken"] == secret
    response = client.post("/note/", {"text": "after"}, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200
    assert client.get("/whoami/").json()["messages"] == ["after"]


def test_switch_from_djangos_backend_through_webtest(user: User) -> None:
    value, _, secret = logged_in_with_djangos_backend(user)
    app = TestApp(get_wsgi_application(), lint=True)
    app.set_cookie(NAME, value)
    assert app.get("/whoami/").json == {
        "user": "ann",
        "messages": ["before"],
        "csrf": secret,
    }
    issued = app.cookies[NAME]
    assert ours(issued)["_auth_user_id"] == str(user.pk)
    response = app.get("/admin/")
    assert response.status_int == 200
    assert "Site administration" in response.text


def test_a_django_cookie_with_a_fallback_key_migrates(user: User) -> None:
    old = "an-older-secret-key-also-32-bytes-long"
    with override_settings(SECRET_KEY=old):
        value, _, _ = logged_in_with_djangos_backend(user)
    client = Client()
    client.cookies[NAME] = value
    assert client.get("/whoami/").json()["user"] is None  # not a key we know
    client.cookies[NAME] = value
    with override_settings(SECRET_KEY_FALLBACKS=[old]):
        assert client.get("/whoami/").json()["user"] == "ann"


def test_switch_from_the_database_backend_logs_users_out(user: User) -> None:
    with override_settings(SESSION_ENGINE="django.contrib.sessions.backends.db"):
        client = Client()
        client.force_login(user)
        assert client.get("/whoami/").json()["user"] == "ann"
        value = client.cookies[NAME].value
    client = Client()  # Django builds the middleware, and its engine, per client
    client.cookies[NAME] = value
    response = client.get("/whoami/")
    assert response.json()["user"] is None  # a random key, nothing signed
    assert response.cookies[NAME].value == ""


# -- WebTest: the admin's own login form ---------------------------------------------


def test_admin_login_form_through_webtest(user: User) -> None:
    app = TestApp(get_wsgi_application(), lint=True)
    page = app.get("/admin/login/?next=/admin/")
    assert NAME in app.cookies  # the form's CSRF token, in the session
    form = page.forms["login-form"]
    form["username"] = "ann"
    form["password"] = PASSWORD
    response = form.submit()
    assert response.status_int == 302
    assert response.headers["Location"] == "/admin/"
    home = response.follow()
    assert "Site administration" in home.text
    assert ours(app.cookies[NAME])["_auth_user_id"] == str(user.pk)
    token = app.get("/token/").json["csrf"]
    response = app.post("/admin/logout/", {"csrfmiddlewaretoken": token})
    assert response.status_int == 200
    assert app.cookies.get(NAME) in (None, "")
    assert app.get("/whoami/").json["user"] is None


@pytest.mark.parametrize("chunks", [2, 8])
def test_max_chunks_over_one_is_refused_naming_the_setting(chunks: int) -> None:
    with (
        override_settings(SIGNEDSESSION_MAX_CHUNKS=chunks),
        pytest.raises(
            ImproperlyConfigured,
            match=rf"^SIGNEDSESSION_MAX_CHUNKS must be 1 under Django, got {chunks}:"
            " Django's SessionMiddleware sets one session cookie",
        ),
    ):
        SessionStore()


def test_max_chunks_of_one_is_accepted() -> None:
    with override_settings(SIGNEDSESSION_MAX_CHUNKS=1):
        assert session_settings().max_chunks == 1
    with (
        override_settings(SIGNEDSESSION_MAX_CHUNKS=9),
        pytest.raises(ImproperlyConfigured, match=r"^SIGNEDSESSION_MAX_CHUNKS: max"),
    ):
        SessionStore()
