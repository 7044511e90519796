"""``cookie_format`` through every front door: compact by default, the first
format when asked (``1``), and either read whatever is configured.

Flask and Quart: ``SIGNEDSESSION_COOKIE_FORMAT`` or the interface keyword;
Pyramid: the factory keyword or ``signedsession.cookie_format``; Django:
``SIGNEDSESSION_COOKIE_FORMAT``; ASGI: the middleware keyword. The codec's
own tests are in tests/core/test_compact.py.
"""

from __future__ import annotations

import asyncio
from typing import Any

import flask
import pytest
from pyramid.config import Configurator
from pyramid.exceptions import ConfigurationError
from pyramid.response import Response
from setcookie import parse_set_cookie, set_cookies
from shared import SECRET, is_compact_value
from webtest import TestApp

from signedsession import SessionSettings
from signedsession._codec import Codec
from signedsession.adapters.flask import SignedSessionInterface
from signedsession.adapters.pyramid import SignedSessionFactory

FIRST = SessionSettings(secret_key=SECRET, cookie_format=1)
COMPACT = SessionSettings(secret_key=SECRET)


def is_first_format(value: str) -> bool:
    return value.count(".") == 4 and not is_compact_value(value)


def only_value(response: Any) -> str:
    [(name, value, _)] = set_cookies(response)
    assert name == "session"
    return value


def cookie_for(settings: SessionSettings, data: dict[str, Any]) -> str:
    """A genuine value of ``settings``, as another server would have set it."""
    from signedsession import SessionStore

    store = SessionStore(settings=settings)
    store.update(data)
    store.save()
    assert store.session_key is not None
    return store.session_key


# -- Flask ----------------------------------------------------------------------


def flask_app(interface: SignedSessionInterface, **config: Any) -> flask.Flask:
    app = flask.Flask(__name__)
    app.config.update(TESTING=True, SECRET_KEY=SECRET, **config)
    app.session_interface = interface

    @app.route("/bump")
    def bump() -> str:
        flask.session["n"] = flask.session.get("n", 0) + 1
        return str(flask.session["n"])

    @app.route("/read")
    def read() -> str:
        return str(flask.session.get("n"))

    return app


def test_flask_writes_compact_by_default() -> None:
    client = TestApp(flask_app(SignedSessionInterface()))
    value = only_value(client.get("/bump"))
    assert is_compact_value(value)
    assert client.get("/bump").text == "2"


@pytest.mark.parametrize(
    ("interface", "config"),
    [
        (lambda: SignedSessionInterface(), {"SIGNEDSESSION_COOKIE_FORMAT": 1}),
        (lambda: SignedSessionInterface(cookie_format=1), {}),
    ],
    ids=["config", "keyword"],
)
def test_flask_writes_the_first_format_when_asked(interface: Any, config: Any) -> None:
    app = flask_app(interface(), **config)
    client = TestApp(app)
    value = only_value(client.get("/bump"))
    assert is_first_format(value)
    assert client.get("/bump").text == "2"
    # A compact cookie from a server already on 0.2 is read and re-issued
    # in the first format on that response.
    compact = cookie_for(COMPACT, {"n": 7})
    response = client.get("/read", headers={"Cookie": f"session={compact}"})
    assert response.text == "7"
    assert is_first_format(only_value(response))


def test_flask_refuses_a_bad_cookie_format() -> None:
    app = flask_app(SignedSessionInterface(), SIGNEDSESSION_COOKIE_FORMAT=3)
    with pytest.raises(ValueError, match=r"^cookie_format must be at most 2, got 3$"):
        app.session_interface.get_settings(app)  # type: ignore[attr-defined]


# -- Quart ----------------------------------------------------------------------


def test_quart_writes_the_first_format_when_asked() -> None:
    from quart import Quart, session

    from signedsession.adapters.quart import SignedSessionInterface as QuartInterface

    app = Quart("quart_cookie_format")
    app.config.update(SECRET_KEY=SECRET, SIGNEDSESSION_COOKIE_FORMAT=1)
    app.session_interface = QuartInterface()

    @app.route("/bump")
    async def bump() -> str:
        session["n"] = session.get("n", 0) + 1
        return str(session["n"])

    async def go() -> list[str]:
        response = await app.test_client().get("/bump")
        return response.headers.getlist("Set-Cookie")  # type: ignore[no-any-return]

    [header] = asyncio.run(go())
    name, value, _ = parse_set_cookie(header)
    assert name == "session" and is_first_format(value)
    assert Codec.of(FIRST).loads(value).data == {"n": 1}


# -- Pyramid --------------------------------------------------------------------


def pyramid_app(factory: Any = None, settings: Any = None) -> Any:
    def bump(request: Any) -> Response:
        request.session["n"] = request.session.get("n", 0) + 1
        return Response(str(request.session["n"]))

    with Configurator(settings=settings or {}) as config:
        if factory is not None:
            config.set_session_factory(factory)
        else:
            config.include("signedsession.adapters.pyramid")
        config.add_route("bump", "/bump")
        config.add_view(bump, route_name="bump")
        return config.make_wsgi_app()


@pytest.mark.parametrize(
    "make",
    [
        lambda: pyramid_app(SignedSessionFactory(SECRET, cookie_format=1)),
        lambda: pyramid_app(
            settings={
                "signedsession.secret_key": SECRET,
                "signedsession.cookie_format": "1",
            }
        ),
    ],
    ids=["factory-keyword", "ini-setting"],
)
def test_pyramid_writes_the_first_format_when_asked(make: Any) -> None:
    client = TestApp(make())
    assert is_first_format(only_value(client.get("/bump")))
    assert client.get("/bump").text == "2"


def test_pyramid_writes_compact_by_default_and_checks_the_ini_value() -> None:
    client = TestApp(pyramid_app(SignedSessionFactory(SECRET)))
    assert is_compact_value(only_value(client.get("/bump")))
    with pytest.raises(ConfigurationError, match="cookie_format"):
        pyramid_app(
            settings={
                "signedsession.secret_key": SECRET,
                "signedsession.cookie_format": "3",
            }
        )


# -- Django ---------------------------------------------------------------------


def test_django_reads_signedsession_cookie_format() -> None:
    from djangoproject import configure

    configure()
    from django.test import override_settings

    from signedsession.adapters.django import SessionStore, session_settings

    assert session_settings().cookie_format == 2
    with override_settings(SIGNEDSESSION_COOKIE_FORMAT=1):
        assert session_settings().cookie_format == 1
        store = SessionStore()
        store["n"] = 1
        store.save()
        assert store.session_key is not None and is_first_format(store.session_key)
    store = SessionStore()
    store["n"] = 1
    store.save()
    assert store.session_key is not None and is_compact_value(store.session_key)


# -- ASGI -----------------------------------------------------------------------


def test_asgi_middleware_takes_cookie_format() -> None:
    from signedsession.asgi import SessionMiddleware

    async def endpoint(scope: Any, receive: Any, send: Any) -> None:
        scope["session"]["n"] = 1
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    def value_of(app: Any) -> str:
        sent: list[Any] = []

        async def receive() -> Any:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: Any) -> None:
            sent.append(message)

        scope = {"type": "http", "scheme": "http", "path": "/", "headers": []}
        asyncio.run(app(scope, receive, send))
        [header] = [v for k, v in sent[0]["headers"] if k.lower() == b"set-cookie"]
        return parse_set_cookie(header.decode())[1]

    assert is_compact_value(value_of(SessionMiddleware(endpoint, secret_key=SECRET)))
    first = value_of(SessionMiddleware(endpoint, secret_key=SECRET, cookie_format=1))
    assert is_first_format(first)
    assert Codec.of(FIRST).loads(first).data == {"n": 1}
