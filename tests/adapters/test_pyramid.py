"""The Pyramid adapter through a real Configurator app and WebTest."""

from __future__ import annotations

import json
import logging
from types import SimpleNamespace
from typing import Any, Callable

import flask
import pyramid.session
import pytest
import webtest
from pyramid import testing
from pyramid.config import Configurator
from pyramid.exceptions import ConfigurationError
from pyramid.interfaces import ISession, ISessionFactory
from pyramid.response import Response
from setcookie import Attributes, parse_set_cookie, set_cookies
from shared import NOW, OLD_SECRET, SECRET, SECURITY, is_signed_value
from store_contract import ExpiryContract, MakeStore, SessionContract
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from zope.interface.verify import verifyObject

from signedsession import (
    SessionMiddleware,
    SessionSettings,
    SessionStore,
    TaggedJSONSerializer,
)
from signedsession.adapters.flask import SignedSessionInterface
from signedsession.adapters.pyramid import (
    PyramidSession,
    SignedSessionFactory,
    session_factory_from_settings,
)
from signedsession.exceptions import InsecureSecretWarning

THIRD_SECRET = "another-fallback-key-of-32-bytes!!"


def only_cookie(res: webtest.TestResponse) -> tuple[str, str, Attributes]:
    (cookie,) = set_cookies(res)
    return cookie


def decode(value: str, settings: SessionSettings) -> SessionStore:
    """A loaded store for a cookie value, to look inside it."""
    store = SessionStore(value, settings=settings)
    store.load()
    return store


# -- the application -------------------------------------------------------


def login(request: Any) -> Response:
    request.session["user"] = request.params["user"]
    request.session.flash(f"welcome {request.params['user']}")
    return Response("logged in")


def whoami(request: Any) -> Response:
    return Response(request.session.get("user", "anonymous"))


def counter(request: Any) -> Response:
    request.session["count"] = request.session.get("count", 0) + 1
    return Response(str(request.session["count"]))


def flashes(request: Any) -> Response:
    return Response(json.dumps(request.session.pop_flash()))


def logout(request: Any) -> Response:
    request.session.invalidate()
    return Response("logged out")


def switch_user(request: Any) -> Response:
    previous = request.session.get("user")  # loads the old session first
    request.session.invalidate()
    request.session["user"] = request.params["user"]
    return Response(f"switched from {previous}")


def info(request: Any) -> Response:
    session = request.session
    return Response(json.dumps({"new": session.new, "created": session.created}))


def untouched(request: Any) -> Response:
    return Response("no session")


def boom(request: Any) -> Response:
    request.session["before_error"] = True
    raise RuntimeError("view failed")


def server_error(request: Any) -> Response:
    request.session["on_500"] = True
    return Response("unavailable", status=503)


def error_view(exc: Exception, request: Any) -> Response:
    return Response("error page", status=500)


def form(request: Any) -> Response:
    return Response(request.session.get_csrf_token())


def post_form(request: Any) -> Response:
    return Response("accepted")


def make_app(
    factory: Any, *, csrf: bool = False, settings: dict[str, Any] | None = None
) -> Any:
    """The test application, its session factory set or included."""
    with Configurator(settings=settings) as config:
        if factory is not None:
            config.set_session_factory(factory)
        else:
            config.include("signedsession.adapters.pyramid")
        if csrf:
            config.set_default_csrf_options(require_csrf=True)
        views: dict[str, Callable[..., Response]] = {
            "login": login,
            "whoami": whoami,
            "counter": counter,
            "flashes": flashes,
            "logout": logout,
            "switch": switch_user,
            "info": info,
            "untouched": untouched,
            "boom": boom,
            "server_error": server_error,
        }
        for name, view in views.items():
            config.add_route(name, f"/{name}")
            config.add_view(view, route_name=name)
        config.add_route("form", "/form")
        config.add_view(form, route_name="form", request_method="GET")
        config.add_view(post_form, route_name="form", request_method="POST")
        config.add_view(error_view, context=RuntimeError)
        return config.make_wsgi_app()


def client(factory: Any = None, **kwargs: Any) -> webtest.TestApp:
    if factory is None and "settings" not in kwargs:
        factory = SignedSessionFactory(SECRET)
    return webtest.TestApp(make_app(factory, **kwargs), lint=True)


@pytest.fixture
def frozen(clock: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The ``clock`` fixture, also driving Pyramid's own session factory."""
    monkeypatch.setattr(pyramid.session, "time", SimpleNamespace(time=clock))
    return clock


# -- the basic flow --------------------------------------------------------


def test_login_counter_flash_logout(clock: Any) -> None:
    app = client()
    res = app.get("/login?user=ada")
    name, value, attrs = only_cookie(res)
    assert (name, attrs) == (
        "session",
        {"HttpOnly": True, "Path": "/", "SameSite": "Lax"},
    )
    assert is_signed_value(value)
    assert res.headers["Vary"] == "Cookie"
    assert res.headers["Cache-Control"] == "private"

    assert app.get("/whoami").text == "ada"
    assert [app.get("/counter").text for _ in range(3)] == ["1", "2", "3"]
    assert json.loads(app.get("/flashes").text) == ["welcome ada"]
    assert json.loads(app.get("/flashes").text) == []

    res = app.get("/logout")
    name, value, attrs = only_cookie(res)
    assert (name, value) == ("session", "")
    assert attrs == {
        "Expires": "Thu, 01 Jan 1970 00:00:00 GMT",
        "Max-Age": "0",
        "HttpOnly": True,
        "Path": "/",
        "SameSite": "Lax",
    }
    assert app.get("/whoami").text == "anonymous"
    assert app.cookies == {}


def test_untouched_session_sets_no_cookie_and_no_vary(clock: Any) -> None:
    app = client()
    app.get("/login?user=ada")
    res = app.get("/untouched")
    assert res.headers.getall("Set-Cookie") == []
    assert "Vary" not in res.headers


def test_reading_the_session_adds_vary_cookie(clock: Any) -> None:
    app = client(SignedSessionFactory(SECRET, reissue_time=None))
    app.get("/login?user=ada")
    res = app.get("/whoami")
    assert res.text == "ada"
    assert res.headers.getall("Set-Cookie") == []
    assert res.headers["Vary"] == "Cookie"


def test_anonymous_read_sets_no_cookie(clock: Any) -> None:
    res = client().get("/whoami")
    assert res.text == "anonymous"
    assert res.headers.getall("Set-Cookie") == []
    assert res.headers["Vary"] == "Cookie"


def test_new_and_created_persist_in_the_cookie(clock: Any) -> None:
    app = client()
    clock.advance(5)
    first = json.loads(app.get("/info").text)
    assert first == {"new": True, "created": 1_800_000_005}
    assert app.cookies == {}  # reading new and created saves nothing
    clock.advance(5)
    app.get("/login?user=ada")
    clock.advance(100)
    assert json.loads(app.get("/info").text) == {
        "new": False,
        "created": 1_800_000_010,
    }


# -- invalidate ------------------------------------------------------------


def test_invalidate_then_write_saves_a_fresh_session(clock: Any) -> None:
    factory = SignedSessionFactory(SECRET)
    app = client(factory)
    first = only_cookie(app.get("/login?user=ada"))[1]
    clock.advance(10)
    res = app.get("/switch?user=bob")
    assert res.text == "switched from ada"
    _, value, attrs = only_cookie(res)
    assert attrs == {"HttpOnly": True, "Path": "/", "SameSite": "Lax"}
    old, new = decode(first, factory.settings), decode(value, factory.settings)
    assert dict(new) == {"user": "bob"}
    assert new.session_id != old.session_id
    assert (old.created_at, new.created_at) == (NOW, NOW + 10)
    assert app.get("/flashes").text == "[]"


def test_invalidate_without_a_cookie_sets_nothing(clock: Any) -> None:
    res = client().get("/logout")
    assert res.headers.getall("Set-Cookie") == []


# -- timeout, max_age and reissue_time ---------------------------------------


def test_timeout_rejects_an_inactive_session(
    clock: Any, caplog: pytest.LogCaptureFixture
) -> None:
    app = client(SignedSessionFactory(SECRET, timeout=60, reissue_time=None))
    app.get("/login?user=ada")
    clock.advance(60)
    assert app.get("/whoami").text == "ada"
    assert caplog.records == []
    clock.advance(1)
    res = app.get("/whoami")
    assert res.text == "anonymous"
    _, value, attrs = only_cookie(res)
    assert (value, attrs["Max-Age"]) == ("", "0")
    assert [(r.name, r.levelname, r.getMessage()) for r in caplog.records] == [
        (SECURITY, "WARNING", "session cookie rejected: expired")
    ]


def test_timeout_none_never_expires(clock: Any) -> None:
    app = client(SignedSessionFactory(SECRET, timeout=None, reissue_time=None))
    app.get("/login?user=ada")
    clock.advance(10 * 365 * 86400)
    assert app.get("/whoami").text == "ada"


def test_reissue_time_zero_reissues_on_every_access(clock: Any) -> None:
    factory = SignedSessionFactory(SECRET, timeout=60)
    app = client(factory)
    app.get("/login?user=ada")
    clock.advance(0.9)  # the same second would give the same cookie
    assert app.get("/whoami").headers.getall("Set-Cookie") == []
    for _ in range(3):
        clock.advance(50)
        res = app.get("/whoami")
        assert res.text == "ada"
        value = only_cookie(res)[1]
        assert decode(value, factory.settings).issued_at == int(clock.now)
    assert clock.now == 1_800_000_150.9


def test_reissue_time_waits_until_the_cookie_is_that_old(clock: Any) -> None:
    factory = SignedSessionFactory(SECRET, timeout=60, reissue_time=30)
    app = client(factory)
    app.get("/login?user=ada")
    clock.advance(29)
    assert app.get("/whoami").headers.getall("Set-Cookie") == []
    clock.advance(1)
    value = only_cookie(app.get("/whoami"))[1]
    assert decode(value, factory.settings).issued_at == 1_800_000_030
    clock.advance(59)  # 89 s after login, 59 s after the re-issue
    assert app.get("/whoami").text == "ada"


def test_reissue_time_none_never_reissues(clock: Any) -> None:
    app = client(SignedSessionFactory(SECRET, timeout=60, reissue_time=None))
    app.get("/login?user=ada")
    clock.advance(50)
    assert app.get("/whoami").headers.getall("Set-Cookie") == []
    clock.advance(11)
    assert app.get("/whoami").text == "anonymous"


def test_max_age_sets_the_cookie_lifetime_only(clock: Any) -> None:
    app = client(SignedSessionFactory(SECRET, max_age=3600, timeout=60))
    attrs = only_cookie(app.get("/login?user=ada"))[2]
    assert attrs == {
        "Expires": "Fri, 15 Jan 2027 09:00:00 GMT",
        "Max-Age": "3600",
        "HttpOnly": True,
        "Path": "/",
        "SameSite": "Lax",
    }
    clock.advance(61)
    assert app.get("/whoami").text == "anonymous"


@pytest.mark.parametrize(
    ("options", "scheme", "expected"),
    [
        ({}, "http", {"HttpOnly": True, "Path": "/", "SameSite": "Lax"}),
        (
            {},
            "https",
            {"Secure": True, "HttpOnly": True, "Path": "/", "SameSite": "Lax"},
        ),
        (
            {"secure": True},
            "http",
            {"Secure": True, "HttpOnly": True, "Path": "/", "SameSite": "Lax"},
        ),
        ({"httponly": False}, "http", {"Path": "/", "SameSite": "Lax"}),
        ({"samesite": None}, "http", {"HttpOnly": True, "Path": "/"}),
        (
            {"cookie_name": "sid", "path": "/app", "domain": "example.com"},
            "http",
            {
                "Domain": "example.com",
                "HttpOnly": True,
                "Path": "/app",
                "SameSite": "Lax",
            },
        ),
    ],
    ids=[
        "defaults-http",
        "defaults-https",
        "secure",
        "no-httponly",
        "no-samesite",
        "name-path-domain",
    ],
)
def test_cookie_attributes(
    clock: Any, options: dict[str, Any], scheme: str, expected: Attributes
) -> None:
    factory = SignedSessionFactory(SECRET, **options)
    request = testing.DummyRequest(environ={"wsgi.url_scheme": scheme})
    session = factory(request)
    session["user"] = "ada"
    response = Response()
    request.response_callbacks[0](request, response)
    name, _, attrs = parse_set_cookie(response.headers["Set-Cookie"])
    assert (name, attrs) == (options.get("cookie_name", "session"), expected)


# -- exceptions and server errors -------------------------------------------


def test_set_on_exception_saves_when_an_exception_view_responds(clock: Any) -> None:
    factory = SignedSessionFactory(SECRET)
    res = client(factory).get("/boom", status=500)
    assert res.text == "error page"
    value = only_cookie(res)[1]
    assert dict(decode(value, factory.settings)) == {"before_error": True}


def test_set_on_exception_false_saves_nothing_on_an_exception(clock: Any) -> None:
    app = client(SignedSessionFactory(SECRET, set_on_exception=False))
    app.get("/login?user=ada")
    res = app.get("/boom", status=500)
    assert res.headers.getall("Set-Cookie") == []
    assert res.headers["Vary"] == "Cookie"
    assert app.get("/whoami").text == "ada"


def test_set_on_exception_false_still_saves_a_returned_5xx(clock: Any) -> None:
    factory = SignedSessionFactory(SECRET, set_on_exception=False)
    res = client(factory).get("/server_error", status=503)
    assert dict(decode(only_cookie(res)[1], factory.settings)) == {"on_500": True}


# -- CSRF --------------------------------------------------------------------


def test_csrf_protected_post_needs_the_session_token(clock: Any) -> None:
    app = client(csrf=True)
    token = app.get("/form").text
    assert len(token) == 40
    assert app.post("/form", {"csrf_token": token}).text == "accepted"
    assert app.post("/form", headers={"X-CSRF-Token": token}).text == "accepted"
    app.post("/form", {"csrf_token": "0" * 40}, status=400)
    app.post("/form", {}, status=400)
    assert app.get("/form").text == token


def test_csrf_post_without_a_session_is_rejected(clock: Any) -> None:
    app = client(csrf=True)
    app.post("/form", {"csrf_token": "anything"}, status=400)


# -- the session object ------------------------------------------------------


def test_session_provides_isession(clock: Any) -> None:
    factory = SignedSessionFactory(SECRET)
    session = factory(testing.DummyRequest())
    assert verifyObject(ISession, session)
    assert isinstance(session, PyramidSession)
    assert isinstance(session, SessionStore)
    assert ISessionFactory.providedBy(factory)


def test_session_dict_api_and_flash_queues(clock: Any) -> None:
    session = SignedSessionFactory(SECRET)(testing.DummyRequest())
    session.update({"a": 1}, b=2)
    assert session.setdefault("c") is None
    assert session.popitem() == ("c", None)
    assert sorted(session.items()) == [("a", 1), ("b", 2)]
    session.flash("one")
    session.flash("one", allow_duplicate=False)
    session.flash("two", "errors")
    assert session.peek_flash() == ["one"]
    assert session.pop_flash("errors") == ["two"]
    assert session.pop_flash("errors") == []
    assert session.new_csrf_token() != session.new_csrf_token()


def test_changed_saves_a_value_mutated_in_place(clock: Any) -> None:
    factory = SignedSessionFactory(SECRET, reissue_time=None)
    request = testing.DummyRequest()
    session = factory(request)
    session["items"] = []
    response = Response()
    request.response_callbacks[0](request, response)
    cookie = response.headers["Set-Cookie"].split(";")[0]

    request = testing.DummyRequest(environ={"HTTP_COOKIE": cookie})
    session = factory(request)
    session["items"].append("x")
    session.changed()
    response = Response()
    request.response_callbacks[0](request, response)
    value = parse_set_cookie(response.headers["Set-Cookie"])[1]
    assert dict(decode(value, factory.settings)) == {"items": ["x"]}


class TestPyramidSessionContract(SessionContract, ExpiryContract):
    """PyramidSession, as a factory makes it, runs the store contracts."""

    @pytest.fixture
    def make_store(self, clock: Any) -> MakeStore:
        def make(cookie_value: str | None = None, **fields: Any) -> PyramidSession:
            fields.setdefault("secret_key", SECRET)
            factory = SignedSessionFactory.from_settings(SessionSettings(**fields))
            return factory.session_class(cookie_value, settings=factory.settings)

        return make

    # -- what ISession adds to the mapping ------------------------------------

    def test_popitem_returns_the_pair_and_modifies(
        self, make_store: MakeStore, saved: str
    ) -> None:
        store = make_store(saved)
        assert store.popitem() == ("b", "two")  # LIFO, as dict.popitem
        assert (store.accessed, store.modified) == (True, True)
        assert dict(store.items()) == {"a": 1}

    def test_popitem_of_an_empty_session_raises_and_does_not_modify(
        self, store: PyramidSession
    ) -> None:
        with pytest.raises(KeyError):
            store.popitem()
        assert (store.accessed, store.modified) == (True, False)

    def test_setdefault_of_missing_key_stores_none_by_default_and_modifies(
        self, store: PyramidSession
    ) -> None:
        # ISession.setdefault(key, default=None), as dict.setdefault.
        assert store.setdefault("foo") is None
        assert (store.accessed, store.modified) == (True, True)
        assert dict(store.items()) == {"foo": None}

    def test_setdefault_of_present_key_only_accesses_and_keeps_it(
        self, make_store: MakeStore, saved: str
    ) -> None:
        store = make_store(saved)
        assert store.setdefault("a", 2) == 1
        assert store.setdefault("b") == "two"
        assert (store.accessed, store.modified) == (True, False)
        assert dict(store.items()) == {"a": 1, "b": "two"}


# -- factory arguments -------------------------------------------------------


def test_numbers_given_as_strings_are_converted() -> None:
    factory = SignedSessionFactory(SECRET, timeout="60", reissue_time="5", max_age="30")
    assert factory.settings.max_age == 60
    assert factory.session_class.reissue_time == 5
    assert factory.session_class.cookie_age == 30


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        (
            {"timeout": "soon"},
            ValueError,
            "timeout must be a number of seconds or None, got 'soon'",
        ),
        (
            {"max_age": []},
            TypeError,
            "max_age must be a number of seconds or None, got []",
        ),
        ({"reissue_time": -1}, ValueError, "reissue_time must be at least 0, got -1"),
        (
            {"fallback_secrets": "old"},
            ValueError,
            "fallback_secrets must be a sequence of secrets, got a single str"
            " (wrap it: (secret,))",
        ),
        (
            {"set_on_exception": "no"},
            TypeError,
            "set_on_exception must be True or False, got 'no'",
        ),
        (
            {"hashalg": "md6"},
            ValueError,
            "hashalg must be one of sha1, sha224, sha256, sha384, sha512, got 'md6'",
        ),
        (
            {"samesite": "strictest"},
            ValueError,
            "samesite must be 'Strict', 'Lax', 'None' or None, got 'strictest'",
        ),
    ],
    ids=[
        "timeout",
        "max_age",
        "reissue_time",
        "fallback_secrets",
        "set_on_exception",
        "hashalg",
        "samesite",
    ],
)
def test_bad_arguments_fail_at_construction(
    options: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as info:
        SignedSessionFactory(SECRET, **options)
    assert str(info.value) == message


def test_short_secret_warns() -> None:
    with pytest.warns(InsecureSecretWarning):
        SignedSessionFactory("short")


def test_custom_salt_also_salts_our_signatures(clock: Any) -> None:
    default = SignedSessionFactory(SECRET)
    custom = SignedSessionFactory(SECRET, salt="myapp.")
    assert (default.settings.salt, custom.settings.salt) == ("signedsession", "myapp.")
    value = only_cookie(client(custom).get("/login?user=ada"))[1]
    app = client(default)
    app.set_cookie("session", value)
    assert app.get("/whoami").text == "anonymous"


def test_pyramid_style_serializer_returning_bytes(clock: Any) -> None:
    serializer = pyramid.session.JSONSerializer()
    factory = SignedSessionFactory(SECRET, serializer=serializer)
    assert factory.settings.serializer is serializer
    app = client(factory)
    app.get("/login?user=ada")
    assert app.get("/whoami").text == "ada"


class VersionedSerializer:
    """Pyramid-style: ``dumps`` gives bytes, ``loads`` raises ValueError."""

    def __init__(self, version: bytes) -> None:
        self.prefix = version + b":"

    def dumps(self, appstruct: Any) -> bytes:
        return self.prefix + json.dumps(appstruct).encode()

    def loads(self, bstruct: bytes) -> Any:
        if not bstruct.startswith(self.prefix):
            raise ValueError("not this serializer's version")
        return json.loads(bstruct[len(self.prefix) :])


def test_signed_payload_the_serializer_refuses_gives_an_empty_session(
    clock: Any, caplog: pytest.LogCaptureFixture
) -> None:
    # Same secret, so the signature verifies; only the serializer refuses.
    writer = client(SignedSessionFactory(SECRET, serializer=VersionedSerializer(b"2")))
    value = only_cookie(writer.get("/login?user=ada"))[1]
    assert writer.get("/whoami").text == "ada"
    caplog.clear()

    app = client(SignedSessionFactory(SECRET, serializer=VersionedSerializer(b"1")))
    app.set_cookie("session", value)
    res = app.get("/whoami", status="*")
    assert res.status_int < 500
    assert res.text == "anonymous"
    assert only_cookie(res)[1] == ""
    records = [r for r in caplog.records if r.name == SECURITY]
    assert [(r.levelno, r.getMessage()) for r in records] == [
        (logging.WARNING, "session cookie rejected: malformed")
    ]
    assert json.loads(app.get("/flashes").text) == []


# -- migration from Pyramid's SignedCookieSessionFactory ----------------------


def pyramid_cookie(secret: str, **options: Any) -> str:
    """A session cookie made by Pyramid's own factory, logged in as ada."""
    factory = pyramid.session.SignedCookieSessionFactory(secret, **options)
    res = webtest.TestApp(make_app(factory), lint=True).get("/login?user=ada")
    name, value, _ = parse_set_cookie(res.headers["Set-Cookie"])
    assert name == "session"
    return value


def test_pyramid_cookie_is_accepted_and_reissued(
    frozen: Any, caplog: pytest.LogCaptureFixture
) -> None:
    value = pyramid_cookie(SECRET)
    assert "." not in value
    frozen.advance(100)
    factory = SignedSessionFactory(SECRET, reissue_time=None)
    app = client(factory)
    app.set_cookie("session", value)
    res = app.get("/whoami")
    assert res.text == "ada"
    _, new_value, attrs = only_cookie(res)
    assert attrs == {"HttpOnly": True, "Path": "/", "SameSite": "Lax"}
    store = decode(new_value, factory.settings)
    assert dict(store) == {"user": "ada", "_f_": ["welcome ada"]}
    assert (store.created_at, store.issued_at) == (NOW, NOW + 100)
    assert json.loads(app.get("/flashes").text) == ["welcome ada"]
    assert caplog.records == []


def test_pyramid_cookie_via_a_fallback_secret(frozen: Any) -> None:
    value = pyramid_cookie(OLD_SECRET)
    app = client(SignedSessionFactory(SECRET, fallback_secrets=(OLD_SECRET,)))
    app.set_cookie("session", value)
    assert app.get("/whoami").text == "ada"
    assert is_signed_value(only_cookie(app.get("/whoami"))[1])


def test_pyramid_cookie_with_custom_salt_and_hashalg(frozen: Any) -> None:
    value = pyramid_cookie(SECRET, salt="myapp.", hashalg="sha256")
    app = client(SignedSessionFactory(SECRET, salt="myapp.", hashalg="sha256"))
    app.set_cookie("session", value)
    assert app.get("/whoami").text == "ada"


@pytest.mark.parametrize(
    ("pyramid_options", "our_options", "advance", "reason"),
    [
        ({}, {"salt": "other."}, 0, "bad signature"),
        ({"hashalg": "sha256"}, {}, 0, "bad signature"),
        ({}, {"timeout": 60}, 61, "expired"),
        ({}, {"absolute_max_age": 30, "timeout": None}, 31, "expired"),
    ],
    ids=["salt", "hashalg", "timeout", "absolute_max_age"],
)
def test_pyramid_cookie_rejected(
    frozen: Any,
    caplog: pytest.LogCaptureFixture,
    pyramid_options: dict[str, Any],
    our_options: dict[str, Any],
    advance: int,
    reason: str,
) -> None:
    value = pyramid_cookie(SECRET, **pyramid_options)
    frozen.advance(advance)
    app = client(SignedSessionFactory(SECRET, **our_options))
    app.set_cookie("session", value)
    res = app.get("/whoami")
    assert res.text == "anonymous"
    assert only_cookie(res)[1] == ""
    assert [(r.name, r.getMessage()) for r in caplog.records] == [
        (SECURITY, f"session cookie rejected: {reason}")
    ]


def test_pyramid_cookie_with_another_secret_is_rejected(
    frozen: Any, caplog: pytest.LogCaptureFixture
) -> None:
    value = pyramid_cookie(OLD_SECRET)
    app = client(SignedSessionFactory(SECRET))
    app.set_cookie("session", value)
    assert app.get("/whoami").text == "anonymous"
    assert [r.getMessage() for r in caplog.records] == [
        "session cookie rejected: bad signature"
    ]


def test_tampered_cookie_gives_an_empty_session(
    clock: Any, caplog: pytest.LogCaptureFixture
) -> None:
    app = client()
    value = only_cookie(app.get("/login?user=ada"))[1]
    app.reset()
    app.set_cookie("session", value[:-2] + ("AA" if value[-2:] != "AA" else "BB"))
    assert app.get("/whoami").text == "anonymous"
    assert [r.getMessage() for r in caplog.records] == [
        "session cookie rejected: bad signature"
    ]


# -- includeme -----------------------------------------------------------------


INI = {
    "signedsession.secret_key": SECRET,
    "signedsession.fallback_keys": f"\n{OLD_SECRET}\n  {THIRD_SECRET}\n",
    "signedsession.cookie_name": "sid",
    "signedsession.max_age": "3600",
    "signedsession.timeout": "600",
    "signedsession.reissue_time": "60",
    "signedsession.secure": "true",
    "signedsession.httponly": "false",
    "signedsession.samesite": "Strict",
    "signedsession.set_on_exception": "false",
    "signedsession.domain": "None",
    "signedsession.absolute_max_age": "86400",
    "signedsession.compress": "no",
    "signedsession.clock_skew": "5",
    "signedsession.serializer": "signedsession.TaggedJSONSerializer",
}


def test_includeme_reads_settings_strings(clock: Any) -> None:
    app = make_app(None, settings=INI)
    factory = app.registry.queryUtility(ISessionFactory)
    settings = factory.settings
    assert (
        settings.cookie_name,
        settings.max_age,
        settings.secure,
        settings.httponly,
        settings.samesite,
        settings.domain,
        settings.absolute_max_age,
        settings.compress,
        settings.clock_skew,
        type(settings.serializer).__name__,
        settings.save_on_server_error,
    ) == (
        "sid",
        600,
        True,
        False,
        "Strict",
        None,
        86400,
        False,
        5,
        "TaggedJSONSerializer",
        True,
    )
    assert settings.fallback_keys == (OLD_SECRET, THIRD_SECRET)
    assert (
        factory.session_class.reissue_time,
        factory.session_class.set_on_exception,
        factory.session_class.cookie_age,
    ) == (60, False, 3600)

    res = webtest.TestApp(app, lint=True).get("/login?user=ada")
    name, _, attrs = only_cookie(res)
    assert (name, attrs) == (
        "sid",
        {
            "Expires": "Fri, 15 Jan 2027 09:00:00 GMT",
            "Max-Age": "3600",
            "Secure": True,
            "Path": "/",
            "SameSite": "Strict",
        },
    )


def test_includeme_defaults_are_those_of_session_settings(clock: Any) -> None:
    app = make_app(None, settings={"signedsession.secret_key": SECRET})
    factory = app.registry.queryUtility(ISessionFactory)
    defaults = SessionSettings(secret_key=SECRET)
    assert factory.settings.max_age == defaults.max_age == 1209600
    assert factory.settings.secure is None
    res = webtest.TestApp(app, lint=True).get("/login?user=ada")
    assert only_cookie(res)[2]["Max-Age"] == "1209600"


def test_includeme_reads_pyramid_migration_options(frozen: Any) -> None:
    value = pyramid_cookie(SECRET, salt="myapp.")
    settings = {
        "signedsession.secret_key": SECRET,
        "signedsession.pyramid_salt": "myapp.",
    }
    app = webtest.TestApp(make_app(None, settings=settings), lint=True)
    app.set_cookie("session", value)
    assert app.get("/whoami").text == "ada"


MISSING_SECRET = (
    "signedsession.secret_key is not set: add it to your application's settings"
    " (generate one with `signedsession genkey`); sessions cannot be signed"
    " without it"
)
KNOWN_SETTINGS = ", ".join(
    [
        *(
            "absolute_max_age",
            "clock_skew",
            "compress",
            "cookie_format",
            "cookie_name",
            "digest",
        ),
        *("domain", "encrypt", "environ_key", "expire_at_browser_close"),
        "fallback_keys",
        *("httponly", "max_age", "max_chunks", "max_cookie_size"),
        *("max_decompressed_size", "max_json_depth", "migrate_from"),
        *("partitioned", "path"),
        *("pyramid_hashalg", "pyramid_salt", "reissue_time", "revocations"),
        *("salt", "samesite"),
        *("save_every_request", "save_on_server_error", "secret_key", "secure"),
        *("serializer", "set_on_exception", "timeout", "user_key"),
    ]
)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (
            {},
            MISSING_SECRET,
        ),
        (
            {"signedsession.secret_key": ""},
            MISSING_SECRET,
        ),
        (
            {"signedsession.secret_key": SECRET, "signedsession.max_agee": "5"},
            "unknown setting signedsession.max_agee; the signedsession.* settings are "
            + KNOWN_SETTINGS,
        ),
        (
            {"signedsession.secret_key": SECRET, "signedsession.timeout": "soon"},
            "signedsession.timeout must be an integer or None, got 'soon'",
        ),
        (
            {"signedsession.secret_key": SECRET, "signedsession.clock_skew": "None"},
            "signedsession.clock_skew must be an integer, got 'None'",
        ),
        (
            {"signedsession.secret_key": SECRET, "signedsession.samesite": "strictest"},
            "signedsession.*: samesite must be 'Strict', 'Lax', 'None' or None,"
            " got 'strictest'",
        ),
    ],
    ids=[
        "missing-secret",
        "empty-secret",
        "unknown-key",
        "bad-int",
        "none-for-int",
        "bad-samesite",
    ],
)
def test_includeme_configuration_errors(settings: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        make_app(None, settings=settings)
    assert SECRET not in str(info.value)
    assert str(info.value) == message


def test_session_factory_from_settings_without_a_configurator() -> None:
    factory = session_factory_from_settings(
        {"app.secret_key": SECRET, "app.cookie_name": "sid"}, prefix="app."
    )
    assert factory.settings.cookie_name == "sid"


# -- one session across frameworks -----------------------------------------------


def plain_app(
    environ: dict[str, Any], start_response: Callable[..., Any]
) -> list[bytes]:
    session = environ["signedsession.session"]
    if environ["PATH_INFO"] == "/write":
        session["user"] = "grace"
    body = str(session.get("user", "anonymous")).encode()
    start_response(
        "200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))]
    )
    return [body]


def shared(pyramid_factory: Any, settings: SessionSettings) -> webtest.TestApp:
    dispatcher = DispatcherMiddleware(
        make_app(pyramid_factory), {"/wsgi": SessionMiddleware(plain_app, settings)}
    )
    return webtest.TestApp(dispatcher, lint=True)


@pytest.mark.parametrize("how", ["same-settings", "same-arguments"])
def test_pyramid_and_plain_wsgi_share_one_session(clock: Any, how: str) -> None:
    if how == "same-settings":
        settings = SessionSettings(secret_key=SECRET, max_age=3600)
        factory = SignedSessionFactory.from_settings(settings)
    else:
        factory = SignedSessionFactory(SECRET, timeout=3600)
        settings = SessionSettings(secret_key=SECRET, max_age=3600)
    app = shared(factory, settings)
    app.get("/login?user=ada")
    assert app.get("/wsgi/read").text == "ada"
    app.get("/wsgi/write")
    assert app.get("/whoami").text == "grace"
    assert json.loads(app.get("/flashes").text) == ["welcome ada"]


def flask_app() -> flask.Flask:
    app = flask.Flask("shared")
    app.config["SECRET_KEY"] = SECRET
    app.session_interface = SignedSessionInterface()

    @app.get("/read")
    def read() -> str:
        return str(flask.session.get("user", "anonymous"))

    @app.get("/write")
    def write() -> str:
        flask.session["user"] = "linus"
        return "written"

    return app


def test_pyramid_flask_and_plain_wsgi_share_one_session(clock: Any) -> None:
    # Flask's interface uses the tagged serializer; the others are told to.
    settings = SessionSettings(
        secret_key=SECRET, max_age=3600, serializer=TaggedJSONSerializer()
    )
    factory = SignedSessionFactory(
        SECRET, timeout=3600, serializer=TaggedJSONSerializer()
    )
    dispatcher = DispatcherMiddleware(
        make_app(factory),
        {
            "/flask": flask_app(),
            "/wsgi": SessionMiddleware(plain_app, settings),
        },
    )
    app = webtest.TestApp(dispatcher, lint=True)
    app.get("/login?user=ada")
    assert app.get("/flask/read").text == "ada"
    assert app.get("/wsgi/read").text == "ada"
    app.get("/flask/write")
    assert app.get("/whoami").text == "linus"
    assert app.get("/wsgi/read").text == "linus"
    app.get("/wsgi/write")
    assert app.get("/flask/read").text == "grace"
    assert json.loads(app.get("/flashes").text) == ["welcome ada"]


def test_change_after_the_response_callback_warns(clock: Any) -> None:
    factory = SignedSessionFactory(SECRET)
    request = testing.DummyRequest()
    session = factory(request)
    session["user"] = "ada"
    request.response_callbacks[0](request, Response())
    with pytest.warns(RuntimeWarning, match="modified after the response headers"):
        session["user"] = "bob"


def test_includeme_timeout_alone_is_also_the_cookie_lifetime(clock: Any) -> None:
    settings = {"signedsession.secret_key": SECRET, "signedsession.timeout": "600"}
    app = make_app(None, settings=settings)
    assert app.registry.queryUtility(ISessionFactory).settings.max_age == 600
    res = webtest.TestApp(app, lint=True).get("/login?user=ada")
    assert only_cookie(res)[2]["Max-Age"] == "600"


@pytest.mark.parametrize("none", ["", "  ", "None", "none", "NONE"])
def test_ini_none_means_none_for_every_optional_setting(none: str) -> None:
    factory = session_factory_from_settings(
        {
            "signedsession.secret_key": SECRET,
            "signedsession.domain": none,
            "signedsession.max_age": none,
            "signedsession.secure": none,
        }
    )
    settings = factory.settings
    assert (settings.domain, settings.max_age, settings.secure) == (None, None, None)
