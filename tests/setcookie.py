"""Cookie helpers for the tests: Set-Cookie parsing, and signed values.

Shared by the test modules through pytest's ``pythonpath = ["tests"]``; the
package under test is still imported from its installation.
"""

from __future__ import annotations

from typing import Any

from signedsession import SessionSettings, SessionStore

Attributes = dict[str, Any]
Cookie = tuple[str, str, Attributes]


def parse_set_cookie(header: str) -> Cookie:
    """Split a ``Set-Cookie`` value into name, value and attribute dict.

    A flag attribute (``HttpOnly``, ``Secure``, ``Partitioned``) maps to True.
    """
    pair, *parts = (part.strip() for part in header.split(";"))
    name, _, value = pair.partition("=")
    attributes: Attributes = {}
    for part in parts:
        key, sep, attribute = part.partition("=")
        attributes[key] = attribute if sep else True
    return name, value, attributes


def set_cookies(source: Any) -> list[Cookie]:
    """Every ``Set-Cookie`` of a header list, headers, or a response."""
    if isinstance(source, list):
        values = [value for name, value in source if name.lower() == "set-cookie"]
    else:
        headers = getattr(source, "headers", source)
        getall = getattr(headers, "getall", None) or headers.getlist
        values = getall("Set-Cookie")
    return [parse_set_cookie(value) for value in values]


def signed_value(settings: SessionSettings, data: dict[str, Any]) -> str:
    """A cookie value holding ``data``, signed with ``settings``' key."""
    store = SessionStore(None, settings=settings)
    store.update(data)
    store.save()
    assert store.session_key is not None
    return store.session_key


def load(settings: SessionSettings, value: str) -> dict[str, Any]:
    """The data a cookie value holds under ``settings``; ``{}`` if invalid."""
    return dict(SessionStore(value, settings=settings).items())


def flask_cookie(secret: str, data: dict[str, Any]) -> str:
    """A session cookie issued by Flask's own default interface."""
    import flask
    from flask.sessions import SecureCookieSessionInterface

    issuer = flask.Flask("flask_default")
    issuer.config["SECRET_KEY"] = secret
    assert isinstance(issuer.session_interface, SecureCookieSessionInterface)

    @issuer.route("/")
    def issue() -> str:
        flask.session.update(data)
        return ""

    client = issuer.test_client()
    client.get("/")
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value
