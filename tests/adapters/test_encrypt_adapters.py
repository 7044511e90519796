"""encrypt through the adapters' own spellings, and migration with it on.

Flask: ``app.config["SIGNEDSESSION_ENCRYPT"]`` or
``SignedSessionInterface(encrypt=True)``; Pyramid: ``SignedSessionFactory(
secret, encrypt=True)`` or ``signedsession.encrypt`` in the .ini settings.
Cookies of the framework's own format, and signedsession's signed ones, are
accepted when they verify and re-issued encrypted.
"""

from __future__ import annotations

from typing import Any

import flask
import pytest
from pyramid.config import Configurator
from pyramid.interfaces import ISessionFactory
from pyramid.response import Response
from pyramid.session import SignedCookieSessionFactory
from shared import SECRET, is_signed_value
from webtest import TestApp

from signedsession import SessionSettings
from signedsession._codec import Codec
from signedsession.adapters.flask import SignedSessionInterface
from signedsession.adapters.pyramid import SignedSessionFactory
from signedsession.inspection import is_encrypted


def cookie_of(response: Any, name: str = "session") -> str | None:
    headers = response.headers
    getall = getattr(headers, "getall", None) or headers.getlist  # WebOb, Werkzeug
    for header in getall("Set-Cookie"):
        cookie_name, _, rest = header.partition("=")
        if cookie_name == name:
            return rest.split(";")[0]
    return None


def opened(settings: SessionSettings, value: str | None) -> dict[str, Any]:
    assert value is not None
    decoded = Codec.of(settings).loads(value)
    assert decoded.encrypted, value
    return decoded.data


# -- Flask ------------------------------------------------------------------------


def flask_app(*, interface: SignedSessionInterface | None = None) -> flask.Flask:
    app = flask.Flask("encrypted")
    app.secret_key = SECRET
    app.session_interface = interface or SignedSessionInterface()

    @app.get("/")
    def show() -> dict[str, Any]:
        return dict(flask.session)

    @app.get("/set/<value>")
    def set_value(value: str) -> str:
        flask.session["value"] = value
        return "ok"

    return app


def test_flask_config_switches_encryption_on() -> None:
    app = flask_app()
    app.config["SIGNEDSESSION_ENCRYPT"] = True
    client = app.test_client()
    response = client.get("/set/secret-thing")
    value = cookie_of(response)
    assert value is not None and is_encrypted(value)
    assert "secret-thing" not in response.headers["Set-Cookie"]
    settings = app.session_interface.get_settings(app)
    assert settings is not None and settings.encrypt is True
    assert opened(settings, value) == {"value": "secret-thing"}
    assert client.get("/").json == {"value": "secret-thing"}


def test_flask_interface_keyword_switches_encryption_on() -> None:
    app = flask_app(interface=SignedSessionInterface(encrypt=True))
    value = cookie_of(app.test_client().get("/set/x"))
    assert value is not None and is_encrypted(value)


def test_flask_encrypt_override_is_validated_at_construction() -> None:
    with pytest.raises(TypeError, match=r"^encrypt must be True or False"):
        SignedSessionInterface(encrypt="yes")


@pytest.mark.parametrize(
    ("before", "after"), [(False, True), (True, False)], ids=["on", "off"]
)
def test_flask_switch_keeps_the_session_and_reissues_it(
    before: bool, after: bool
) -> None:
    app = flask_app()
    client = app.test_client()
    app.config["SIGNEDSESSION_ENCRYPT"] = before
    client.get("/set/kept")
    app.config["SIGNEDSESSION_ENCRYPT"] = after
    response = client.get("/")
    assert response.json == {"value": "kept"}
    value = cookie_of(response)
    assert value is not None and is_encrypted(value) is after
    assert client.get("/").json == {"value": "kept"}


def test_flask_format_cookie_is_migrated_to_an_encrypted_one() -> None:
    made_by_flask = flask.Flask("default")
    made_by_flask.secret_key = SECRET

    @made_by_flask.get("/")
    def login() -> str:
        flask.session["user_id"] = 7
        return "ok"

    flask_value = cookie_of(made_by_flask.test_client().get("/"))
    assert flask_value is not None and "." in flask_value

    app = flask_app()
    app.config["SIGNEDSESSION_ENCRYPT"] = True
    client = app.test_client()
    client.set_cookie("session", flask_value)
    response = client.get("/")
    assert response.json == {"user_id": 7}
    settings = app.session_interface.get_settings(app)
    assert settings is not None
    assert opened(settings, cookie_of(response)) == {"user_id": 7}


# -- Pyramid ----------------------------------------------------------------------


def pyramid_app(factory: Any = None, settings: dict[str, str] | None = None) -> Any:
    def show(request: Any) -> Response:
        return Response(json=dict(request.session))

    def set_value(request: Any) -> Response:
        request.session["value"] = request.matchdict["value"]
        return Response("ok")

    with Configurator(settings=settings) as config:
        if factory is None:
            config.include("signedsession.adapters.pyramid")
        else:
            config.set_session_factory(factory)
        config.add_route("show", "/")
        config.add_view(show, route_name="show")
        config.add_route("set", "/set/{value}")
        config.add_view(set_value, route_name="set")
        return config.make_wsgi_app()


def test_pyramid_factory_keyword_switches_encryption_on() -> None:
    factory = SignedSessionFactory(SECRET, encrypt=True)
    app = TestApp(pyramid_app(factory))
    response = app.get("/set/hidden")
    assert opened(factory.settings, cookie_of(response)) == {"value": "hidden"}
    assert app.get("/").json == {"value": "hidden"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [("true", True), ("on", True), ("1", True), ("false", False), ("", False)],
)
def test_pyramid_ini_reads_signedsession_encrypt(text: str, expected: bool) -> None:
    app = pyramid_app(
        settings={"signedsession.secret_key": SECRET, "signedsession.encrypt": text}
    )
    factory = app.registry.queryUtility(ISessionFactory)
    assert factory.settings.encrypt is expected
    value = cookie_of(TestApp(app).get("/set/v"))
    assert value is not None and is_encrypted(value) is expected


def test_pyramid_format_cookie_is_migrated_to_an_encrypted_one() -> None:
    def login(request: Any) -> Response:
        request.session["user_id"] = 7
        return Response("ok")

    with Configurator() as config:
        config.set_session_factory(SignedCookieSessionFactory(SECRET))
        config.add_route("login", "/")
        config.add_view(login, route_name="login")
        made_by_pyramid = config.make_wsgi_app()
    pyramid_value = cookie_of(TestApp(made_by_pyramid).get("/"))
    assert pyramid_value is not None

    factory = SignedSessionFactory(SECRET, encrypt=True)
    app = TestApp(pyramid_app(factory))
    app.set_cookie("session", pyramid_value)
    response = app.get("/")
    assert response.json == {"user_id": 7}
    assert opened(factory.settings, cookie_of(response)) == {"user_id": 7}


def test_pyramid_signed_cookie_is_reissued_encrypted_after_the_switch() -> None:
    before = SignedSessionFactory(SECRET)
    app = TestApp(pyramid_app(before))
    signed_value = cookie_of(app.get("/set/kept"))
    assert signed_value is not None and is_signed_value(signed_value)
    after = SignedSessionFactory(SECRET, encrypt=True, reissue_time=None)
    app = TestApp(pyramid_app(after))
    app.set_cookie("session", signed_value)
    response = app.get("/")
    assert response.json == {"value": "kept"}
    assert opened(after.settings, cookie_of(response)) == {"value": "kept"}
