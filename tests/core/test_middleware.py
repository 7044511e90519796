"""SessionMiddleware: lazy sessions, the Set-Cookie rules and PEP 3333."""

from __future__ import annotations

import secrets
import sys
import threading
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any, Callable
from wsgiref.util import setup_testing_defaults
from wsgiref.validate import validator

import pytest
from setcookie import Attributes, load, set_cookies, signed_value
from shared import NOW, OLD_SECRET, SECRET, SECURITY
from webtest import TestApp

import signedsession._headers
from signedsession import (
    SessionMiddleware,
    SessionSettings,
    SessionStore,
    SessionTooLarge,
)
from signedsession._codec import Codec

EPOCH = "Thu, 01 Jan 1970 00:00:00 GMT"

Action = Callable[[SessionStore], object]


# -- helpers ------------------------------------------------------------------


def header_values(headers: list[tuple[str, str]], name: str) -> list[str]:
    return [v for k, v in headers if k.lower() == name.lower()]


def expires_at(clock: Any, seconds: int) -> str:
    moment = datetime.fromtimestamp(clock.now + seconds, timezone.utc)
    return moment.strftime("%a, %d %b %Y %H:%M:%S GMT")


def deletion(**overrides: str | bool) -> Attributes:
    """Attributes of the default deletion cookie, with ``overrides``."""
    attributes: Attributes = {
        "Expires": EPOCH,
        "Max-Age": "0",
        "HttpOnly": True,
        "Path": "/",
        "SameSite": "Lax",
    }
    attributes.update(overrides)
    return attributes


class SessionApp:
    """A WSGI app that runs ``action`` on the session, then responds."""

    def __init__(
        self,
        action: Action | None = None,
        *,
        status: str = "200 OK",
        headers: Iterable[tuple[str, str]] = (),
        environ_key: str = "signedsession.session",
    ) -> None:
        self.action = action
        self.status = status
        self.headers = list(headers)
        self.environ_key = environ_key
        self.stores: list[SessionStore] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        store = environ[self.environ_key]
        self.stores.append(store)
        result = "untouched" if self.action is None else self.action(store)
        body = repr(result).encode()
        start_response(self.status, [("Content-Type", "text/plain"), *self.headers])
        return [body]


def client(app: Any, settings: SessionSettings) -> TestApp:
    return TestApp(SessionMiddleware(app, settings))


def get(
    app: Any,
    settings: SessionSettings,
    cookie: str | None = None,
    *,
    https: bool = False,
    status: int = 200,
) -> Any:
    """One request through WebTest (lint on) with an optional cookie value."""
    headers = {} if cookie is None else {"Cookie": f"{settings.cookie_name}={cookie}"}
    environ = {"wsgi.url_scheme": "https"} if https else {}
    return client(app, settings).get(
        "/", headers=headers, extra_environ=environ, status=status
    )


class Recorder:
    """A server-side ``start_response`` that keeps every call."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[tuple[str, str]], Any]] = []
        self.written: list[bytes] = []

    def __call__(
        self, status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], None]:
        self.calls.append((status, headers, exc_info))
        return self.written.append


def call(
    wsgi_app: Any, cookie_header: str | None = None, **environ: Any
) -> tuple[Recorder, bytes]:
    """Call ``wsgi_app`` through ``wsgiref.validate`` like a server would."""
    env: dict[str, Any] = dict(environ)
    if cookie_header is not None:
        env["HTTP_COOKIE"] = cookie_header
    env.setdefault("QUERY_STRING", "")
    setup_testing_defaults(env)
    recorder = Recorder()
    result = validator(wsgi_app)(env, recorder)
    try:
        body = b"".join(result)
    finally:
        result.close()  # type: ignore[attr-defined]
    return recorder, b"".join(recorder.written) + body


@pytest.fixture
def spies(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Count cookie-header parsing and signature verification calls."""
    counts = {"values": 0, "parse_cookie": 0, "loads": 0}

    def spy(owner: Any, name: str, key: str) -> None:
        real = getattr(owner, name)

        def counting(*args: Any, **kwargs: Any) -> Any:
            counts[key] += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(owner, name, counting)

    spy(signedsession._headers.CookieHeaders, "values", "values")
    spy(signedsession._headers, "parse_cookie", "parse_cookie")
    # Codec.try_loads: under Codec.loads too, the one way in to verification.
    spy(Codec, "try_loads", "loads")
    return counts


# -- laziness -----------------------------------------------------------------


def test_untouched_session_sets_nothing_and_never_reads_the_cookie(
    settings: SessionSettings, spies: dict[str, int], caplog: Any
) -> None:
    app = SessionApp()
    # Even an invalid cookie is not looked at when the app ignores it.
    response = get(app, settings, "not-a-valid-signed-value")
    assert list(response.headers.items()) == [
        ("Content-Type", "text/plain"),
        ("Content-Length", "11"),
    ]
    assert spies == {"values": 0, "parse_cookie": 0, "loads": 0}
    assert caplog.records == []
    assert type(app.stores[0]) is SessionStore
    assert (app.stores[0].accessed, app.stores[0].modified) == (False, False)


@pytest.mark.parametrize(
    "header", [None, "", "lang=en", "lang=en; session=abcdefghijkl"]
)
def test_the_request_store_is_what_from_cookie_header_makes(
    settings: SessionSettings, header: str | None
) -> None:
    # The middleware builds SessionStore itself, without the classmethod.
    stores: list[SessionStore] = []

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        stores.append(environ[settings.environ_key])
        start_response("200 OK", [])
        return []

    environ: dict[str, Any] = {} if header is None else {"HTTP_COOKIE": header}
    SessionMiddleware(app, settings)(environ, lambda *args: None)
    expected = SessionStore.from_cookie_header(header, settings=settings)
    assert type(stores[0]) is SessionStore
    assert vars(stores[0]) == {**vars(expected), "sealed": True}


def test_a_store_class_of_the_applications_builds_the_store(
    settings: SessionSettings,
) -> None:
    class Store(SessionStore):
        pass

    stores: list[SessionStore] = []

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        stores.append(environ[settings.environ_key])
        start_response("200 OK", [])
        return []

    middleware = SessionMiddleware(app, settings)
    middleware.store_class = Store
    middleware({"HTTP_COOKIE": "session=abcdefghijkl"}, lambda *args: None)
    assert type(stores[0]) is Store
    assert stores[0].session_key == "abcdefghijkl"


def test_first_access_parses_and_verifies_the_cookie_once(
    settings: SessionSettings, spies: dict[str, int]
) -> None:
    cookie = signed_value(settings, {"n": 1})
    spies["loads"] = 0
    app = SessionApp(lambda s: (s["n"], s.get("n"), "n" in s))
    response = get(app, settings, cookie)
    assert response.text == "(1, 1, True)"
    assert (spies["values"], spies["loads"]) == (1, 1)


# -- parsing ------------------------------------------------------------------


def test_cookie_is_found_among_other_cookies(settings: SessionSettings) -> None:
    cookie = signed_value(settings, {"n": 7})
    app = SessionApp(lambda s: s.get("n"))
    response = client(app, settings).get(
        "/", headers={"Cookie": f"theme=dark; session={cookie}; lang=en"}
    )
    assert response.text == "7"


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        (["a", "b"], "a"),
        (["b", "a"], "b"),
        (["bad", "b", "a"], "b"),
        (["short", "bad", "a"], "a"),
        (["other", "a"], "a"),
    ],
    ids=[
        "first-wins",
        "first-wins-reversed",
        "invalid-skipped",
        "short-skipped",
        "other-key-skipped",
    ],
)
def test_first_of_several_same_named_cookies_that_verifies_wins(
    make_settings: Callable[..., SessionSettings],
    order: list[str],
    expected: str,
) -> None:
    settings = make_settings()
    values = {
        "a": signed_value(settings, {"who": "a"}),
        "b": signed_value(settings, {"who": "b"}),
        "bad": signed_value(settings, {"who": "bad"})[:-2] + "xx",
        "short": "abc",
        "other": signed_value(make_settings(secret_key="x" * 40), {"who": "other"}),
    }
    header = "; ".join(f"session={values[name]}" for name in order)
    app = SessionApp(lambda s: s.get("who"))
    response = client(app, settings).get("/", headers={"Cookie": header})
    assert response.text == repr(expected)
    assert set_cookies(response.headers) == []


# -- Vary ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("app_vary", "expected"),
    [
        ([], ["Cookie"]),
        (["Accept-Encoding"], ["Accept-Encoding, Cookie"]),
        (["Cookie"], ["Cookie"]),
        (["accept-language, cookie"], ["accept-language, cookie"]),
        (["*"], ["*"]),
        (["Accept", "Cookie"], ["Accept", "Cookie"]),
    ],
    ids=[
        "none",
        "merged",
        "already-there",
        "case-insensitive",
        "star",
        "in-second-header",
    ],
)
@pytest.mark.parametrize(
    "action",
    [lambda s: s.get("x"), lambda s: s.__setitem__("x", 1)],
    ids=["read", "write"],
)
def test_vary_cookie_is_merged_with_the_apps_vary(
    settings: SessionSettings,
    app_vary: list[str],
    expected: list[str],
    action: Action,
) -> None:
    app = SessionApp(action, headers=[("Vary", v) for v in app_vary])
    response = get(app, settings)
    assert response.headers.getall("Vary") == expected


def test_read_only_access_adds_vary_but_no_cookie_or_cache_control(
    settings: SessionSettings,
) -> None:
    cookie = signed_value(settings, {"n": 1})
    response = get(SessionApp(lambda s: s["n"]), settings, cookie)
    assert list(response.headers.items()) == [
        ("Content-Type", "text/plain"),
        ("Vary", "Cookie"),
        ("Content-Length", "1"),
    ]


# -- deletion -----------------------------------------------------------------


def _delete_last_key(s: SessionStore) -> None:
    del s["n"]


@pytest.mark.parametrize(
    "action",
    [
        SessionStore.clear,
        SessionStore.flush,
        _delete_last_key,
        lambda s: s.pop("n"),
    ],
    ids=["clear", "flush", "del-last-key", "pop-last-key"],
)
def test_emptied_session_deletes_the_cookie(
    settings: SessionSettings, action: Action
) -> None:
    cookie = signed_value(settings, {"n": 1})
    response = get(SessionApp(action), settings, cookie)
    assert set_cookies(response.headers) == [("session", "", deletion())]
    assert response.headers["Vary"] == "Cookie"
    assert response.headers["Cache-Control"] == "private"


def test_accessed_invalid_cookie_is_deleted_and_logged_once(
    settings: SessionSettings, caplog: Any
) -> None:
    cookie = signed_value(settings, {"n": 1})[:-2] + "xx"
    response = get(SessionApp(lambda s: s.get("n")), settings, cookie)
    assert response.text == "None"
    assert set_cookies(response.headers) == [("session", "", deletion())]
    assert [(r.name, r.levelname, r.getMessage()) for r in caplog.records] == [
        (SECURITY, "WARNING", "session cookie rejected: bad signature")
    ]


def test_deletion_carries_every_attribute_of_the_cookie(
    make_settings: Callable[..., SessionSettings],
) -> None:
    settings = make_settings(
        cookie_name="sid",
        path="/app",
        domain="example.com",
        samesite="None",
        partitioned=True,
        secure=True,
        httponly=False,
    )
    cookie = signed_value(settings, {"n": 1})
    app = SessionApp(SessionStore.clear)
    response = TestApp(SessionMiddleware(app, settings)).get(
        "/", headers={"Cookie": f"sid={cookie}"}
    )
    assert set_cookies(response.headers) == [
        (
            "sid",
            "",
            {
                "Domain": "example.com",
                "Expires": EPOCH,
                "Max-Age": "0",
                "Secure": True,
                "Path": "/app",
                "SameSite": "None",
                "Partitioned": True,
            },
        )
    ]


@pytest.mark.parametrize(
    "action",
    [SessionStore.clear, lambda s: (s.__setitem__("n", 1), s.pop("n"))],
    ids=["clear", "set-then-remove"],
)
def test_empty_session_without_a_request_cookie_sets_nothing(
    settings: SessionSettings, action: Action
) -> None:
    response = get(SessionApp(action), settings)
    assert set_cookies(response.headers) == []
    assert response.headers.getall("Vary") == ["Cookie"]
    assert response.headers.getall("Cache-Control") == []


def test_modified_flag_alone_on_an_empty_session_sets_no_cookie(
    settings: SessionSettings,
) -> None:
    # Django code sets ``modified`` by hand; an empty session still stays
    # out of the cookie jar.
    response = get(SessionApp(lambda s: setattr(s, "modified", True)), settings)
    assert set_cookies(response.headers) == []


@pytest.mark.parametrize("status", ["500 Internal Server Error", "503 Unavailable"])
def test_emptied_session_is_deleted_on_a_server_error_too(
    settings: SessionSettings, status: str
) -> None:
    cookie = signed_value(settings, {"n": 1})
    app = SessionApp(SessionStore.flush, status=status)
    response = get(app, settings, cookie, status=int(status[:3]))
    assert set_cookies(response.headers) == [("session", "", deletion())]


# -- saving -------------------------------------------------------------------


def test_modified_session_is_saved(settings: SessionSettings, clock: Any) -> None:
    app = SessionApp(lambda s: s.__setitem__("n", 1))
    response = get(app, settings)
    [(name, value, attributes)] = set_cookies(response.headers)
    assert name == "session"
    assert load(settings, value) == {"n": 1}
    assert attributes == {
        "Expires": expires_at(clock, 1209600),
        "Max-Age": "1209600",
        "HttpOnly": True,
        "Path": "/",
        "SameSite": "Lax",
    }
    assert response.headers["Vary"] == "Cookie"
    assert response.headers["Cache-Control"] == "private"


def test_counter_survives_requests_through_the_cookie_jar(
    settings: SessionSettings,
) -> None:
    def count(s: SessionStore) -> int:
        s["n"] = s.get("n", 0) + 1
        return int(s["n"])

    app = client(SessionApp(count), settings)
    assert [app.get("/").text for _ in range(5)] == ["1", "2", "3", "4", "5"]


def test_compressed_cookie_round_trips_unquoted(settings: SessionSettings) -> None:
    text = "signed cookie sessions " * 80

    def action(s: SessionStore) -> object:
        if "text" in s:
            return s["text"] == text
        s["text"] = text
        return "stored"

    app = client(SessionApp(action), settings)
    [(_, value, _)] = set_cookies(app.get("/").headers)
    assert value.startswith("^")  # deflated (docs/format.rst)
    assert len(value) < len(text)
    assert app.get("/").text == "True"


def test_unmodified_session_is_not_saved(settings: SessionSettings) -> None:
    cookie = signed_value(settings, {"n": 1})
    response = get(SessionApp(lambda s: dict(s.items())), settings, cookie)
    assert set_cookies(response.headers) == []


def test_save_every_request_saves_an_untouched_session(
    make_settings: Callable[..., SessionSettings], clock: Any
) -> None:
    settings = make_settings(save_every_request=True)
    cookie = signed_value(settings, {"n": 1})
    clock.advance(100)
    response = get(SessionApp(), settings, cookie)
    [(_, value, attributes)] = set_cookies(response.headers)
    assert value != cookie
    assert load(settings, value) == {"n": 1}
    resaved = SessionStore(value, settings=settings)
    resaved.load()
    assert resaved.issued_at == int(clock.now)
    assert attributes["Expires"] == expires_at(clock, 1209600)
    assert response.headers["Vary"] == "Cookie"


def test_save_every_request_sets_nothing_for_an_empty_session(
    make_settings: Callable[..., SessionSettings],
) -> None:
    response = get(SessionApp(), make_settings(save_every_request=True))
    assert list(response.headers.items()) == [
        ("Content-Type", "text/plain"),
        ("Content-Length", "11"),
    ]


def test_cookie_verified_by_a_fallback_key_is_resigned_with_the_current_key(
    make_settings: Callable[..., SessionSettings],
) -> None:
    old = make_settings(secret_key=OLD_SECRET)
    settings = make_settings(fallback_keys=(OLD_SECRET,))
    cookie = signed_value(old, {"user": "ann"})
    response = get(SessionApp(lambda s: s["user"]), settings, cookie)
    assert response.text == "'ann'"
    [(_, value, _)] = set_cookies(response.headers)
    current_only = make_settings()
    assert load(current_only, value) == {"user": "ann"}
    resigned = SessionStore(value, settings=settings)
    resigned.load()
    assert resigned.key_index == 0


@pytest.mark.parametrize("status", ["500 Internal Server Error", "503 Unavailable"])
def test_server_error_saves_nothing(settings: SessionSettings, status: str) -> None:
    app = SessionApp(lambda s: s.__setitem__("n", 1), status=status)
    response = get(app, settings, status=int(status[:3]))
    assert set_cookies(response.headers) == []
    assert response.headers.getall("Vary") == ["Cookie"]
    assert response.headers.getall("Cache-Control") == []


def test_server_error_saves_with_save_on_server_error(
    make_settings: Callable[..., SessionSettings],
) -> None:
    settings = make_settings(save_on_server_error=True)
    app = SessionApp(lambda s: s.__setitem__("n", 1), status="500 Oops")
    response = get(app, settings, status=500)
    [(_, value, _)] = set_cookies(response.headers)
    assert load(settings, value) == {"n": 1}


def test_client_error_still_saves(settings: SessionSettings) -> None:
    app = SessionApp(lambda s: s.__setitem__("n", 1), status="404 Not Found")
    response = get(app, settings, status=404)
    [(_, value, _)] = set_cookies(response.headers)
    assert load(settings, value) == {"n": 1}


# -- Cache-Control ------------------------------------------------------------


@pytest.mark.parametrize(
    ("cache_control", "expected"),
    [
        (None, ["private"]),
        ("no-store", ["no-store"]),
        ("private, max-age=60", ["private, max-age=60"]),
    ],
    ids=["none", "no-store", "private"],
)
def test_cache_control_private_is_added_only_when_the_app_set_none(
    settings: SessionSettings, cache_control: str | None, expected: list[str]
) -> None:
    headers = [] if cache_control is None else [("Cache-Control", cache_control)]
    app = SessionApp(lambda s: s.__setitem__("n", 1), headers=headers)
    response = get(app, settings)
    assert response.headers.getall("Cache-Control") == expected


@pytest.mark.parametrize(
    "cache_control",
    [
        ["public, max-age=60"],
        ["max-age=60, s-maxage=300"],
        ["Public"],
        ["max-age=60", "public"],
    ],
    ids=["public", "s-maxage", "public-capitalised", "public-in-second-header"],
)
@pytest.mark.parametrize("change", ["set", "delete"])
def test_shared_cacheable_response_with_a_session_cookie_warns(
    settings: SessionSettings, cache_control: list[str], change: str
) -> None:
    cookie = signed_value(settings, {"n": 1})
    action: Action = (
        (lambda s: s.__setitem__("n", 2)) if change == "set" else SessionStore.clear
    )
    app = SessionApp(action, headers=[("Cache-Control", v) for v in cache_control])
    with pytest.warns(RuntimeWarning, match="shared cache") as record:
        response = get(app, settings, cookie)
    assert len(record) == 1
    assert record[0].filename == __file__  # points at the app's start_response
    assert response.headers.getall("Cache-Control") == cache_control
    assert len(set_cookies(response.headers)) == 1


# -- expiry -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expiry", "age"),
    [
        (None, 1209600),
        (300, 300),
        (timedelta(hours=1), 3600),
        (datetime.fromtimestamp(NOW + 86400, timezone.utc), 86400),
    ],
    ids=["default", "int", "timedelta", "datetime"],
)
def test_max_age_and_expires_agree_with_get_expiry_age(
    settings: SessionSettings, clock: Any, expiry: Any, age: int
) -> None:
    def action(s: SessionStore) -> None:
        s["n"] = 1
        s.set_expiry(expiry)

    app = SessionApp(action)
    response = get(app, settings)
    [(_, _, attributes)] = set_cookies(response.headers)
    store = app.stores[0]
    assert store.get_expiry_age() == age
    assert attributes["Max-Age"] == str(age)
    assert parsedate_to_datetime(str(attributes["Expires"])) == datetime.fromtimestamp(
        clock.now + age, timezone.utc
    )


@pytest.mark.parametrize(
    ("elapsed", "body", "cookies"),
    [(300, "1", []), (301, "None", [("session", "", deletion())])],
    ids=["at-max-age", "past-max-age"],
)
def test_server_enforces_the_max_age_it_sent(
    settings: SessionSettings,
    clock: Any,
    elapsed: int,
    body: str,
    cookies: list[Any],
) -> None:
    def action(s: SessionStore) -> None:
        s["n"] = 1
        s.set_expiry(300)

    response = get(SessionApp(action), settings)
    [(_, value, attributes)] = set_cookies(response.headers)
    assert attributes["Max-Age"] == "300"
    clock.advance(elapsed)
    replayed = get(SessionApp(lambda s: s.get("n")), settings, value)
    assert replayed.text == body
    assert set_cookies(replayed.headers) == cookies


@pytest.mark.parametrize(
    ("fields", "expiry"),
    [({"expire_at_browser_close": True}, None), ({}, 0)],
    ids=["setting", "set_expiry-0"],
)
def test_browser_session_cookie_has_neither_max_age_nor_expires(
    make_settings: Callable[..., SessionSettings],
    fields: dict[str, Any],
    expiry: int | None,
) -> None:
    settings = make_settings(**fields)

    def action(s: SessionStore) -> None:
        s["n"] = 1
        s.set_expiry(expiry)

    app = SessionApp(action)
    response = get(app, settings)
    assert app.stores[0].get_expire_at_browser_close() is True
    assert set_cookies(response.headers)[0][2] == {
        "HttpOnly": True,
        "Path": "/",
        "SameSite": "Lax",
    }


# -- attributes ---------------------------------------------------------------

SECURE_CASES = [
    (secure, https, samesite, partitioned)
    for secure in (None, True, False)
    for https in (False, True)
    for samesite in ("Strict", "Lax", "None", None)
    for partitioned in (False, True)
    # Browsers reject these without Secure; settings refuse them (below).
    if not (secure is False and (samesite == "None" or partitioned))
]


def _secure_id(case: tuple[Any, ...]) -> str:
    secure, https, samesite, partitioned = case
    return "-".join(
        [
            f"secure={secure}",
            "https" if https else "http",
            f"samesite={samesite or 'omitted'}",
            "partitioned" if partitioned else "unpartitioned",
        ]
    )


@pytest.mark.parametrize(
    ("secure", "https", "samesite", "partitioned"),
    SECURE_CASES,
    ids=[_secure_id(case) for case in SECURE_CASES],
)
def test_secure_samesite_and_partitioned_follow_settings_and_scheme(
    make_settings: Callable[..., SessionSettings],
    clock: Any,
    secure: bool | None,
    https: bool,
    samesite: str | None,
    partitioned: bool,
) -> None:
    settings = make_settings(secure=secure, samesite=samesite, partitioned=partitioned)
    cookie = signed_value(settings, {"n": 1})
    expected: Attributes = {
        "Expires": expires_at(clock, 1209600),
        "Max-Age": "1209600",
        "HttpOnly": True,
        "Path": "/",
    }
    # SameSite=None and Partitioned cookies are refused by browsers unless
    # Secure, so they are Secure on http too (DESIGN.md, settings).
    if secure or (secure is None and (https or samesite == "None" or partitioned)):
        expected["Secure"] = True
    if samesite is not None:
        expected["SameSite"] = samesite
    if partitioned:
        expected["Partitioned"] = True
    saved = get(SessionApp(lambda s: s.__setitem__("n", 2)), settings, https=https)
    assert set_cookies(saved.headers)[0][2] == expected

    deleted = get(SessionApp(SessionStore.clear), settings, cookie, https=https)
    del expected["Expires"], expected["Max-Age"]
    assert set_cookies(deleted.headers)[0][2] == {
        "Expires": EPOCH,
        "Max-Age": "0",
        **expected,
    }


@pytest.mark.parametrize(
    "fields",
    [{"samesite": "None"}, {"partitioned": True}],
    ids=["samesite-None", "partitioned"],
)
def test_secure_false_is_refused_where_browsers_require_secure(
    make_settings: Callable[..., SessionSettings], fields: dict[str, Any]
) -> None:
    with pytest.raises(ValueError, match="secure=False cannot be combined"):
        make_settings(secure=False, **fields)


def test_path_domain_httponly_and_name_come_from_settings(
    make_settings: Callable[..., SessionSettings], clock: Any
) -> None:
    settings = make_settings(
        cookie_name="sid", path="/shop", domain="example.org", httponly=False
    )
    response = get(SessionApp(lambda s: s.__setitem__("n", 1)), settings)
    [(name, value, attributes)] = set_cookies(response.headers)
    assert name == "sid"
    assert load(settings, value) == {"n": 1}
    assert attributes == {
        "Domain": "example.org",
        "Expires": expires_at(clock, 1209600),
        "Max-Age": "1209600",
        "Path": "/shop",
        "SameSite": "Lax",
    }


# -- SessionTooLarge -------------------------------------------------------------


def test_session_too_large_is_logged_and_raised_never_dropped(
    settings: SessionSettings, caplog: Any
) -> None:
    blob = secrets.token_urlsafe(4000)

    def action(s: SessionStore) -> None:
        s["blob"] = blob
        s["user"] = "ann"

    app = SessionApp(action)
    with pytest.raises(SessionTooLarge) as info:
        client(app, settings).get("/")
    assert info.value.limit == 4093
    assert [key for key, _ in info.value.largest_keys] == ["blob", "user"]
    assert [(r.name, r.levelname) for r in caplog.records] == [
        ("signedsession", "ERROR")
    ]
    message = caplog.records[0].getMessage()
    assert message == f"session not saved: {info.value}"
    assert "'blob' (" in message
    assert blob not in message
    assert "ann" not in message

    recorder = Recorder()
    environ: dict[str, Any] = {"QUERY_STRING": ""}
    setup_testing_defaults(environ)
    with pytest.raises(SessionTooLarge):
        validator(SessionMiddleware(app, settings))(environ, recorder)
    assert recorder.calls == []


def test_unserializable_value_surfaces_naming_its_key(
    settings: SessionSettings,
) -> None:
    app = SessionApp(lambda s: s.__setitem__("when", object()))
    with pytest.raises(TypeError, match="'when'"):
        client(app, settings).get("/")


# -- PEP 3333 -----------------------------------------------------------------


def _failing_after_start(session_action: Action) -> Any:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        session_action(environ["signedsession.session"])
        start_response("200 OK", [("Content-Type", "text/plain")])
        try:
            raise KeyError("late failure")
        except KeyError:
            start_response(
                "500 Internal Server Error",
                [("Content-Type", "text/plain")],
                sys.exc_info(),
            )
        return [b"error"]

    return app


def test_restarted_response_recomputes_headers_and_passes_exc_info(
    settings: SessionSettings,
) -> None:
    app = _failing_after_start(lambda s: s.__setitem__("n", 1))
    recorder, body = call(SessionMiddleware(app, settings))
    assert body == b"error"
    [(first, first_headers, first_exc), (last, last_headers, last_exc)] = recorder.calls
    assert (first, first_exc) == ("200 OK", None)
    assert len(set_cookies(first_headers)) == 1
    assert last == "500 Internal Server Error"
    assert last_exc is not None
    assert last_exc[0] is KeyError
    assert last_headers == [("Content-Type", "text/plain"), ("Vary", "Cookie")]

    response = TestApp(SessionMiddleware(app, settings)).get("/", status=500)
    assert set_cookies(response.headers) == []


def test_restarted_response_still_deletes_an_emptied_session(
    settings: SessionSettings,
) -> None:
    cookie = signed_value(settings, {"n": 1})
    app = _failing_after_start(SessionStore.clear)
    response = get(app, settings, cookie, status=500)
    assert set_cookies(response.headers) == [("session", "", deletion())]


def test_exc_info_reraised_by_the_server_propagates(settings: SessionSettings) -> None:
    closed = []

    class Body:
        def __init__(self, start_response: Any) -> None:
            self.start_response = start_response

        def __iter__(self) -> Iterator[bytes]:
            yield b"partial"
            try:
                raise KeyError("mid-stream")
            except KeyError:
                self.start_response(
                    "500 Internal Server Error",
                    [("Content-Type", "text/plain")],
                    sys.exc_info(),
                )
            yield b"unreachable"

        def close(self) -> None:
            closed.append(True)

    def app(environ: dict[str, Any], start_response: Any) -> Body:
        environ["signedsession.session"]["n"] = 1
        start_response("200 OK", [("Content-Type", "text/plain")])
        return Body(start_response)

    sent: list[bytes] = []

    def server_start_response(
        status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], None]:
        if exc_info is not None and sent:
            raise exc_info[1].with_traceback(exc_info[2])
        return sent.append

    environ: dict[str, Any] = {"QUERY_STRING": ""}
    setup_testing_defaults(environ)
    result = validator(SessionMiddleware(app, settings))(environ, server_start_response)
    with pytest.raises(KeyError, match="mid-stream"):
        try:
            for chunk in result:
                sent.append(chunk)
        finally:
            result.close()  # type: ignore[attr-defined]
    assert sent == [b"partial"]
    assert closed == [True]


def test_write_callable_is_passed_through(settings: SessionSettings) -> None:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        environ["signedsession.session"]["n"] = 1
        write = start_response("200 OK", [("Content-Type", "text/plain")])
        write(b"hello ")
        return [b"world"]

    response = TestApp(SessionMiddleware(app, settings)).get("/")
    assert response.body == b"hello world"
    assert len(set_cookies(response.headers)) == 1
    recorder, body = call(SessionMiddleware(app, settings))
    assert (recorder.written, body) == ([b"hello "], b"hello world")


class ClosingBody:
    """An app iterable that records ``close()`` and may fail mid-way."""

    def __init__(self, fail: bool) -> None:
        self.fail = fail
        self.closed = 0

    def __iter__(self) -> Iterator[bytes]:
        yield b"one"
        if self.fail:
            raise ZeroDivisionError("body failed")
        yield b"two"

    def close(self) -> None:
        self.closed += 1


@pytest.mark.parametrize("fail", [False, True], ids=["completes", "raises"])
def test_app_iterable_close_is_always_called(
    settings: SessionSettings, fail: bool
) -> None:
    body = ClosingBody(fail)

    def app(environ: dict[str, Any], start_response: Any) -> ClosingBody:
        environ["signedsession.session"]["n"] = 1
        start_response("200 OK", [("Content-Type", "text/plain")])
        return body

    test_app = TestApp(SessionMiddleware(app, settings))
    if fail:
        with pytest.raises(ZeroDivisionError):
            test_app.get("/")
    else:
        assert test_app.get("/").body == b"onetwo"
    assert body.closed == 1


def test_headers_are_native_strings(settings: SessionSettings) -> None:
    cookie = signed_value(settings, {"n": 1})
    for action in (lambda s: s.__setitem__("n", 2), SessionStore.clear):
        recorder, _ = call(
            SessionMiddleware(SessionApp(action), settings),
            f"session={cookie}",
            **{"wsgi.url_scheme": "https"},
        )
        [(status, headers, _)] = recorder.calls
        assert type(status) is str
        assert len(headers) == 4
        assert all(type(k) is str and type(v) is str for k, v in headers)
        assert all(v.isascii() for _, v in headers)


# -- writes after start_response ----------------------------------------------


def _streaming_app(late: Action, early: Action | None = None) -> Any:
    def app(environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
        session = environ["signedsession.session"]
        if early is not None:
            early(session)
        start_response("200 OK", [("Content-Type", "text/plain")])
        yield b"chunk"
        late(session)
        yield b"done"

    return app


@pytest.mark.parametrize(
    "late",
    [
        lambda s: s.__setitem__("n", 2),
        SessionStore.clear,
        lambda s: s.set_expiry(60),
        lambda s: s.pop("n"),
    ],
    ids=["setitem", "clear", "set_expiry", "pop"],
)
def test_session_modified_in_a_streaming_body_warns(
    settings: SessionSettings, late: Action
) -> None:
    cookie = signed_value(settings, {"n": 1})
    app = _streaming_app(late, early=lambda s: s.get("n"))
    with pytest.warns(RuntimeWarning, match="modified after the response headers"):
        response = get(app, settings, cookie)
    assert response.body == b"chunkdone"
    assert set_cookies(response.headers) == []


@pytest.mark.parametrize(
    "late",
    [lambda s: s.get("n"), lambda s: s.pop("missing", None), lambda s: "n" in s],
    ids=["get", "pop-missing", "contains"],
)
def test_session_read_in_a_streaming_body_does_not_warn(
    settings: SessionSettings, late: Action
) -> None:
    # Modified and saved before start_response; later reads change nothing.
    app = _streaming_app(late, early=lambda s: s.__setitem__("n", 1))
    response = get(app, settings)
    assert response.body == b"chunkdone"
    assert len(set_cookies(response.headers)) == 1


# -- threads ------------------------------------------------------------------


def test_one_middleware_serves_many_threads_without_crosstalk(
    settings: SessionSettings,
) -> None:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        session = environ["signedsession.session"]
        assert (session.accessed, session.modified) == (False, False)
        owner = environ["HTTP_X_CLIENT"]
        assert session.setdefault("owner", owner) == owner
        session["n"] = session.get("n", 0) + 1
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [str(session["n"]).encode()]

    middleware = SessionMiddleware(app, settings)
    threads, requests = 8, 200
    barrier = threading.Barrier(threads)
    results: dict[int, list[int]] = {}
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            cookie: str | None = None
            counts = []
            barrier.wait(timeout=10)
            for _ in range(requests):
                environ: dict[str, Any] = {"HTTP_X_CLIENT": f"client-{index}"}
                if cookie is not None:
                    environ["HTTP_COOKIE"] = f"session={cookie}"
                setup_testing_defaults(environ)
                recorder = Recorder()
                body = b"".join(middleware(environ, recorder))
                counts.append(int(body))
                [(_, cookie, _)] = set_cookies(recorder.calls[0][1])
            results[index] = counts
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
    assert errors == []
    assert results == {i: list(range(1, requests + 1)) for i in range(threads)}


def test_apps_shared_header_list_is_never_mutated(settings: SessionSettings) -> None:
    # An app may pass one module-level list to every start_response; a
    # cookie appended to it would go to every later user.
    shared = [("Content-Type", "text/plain")]

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        environ["signedsession.session"]["user"] = environ["QUERY_STRING"]
        start_response("200 OK", shared)
        return [b"ok"]

    test_app = TestApp(SessionMiddleware(app, settings))
    first = test_app.get("/?ann")
    second = TestApp(SessionMiddleware(app, settings)).get("/?bob")
    assert shared == [("Content-Type", "text/plain")]
    assert [load(settings, v) for _, v, _ in set_cookies(first.headers)] == [
        {"user": "ann"}
    ]
    assert [load(settings, v) for _, v, _ in set_cookies(second.headers)] == [
        {"user": "bob"}
    ]


# -- construction -------------------------------------------------------------


def test_middleware_takes_a_settings_object(settings: SessionSettings) -> None:
    middleware = SessionMiddleware(SessionApp(), settings)
    assert middleware.settings is settings
    assert SessionMiddleware(SessionApp(), settings=settings).settings is settings


def test_middleware_builds_settings_from_keywords() -> None:
    app = SessionApp(lambda s: s.__setitem__("n", 1))
    middleware = SessionMiddleware(app, secret_key=SECRET, cookie_name="sid")
    assert (middleware.settings.secret_key, middleware.settings.cookie_name) == (
        SECRET,
        "sid",
    )
    response = TestApp(middleware).get("/")
    assert [name for name, _, _ in set_cookies(response.headers)] == ["sid"]


def test_middleware_refuses_settings_and_keywords_together(
    settings: SessionSettings,
) -> None:
    with pytest.raises(TypeError, match="not both"):
        SessionMiddleware(SessionApp(), settings, cookie_name="sid")


def test_middleware_refuses_a_non_settings_positional() -> None:
    with pytest.raises(TypeError, match="SessionSettings"):
        SessionMiddleware(SessionApp(), SECRET)  # type: ignore[arg-type]


def test_environ_key_is_honoured(make_settings: Callable[..., SessionSettings]) -> None:
    settings = make_settings(environ_key="myapp.session")
    seen = []

    def action(s: SessionStore) -> None:
        s["n"] = 1

    app = SessionApp(action, environ_key="myapp.session")

    def outer(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        seen.append("signedsession.session" in environ)
        return app(environ, start_response)

    response = TestApp(SessionMiddleware(outer, settings)).get("/")
    assert seen == [False]
    [(_, value, _)] = set_cookies(response.headers)
    assert load(settings, value) == {"n": 1}
