"""Drop-in regressions: what Flask apps and their test suites do, unchanged.

Each test is a defect found by running other projects' Flask suites with
``SignedSessionInterface`` forced in (issue 13; tests/compat/upstream).
pytest runs with ``filterwarnings = error``, as those suites do.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import flask
from setcookie import set_cookies
from shared import SECRET

from signedsession.adapters.flask import SignedSessionInterface


def make_app(app_class: type[flask.Flask] = flask.Flask, **config: Any) -> flask.Flask:
    app = app_class(__name__)
    app.config.update(TESTING=True, **config)
    app.session_interface = SignedSessionInterface()

    @app.route("/hello")
    def hello() -> str:
        return "hello"

    @app.route("/set")
    def set_values() -> str:
        flask.session.update(flask.request.args.to_dict())
        return "set"

    @app.route("/get/<key>")
    def get_value(key: str) -> str:
        return repr(flask.session.get(key))

    @app.route("/flash")
    def flash() -> str:
        flask.flash("saved")
        return "flashed"

    @app.route("/permanent")
    def permanent() -> str:
        flask.session.permanent = True
        flask.session["user"] = "alice"
        return "permanent"

    return app


# -- 1. a short test key never turns a request into a 500 -----------------


def test_short_secret_key_under_warnings_as_errors_serves_every_request(
    caplog: Any,
) -> None:
    # Pallets' suites: a 3-8 byte test key and filterwarnings = error.
    client = make_app(SECRET_KEY="dev").test_client()
    with caplog.at_level(logging.WARNING, logger="signedsession.adapters.flask"):
        hello = client.get("/hello")
        client.get("/set?a=1")
        value = client.get("/get/a")
    assert (hello.status_code, hello.text) == (200, "hello")
    assert (value.status_code, value.text) == (200, "'1'")
    # Reported once for the configuration, not once per request.
    assert [r.levelname for r in caplog.records] == ["WARNING"]


# -- 2. the secret and lifetime are read where Flask reads them -----------


class KeyedFlask(flask.Flask):
    secret_key = SECRET  # a class attribute, as extensions' test apps do
    permanent_session_lifetime = timedelta(minutes=5)


def test_secret_key_set_on_a_flask_subclass_is_used() -> None:
    app = make_app(KeyedFlask)
    assert app.config["SECRET_KEY"] is None  # Flask reads the attribute
    client = app.test_client()
    client.get("/set?a=1")
    assert client.get("/get/a").text == "'1'"


def test_permanent_session_lifetime_set_on_a_flask_subclass_is_used(
    clock: Any,
) -> None:
    app = make_app(KeyedFlask)
    client = app.test_client()
    ((_, _, attributes),) = set_cookies(client.get("/permanent"))
    assert attributes["Max-Age"] == "300"
    clock.advance(299)
    assert client.get("/get/user").text == "'alice'"
    # The server enforces the same lifetime on a cookie replayed later.
    replayed = app.test_client()
    replayed.set_cookie("session", client.get_cookie("session").value)
    clock.advance(302)
    assert replayed.get("/get/user").text == "None"


# -- 3. Flask's "with client:" idiom changes the session after the response


def test_flashes_popped_after_the_response_in_with_client_give_no_warning() -> None:
    client = make_app(SECRET_KEY=SECRET).test_client()
    with client:
        client.get("/flash")
        # Flask's documented pattern: read the flashes the view left.
        assert client.get("/hello").text == "hello"
        assert flask.get_flashed_messages() == ["saved"]
    with client:
        client.get("/hello")
        # Popped after the response: the change was not sent, as in Flask.
        assert flask.get_flashed_messages() == ["saved"]
