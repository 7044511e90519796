"""Sessions past one cookie (``max_chunks``) through the framework adapters.

Flask: ``app.config["SIGNEDSESSION_MAX_CHUNKS"]`` or
``SignedSessionInterface(max_chunks=...)``; Pyramid:
``SignedSessionFactory(secret, max_chunks=...)`` or ``signedsession.max_chunks``
in the .ini settings. (Django's engine refuses it: test_django.py.)
"""

from __future__ import annotations

import base64
import random
from typing import Any

import flask
import pytest
from pyramid.config import Configurator
from pyramid.exceptions import ConfigurationError
from pyramid.request import Request
from pyramid.response import Response
from setcookie import set_cookies
from shared import SECRET
from webtest import TestApp

from signedsession import SessionSettings
from signedsession.adapters.flask import SignedSessionInterface
from signedsession.adapters.pyramid import SignedSessionFactory

#: Characters of session data that need 3 cookies of 4 KB, compressed or not.
THREE = 10000
#: ... and that need 2.
TWO = 4500


def text(length: int) -> str:
    """``length`` characters that compress little: sizes are predictable."""
    return base64.b64encode(random.Random(length).randbytes(length)).decode()[:length]


def names(response: Any) -> list[str]:
    return [name for name, _, _ in set_cookies(response)]


def deleted(response: Any) -> list[str]:
    return [
        name
        for name, value, attributes in set_cookies(response)
        if value == "" and attributes.get("Max-Age") == "0"
    ]


def chunk_names(count: int) -> list[str]:
    return ["session"] + [f"session.{i}" for i in range(1, count)]


# -- Flask ---------------------------------------------------------------------------


def flask_app(interface: SignedSessionInterface, **config: Any) -> flask.Flask:
    app = flask.Flask(__name__)
    app.config.update(TESTING=True, SECRET_KEY=SECRET, **config)
    app.session_interface = interface

    @app.route("/store/<int:size>")
    def store(size: int) -> str:
        flask.session["big"] = text(size)
        return "stored"

    @app.route("/size")
    def size() -> str:
        return str(len(flask.session.get("big", "")))

    @app.route("/clear")
    def clear() -> str:
        flask.session.clear()
        return "cleared"

    return app


@pytest.mark.parametrize(
    ("interface", "config"),
    [
        (lambda: SignedSessionInterface(), {"SIGNEDSESSION_MAX_CHUNKS": 4}),
        (lambda: SignedSessionInterface(max_chunks=4), {}),
    ],
    ids=["app.config", "override"],
)
def test_flask_round_trips_chunks_and_deletes_stale_ones(
    clock: Any, interface: Any, config: dict[str, Any]
) -> None:
    app = flask_app(interface(), **config)
    client = app.test_client()
    response = client.get(f"/store/{THREE}")
    assert names(response) == chunk_names(3)
    assert all(len(h) <= 4093 for h in response.headers.getlist("Set-Cookie"))
    assert client.get("/size").text == str(THREE)
    response = client.get(f"/store/{TWO}")
    assert names(response) == chunk_names(3)
    assert deleted(response) == ["session.2"]
    assert client.get("/size").text == str(TWO)
    assert client.get_cookie("session.2") is None
    response = client.get("/store/10")
    assert deleted(response) == ["session.1"]
    assert client.get_cookie("session.1") is None
    assert client.get("/size").text == "10"
    client.get(f"/store/{THREE}")
    response = client.get("/clear")
    assert deleted(response) == chunk_names(3)
    assert client.get("/size").text == "0"


def test_flask_without_max_chunks_refuses_a_large_session(clock: Any) -> None:
    from signedsession import SessionTooLarge

    app = flask_app(SignedSessionInterface())
    with pytest.raises(SessionTooLarge):
        app.test_client().get(f"/store/{THREE}")


def test_flask_config_key_reaches_the_settings() -> None:
    app = flask_app(SignedSessionInterface(), SIGNEDSESSION_MAX_CHUNKS=3)
    settings = app.session_interface.get_settings(app)
    assert settings is not None and settings.max_chunks == 3
    app.config["SIGNEDSESSION_MAX_CHUNKS"] = 9
    with pytest.raises(ValueError, match=r"^max_chunks must be at most 8, got 9$"):
        app.session_interface.get_settings(app)


def test_flask_override_is_checked_at_construction() -> None:
    with pytest.raises(ValueError, match=r"^max_chunks must be at least 1, got 0$"):
        SignedSessionInterface(max_chunks=0)


# -- Pyramid -------------------------------------------------------------------------


def store_view(request: Request) -> Response:
    request.session["big"] = text(int(request.matchdict["size"]))
    return Response("stored")


def size_view(request: Request) -> Response:
    return Response(str(len(request.session.get("big", ""))))


def invalidate_view(request: Request) -> Response:
    request.session.invalidate()
    return Response("invalidated")


def pyramid_app(factory: Any = None, settings: dict[str, Any] | None = None) -> Any:
    with Configurator(settings=settings) as config:
        if factory is None:
            config.include("signedsession.adapters.pyramid")
        else:
            config.set_session_factory(factory)
        config.add_route("store", "/store/{size}")
        config.add_view(store_view, route_name="store")
        config.add_route("size", "/size")
        config.add_view(size_view, route_name="size")
        config.add_route("invalidate", "/invalidate")
        config.add_view(invalidate_view, route_name="invalidate")
        return config.make_wsgi_app()


@pytest.mark.parametrize(
    "make",
    [
        lambda: pyramid_app(SignedSessionFactory(SECRET, max_chunks=4)),
        lambda: pyramid_app(
            settings={
                "signedsession.secret_key": SECRET,
                "signedsession.max_chunks": "4",
            }
        ),
    ],
    ids=["factory-keyword", "ini-setting"],
)
def test_pyramid_round_trips_chunks_and_deletes_stale_ones(
    clock: Any, make: Any
) -> None:
    client = TestApp(make())
    response = client.get(f"/store/{THREE}")
    assert names(response) == chunk_names(3)
    assert client.get("/size").text == str(THREE)
    response = client.get(f"/store/{TWO}")
    assert deleted(response) == ["session.2"]
    assert sorted(client.cookies) == ["session", "session.1"]
    assert client.get("/size").text == str(TWO)
    response = client.get("/invalidate")
    assert deleted(response) == chunk_names(2)
    assert client.cookies == {}
    assert client.get("/size").text == "0"


def test_pyramid_ini_max_chunks_is_converted_and_checked() -> None:
    factory = SignedSessionFactory(SECRET, max_chunks=2)
    assert isinstance(factory.settings, SessionSettings)
    assert factory.settings.max_chunks == 2
    with pytest.raises(
        ConfigurationError,
        match=r"^signedsession.max_chunks must be an integer, got 'many'$",
    ):
        pyramid_app(
            settings={
                "signedsession.secret_key": SECRET,
                "signedsession.max_chunks": "many",
            }
        )
    with pytest.raises(
        ConfigurationError,
        match=r"^signedsession\.\*: max_chunks must be at most 8, got 20$",
    ):
        pyramid_app(
            settings={
                "signedsession.secret_key": SECRET,
                "signedsession.max_chunks": "20",
            }
        )
