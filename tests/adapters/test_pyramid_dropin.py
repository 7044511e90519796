"""Drop-in regressions: what Pyramid apps, add-ons and their tests do, unchanged.

Each test is a defect found by running Pyramid's tests/test_session.py with
``SignedSessionFactory`` in place of ``SignedCookieSessionFactory`` (issue
13; tests/compat/upstream).
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
import webtest
from pyramid import testing
from pyramid.config import Configurator
from pyramid.request import Request
from pyramid.response import Response
from pyramid.session import SignedCookieSessionFactory
from setcookie import set_cookies
from shared import SECRET, SECURITY

from signedsession._codec import Codec
from signedsession.adapters.pyramid import SignedSessionFactory


def issue_cookie(factory: SignedSessionFactory, **data: Any) -> str:
    """A cookie value ``factory`` issues for ``data``, through its callback."""
    request = testing.DummyRequest()
    session = factory(request)
    session.update(data)
    response = Response()
    request.response_callbacks[0](request, response)
    ((_, value, _),) = set_cookies(response)
    return value


def session_app(factory: SignedSessionFactory) -> webtest.TestApp:
    def whoami(request: Any) -> Response:
        return Response(request.session.get("user", "anonymous"))

    def login(request: Any) -> Response:
        request.session["user"] = request.params["user"]
        return Response("ok")

    with Configurator() as config:
        config.set_session_factory(factory)
        config.add_route("whoami", "/whoami")
        config.add_view(whoami, route_name="whoami")
        config.add_route("login", "/login")
        config.add_view(login, route_name="login")
        return webtest.TestApp(config.make_wsgi_app())


# -- 4. request.cookies, as Pyramid's factory reads it ---------------------


@pytest.mark.parametrize("as_bytes", [False, True], ids=["str", "bytes"])
def test_cookie_given_to_dummy_request_is_read(as_bytes: bool) -> None:
    factory = SignedSessionFactory(SECRET)
    value = issue_cookie(factory, user="alice")
    cookie = value.encode() if as_bytes else value
    session = factory(testing.DummyRequest(cookies={"session": cookie}))
    assert session["user"] == "alice"
    assert not session.new


def test_real_requests_still_read_the_cookie_header() -> None:
    app = session_app(SignedSessionFactory(SECRET))
    app.get("/login", {"user": "bob"})
    assert app.get("/whoami").text == "bob"


def test_real_requests_parse_the_cookie_header_only_when_the_session_is_read() -> None:
    factory = SignedSessionFactory(SECRET)
    cookie = "session=" + issue_cookie(factory, user="c")
    session = factory(Request.blank("/", headers={"Cookie": cookie}))
    assert repr(session) == "<PyramidSession not loaded>"
    assert session["user"] == "c"


# -- 5. the session compares like the dict Pyramid's session is ------------


def test_session_compares_equal_to_dicts() -> None:
    factory = SignedSessionFactory(SECRET)
    empty = factory(testing.DummyRequest())
    assert empty == {}
    assert {} == empty  # noqa: SIM300 - the reflected comparison
    assert len(empty) == 0
    value = issue_cookie(factory, a=1, b=[2])
    session = factory(testing.DummyRequest(cookies={"session": value}))
    assert session == {"a": 1, "b": [2]}
    assert session != {"a": 1}
    assert sorted(session) == ["a", "b"]
    copied = session.copy()
    assert copied == {"a": 1, "b": [2]}
    assert type(copied) is dict
    copied["a"] = 5
    assert session["a"] == 1


# -- 6. the factory's attributes, with Pyramid's names and meanings --------

ATTRIBUTES = (
    "_cookie_name",
    "_cookie_max_age",
    "_cookie_path",
    "_cookie_domain",
    "_cookie_secure",
    "_cookie_httponly",
    "_cookie_samesite",
    "_cookie_on_exception",
    "_timeout",
    "_reissue_time",
)
OPTIONS: dict[str, Any] = {
    "cookie_name": "sid",
    "max_age": 3600,
    "path": "/app",
    "domain": "example.com",
    "secure": True,
    "httponly": False,
    "samesite": "Strict",
    "set_on_exception": False,
    "timeout": 600,
    "reissue_time": 60,
}


@pytest.mark.parametrize(
    "options", [{}, OPTIONS], ids=["pyramid-defaults", "every-option"]
)
def test_factory_attributes_match_pyramids_factory(options: dict[str, Any]) -> None:
    ours = SignedSessionFactory(SECRET, **options)
    pyramids = SignedCookieSessionFactory(SECRET, **options)
    expected = {name: getattr(pyramids, name) for name in ATTRIBUTES}
    if "httponly" not in options:  # the one default we differ on, on purpose
        assert expected["_cookie_httponly"] is False
        expected["_cookie_httponly"] = True
    assert {name: getattr(ours, name) for name in ATTRIBUTES} == expected
    session = ours(testing.DummyRequest())
    assert {name: getattr(session, name) for name in ATTRIBUTES} == expected


def test_factory_attributes_are_read_only_and_never_the_secret() -> None:
    factory = SignedSessionFactory(SECRET)
    with pytest.raises(AttributeError):
        factory._cookie_name = "other"  # type: ignore[misc]
    values = [getattr(factory, name) for name in ATTRIBUTES]
    assert SECRET not in values
    assert not hasattr(factory, "_secret")


# -- 7. hashalg chooses the digest of new cookies --------------------------


def test_hashalg_signs_new_cookies() -> None:
    sha1 = SignedSessionFactory(SECRET, hashalg="sha1")
    sha384 = SignedSessionFactory(SECRET, hashalg="sha384")
    value = issue_cookie(sha1, user="alice")
    # HMAC-SHA-1 signed it: only settings with that digest verify it.
    assert Codec.of(sha1.settings).loads(value).key_index == 0
    assert Codec.of(sha384.settings).try_loads(value) is None
    other = issue_cookie(sha384, user="alice")
    assert Codec.of(sha384.settings).loads(other).key_index == 0
    assert Codec.of(sha1.settings).try_loads(other) is None
    session = sha384(testing.DummyRequest(cookies={"session": value}))
    assert session == {}


def test_cookies_issued_before_hashalg_was_set_keep_loading(caplog: Any) -> None:
    before = issue_cookie(SignedSessionFactory(SECRET), user="alice")
    factory = SignedSessionFactory(SECRET, hashalg="sha512")
    app = session_app(factory)
    app.set_cookie("session", before)
    with caplog.at_level(logging.WARNING, logger=SECURITY):
        response = app.get("/whoami")
    assert response.text == "alice"
    assert caplog.records == []
    # Re-issued under the new digest on that response.
    ((_, reissued, _),) = set_cookies(response)
    assert Codec.of(factory.settings).loads(reissued).key_index == 0
    assert Codec.of(SignedSessionFactory(SECRET).settings).try_loads(reissued) is None
    assert reissued != before


def test_pyramid_cookies_signed_with_hashalg_keep_loading() -> None:
    pyramids = SignedCookieSessionFactory(SECRET, hashalg="sha384")
    request = testing.DummyRequest()
    session = pyramids(request)
    session["user"] = "alice"
    response = Response()
    request.response_callbacks[0](request, response)
    ((_, value, _),) = set_cookies(response)
    ours = SignedSessionFactory(SECRET, hashalg="sha384")
    assert ours(testing.DummyRequest(cookies={"session": value}))["user"] == "alice"
