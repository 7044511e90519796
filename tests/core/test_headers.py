"""Header rules (signedsession._headers): Set-Cookie, Cookie and cache safety.

CookieHeaders's shortcuts give exactly what werkzeug gives.

``CookieHeaders.set_cookie`` formats the attributes once per (max_age,
secure) and the Expires date once per second; these tests hold that
shortcut to dump_cookie's output across the settings matrix.
``CookieHeaders.values`` splits a header without quotes by hand; a property
test holds it to werkzeug's ``parse_cookie``.

Cache safety: a response that sets or deletes the session cookie is private.

A shared cache that stores a response carrying ``Set-Cookie`` hands one
user's session to everyone who asks for the same URL. When the response
sets or deletes the session cookie and the application said nothing about
caching, ``Cache-Control: private`` is added; when the application marked
the response ``public`` or gave it an ``s-maxage``, a ``RuntimeWarning``
says so (the application's header is kept: it may know better). Responses
that leave the cookie alone are not touched.
"""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any, Callable

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from setcookie import signed_value
from shared import SECRET
from webtest import TestApp
from werkzeug.http import dump_cookie
from werkzeug.sansio.http import parse_cookie

import signedsession._clock
from signedsession import SessionMiddleware, SessionSettings, SessionStore
from signedsession._headers import CookieHeaders

CODEC_VALUE = (
    "~q1YqLU4tis9MUbIyMdIBc_ISc1OVrJQSczKTU5V0lEoyUsH8lMSibCA3KSc_CcizKIhKdvSsKs42"
    ".Bw9ASCgMzku3iMzOhXg68A.6b08c635.6b08c635.AllXAyenJO9cj1Zde5TjKnSIQw3ktaZyBc"
)

SETTINGS_MATRIX: list[dict[str, Any]] = [
    {},
    {"cookie_name": "__Host-sid", "secure": True},
    {"path": "/app/sub", "domain": "example.com"},
    {"path": "/a b/ü", "domain": ".Example.COM"},
    {"httponly": False, "samesite": None},
    {"samesite": "Strict"},
    {"samesite": "None", "secure": True},
    {"partitioned": True, "samesite": "None"},
    {"secure": False, "samesite": "lax"},
]

VALUES = [
    CODEC_VALUE,
    "",
    "abcdefgh",
    'needs "quotes"; and, commas',
    "non-ascii-ü",
    "back\\slash",
    "space in it",
]

MAX_AGES = [None, 0, 1, 3600, 1209600, 6_000_000_000]

MOMENTS = [
    1_800_000_000.0,
    1_800_000_000.4,
    1_800_000_000.9999989,  # the last instant whose date is cached
    1_800_000_000.9999994,
    1_800_000_000.9999996,  # rounds up to the next second in datetime
    1_800_000_001.0000001,
]


def reference(
    fmt: CookieHeaders, value: str, max_age: int | None, *, secure: bool
) -> str:
    """What the formatter made before the shortcut: dump_cookie per request."""
    settings = fmt._settings
    expires = None
    if max_age is not None:
        expires = signedsession._clock.now() + timedelta(seconds=max_age)
    return dump_cookie(
        settings.cookie_name,
        value,
        max_age=max_age,
        expires=expires,
        path=settings.path,
        domain=settings.domain,
        secure=secure,
        httponly=settings.httponly,
        samesite=settings.samesite,
        partitioned=settings.partitioned,
        max_size=0,
    )


@pytest.mark.parametrize(
    "fields",
    SETTINGS_MATRIX,
    ids=[
        ",".join(f"{k}={v}" for k, v in f.items()) or "defaults"
        for f in SETTINGS_MATRIX
    ],
)
def test_set_cookie_is_dump_cookie_byte_for_byte(
    fields: dict[str, Any],
    make_settings: Callable[..., SessionSettings],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fmt = CookieHeaders(make_settings(**fields))
    for moment, value, max_age, secure in itertools.product(
        MOMENTS, VALUES, MAX_AGES, (False, True)
    ):
        monkeypatch.setattr(signedsession._clock, "time", lambda m=moment: m)
        # Twice: the first call builds the cached parts, the second uses them.
        for _ in range(2):
            got = fmt.set_cookie(value, max_age, secure=secure)
            assert got == reference(fmt, value, max_age, secure=secure), (
                moment,
                value,
                max_age,
                secure,
            )
        assert fmt.size(value, max_age) == len(
            reference(fmt, value, max_age, secure=True)
        )


def test_expires_follows_the_clock_across_seconds(
    make_settings: Callable[..., SessionSettings], monkeypatch: pytest.MonkeyPatch
) -> None:
    fmt = CookieHeaders(make_settings())
    seen = set()
    for tick in range(5):
        moment = 1_800_000_000.5 + tick
        monkeypatch.setattr(signedsession._clock, "time", lambda m=moment: m)
        got = fmt.set_cookie(CODEC_VALUE, 60, secure=False)
        assert got == reference(fmt, CODEC_VALUE, 60, secure=False)
        seen.add(got)
    assert len(seen) == 5


def test_changing_max_age_per_session_stays_exact(
    make_settings: Callable[..., SessionSettings], clock: Any
) -> None:
    fmt = CookieHeaders(make_settings())
    for max_age in range(0, 200):
        got = fmt.set_cookie(CODEC_VALUE, max_age, secure=max_age % 2 == 0)
        assert got == reference(fmt, CODEC_VALUE, max_age, secure=max_age % 2 == 0)


@pytest.mark.parametrize(
    "fields",
    SETTINGS_MATRIX,
    ids=[
        ",".join(f"{k}={v}" for k, v in f.items()) or "defaults"
        for f in SETTINGS_MATRIX
    ],
)
@pytest.mark.parametrize("secure", [False, True], ids=["http", "https"])
def test_delete_cookie_is_dump_cookie(
    fields: dict[str, Any],
    secure: bool,
    make_settings: Callable[..., SessionSettings],
) -> None:
    settings = make_settings(**fields)
    fmt = CookieHeaders(settings)
    expected = dump_cookie(
        settings.cookie_name,
        "",
        max_age=0,
        expires=0,
        path=settings.path,
        domain=settings.domain,
        secure=secure,
        httponly=settings.httponly,
        samesite=settings.samesite,
        partitioned=settings.partitioned,
    )
    assert fmt.delete_cookie(secure=secure) == expected
    assert fmt.delete_cookie(secure=secure) == expected


def test_size_counts_the_https_header(
    make_settings: Callable[..., SessionSettings], clock: Any
) -> None:
    fmt = CookieHeaders(make_settings())
    assert fmt.size(CODEC_VALUE, 3600) == len(
        reference(fmt, CODEC_VALUE, 3600, secure=True)
    )


HEADER_PARTS = st.sampled_from(
    ["session", "sessionx", "x", "=", ";", " ", "\t", '"', "\\", ",", "a", "042", "\r"]
)


_SPACE = st.sampled_from(["", " ", "\t", "  "])
COOKIE_PARTS = st.tuples(
    _SPACE,
    st.sampled_from(["session", "sessionx", "xsession", "x", "", "ses sion"]),
    _SPACE,
    st.sampled_from(["", "="]),
    _SPACE,
    st.text(alphabet=' \t=a,\\"\r', max_size=5),
    _SPACE,
).map("".join)


@hypothesis_settings(max_examples=1000, deadline=None)
@given(
    st.one_of(
        st.lists(HEADER_PARTS, max_size=24).map("".join),
        st.lists(COOKIE_PARTS, max_size=6).map(";".join),
    )
)
def test_values_are_werkzeugs_parse_cookie(header: str) -> None:
    fmt = CookieHeaders(SessionSettings(secret_key="k" * 40))
    assert fmt.values(header) == parse_cookie(header).getlist("session")


@pytest.mark.parametrize(
    "header",
    [
        "session=abc",
        "lang=en; session=abc; _pk=1",
        "session = abc ;session=def",
        "session",
        "session=",
        "session=a b; session=c",
        "session x=1; session=\ty\t",
        "a=1, session=2; session=3",
        "session=a=b",
        'session="quoted\\073"; session=plain',
        "session=\\",
    ],
)
def test_values_examples(header: str) -> None:
    fmt = CookieHeaders(SessionSettings(secret_key="k" * 40))
    assert fmt.values(header) == parse_cookie(header).getlist("session")


@hypothesis_settings(max_examples=500, deadline=None)
@given(
    st.text(
        alphabet=st.one_of(
            st.sampled_from('azAZ09._~-+/=;, "\\\t'),
            st.characters(blacklist_categories=("Cs",)),
        ),
        max_size=30,
    )
)
def test_any_value_is_dump_cookie_byte_for_byte(value: str) -> None:
    # Hypothesis cannot use the function-scoped clock fixture: freeze by hand.
    original = signedsession._clock.time
    signedsession._clock.time = lambda: 1_800_000_000.25
    try:
        fmt = CookieHeaders(SessionSettings(secret_key="k" * 40))
        got = fmt.set_cookie(value, 3600, secure=True)
        assert got == reference(fmt, value, 3600, secure=True)
        assert fmt.size(value, 3600) == len(got)
    finally:
        signedsession._clock.time = original


@pytest.mark.parametrize(
    ("secure", "samesite", "partitioned"),
    [
        (secure, samesite, partitioned)
        for secure in (None, True, False)
        for samesite, partitioned in (("Lax", False), ("None", False), ("Lax", True))
        # secure=False with either is refused (tests/test_settings.py).
        if secure is not False or (samesite == "Lax" and not partitioned)
    ],
)
def test_secure_on_is_what_the_settings_decide(
    secure: bool | None, samesite: str, partitioned: bool
) -> None:
    settings = SessionSettings(
        secret_key="k" * 40, secure=secure, samesite=samesite, partitioned=partitioned
    )
    assert CookieHeaders(settings).secure_on == (
        settings.is_secure(False),
        settings.is_secure(True),
    )


# -- cache safety: Cache-Control on responses that touch the cookie ------------


Action = Callable[[SessionStore], object]


def make_app(
    settings: SessionSettings, action: Action, cache_control: list[str]
) -> TestApp:
    def inner(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        action(environ[settings.environ_key])
        headers = [("Content-Type", "text/plain"), ("Content-Length", "2")]
        headers += [("Cache-Control", value) for value in cache_control]
        start_response("200 OK", headers)
        return [b"ok"]

    return TestApp(SessionMiddleware(inner, settings), lint=True)


def write(session: SessionStore) -> None:
    session["n"] = session.get("n", 0) + 1


def read(session: SessionStore) -> None:
    session.get("n")


def untouched(session: SessionStore) -> None:
    pass


#: What the request does, whether it carries a cookie, and whether the
#: response then sets or deletes it.
CHANGES = {
    "set-new": (write, False, True),
    "set-existing": (write, True, True),
    "delete-by-clear": (SessionStore.clear, True, True),
    "delete-by-flush": (SessionStore.flush, True, True),
    "read-only": (read, True, False),
    "read-only-no-cookie": (read, False, False),
    "untouched": (untouched, True, False),
}


def run(
    settings: SessionSettings, change: str, cache_control: list[str]
) -> tuple[Any, list[str]]:
    action, with_cookie, _ = CHANGES[change]
    app = make_app(settings, action, cache_control)
    headers = (
        {"Cookie": f"session={signed_value(settings, {'n': 1})}"} if with_cookie else {}
    )
    response = app.get("/", headers=headers)
    return response, [
        header.partition("=")[2].split(";")[0]
        for header in response.headers.getall("Set-Cookie")
    ]


@pytest.mark.parametrize("change", list(CHANGES), ids=list(CHANGES))
def test_private_is_added_exactly_when_the_cookie_is_set_or_deleted(
    settings: SessionSettings, change: str
) -> None:
    response, values = run(settings, change, [])
    touches_cookie = CHANGES[change][2]
    assert len(values) == (1 if touches_cookie else 0)
    expected = ["private"] if touches_cookie else []
    assert response.headers.getall("Cache-Control") == expected


@pytest.mark.parametrize(
    "cache_control",
    [
        ["no-store"],
        ["private, max-age=60"],
        ["no-cache"],
        ["max-age=0, must-revalidate"],
        ["private", "max-age=60"],
    ],
    ids=["no-store", "private-max-age", "no-cache", "max-age-0", "two-headers"],
)
@pytest.mark.parametrize("change", ["set-new", "delete-by-clear"])
def test_the_apps_own_cache_control_is_kept_without_a_warning(
    settings: SessionSettings, change: str, cache_control: list[str]
) -> None:
    response, values = run(settings, change, cache_control)
    assert len(values) == 1
    assert response.headers.getall("Cache-Control") == cache_control


SHARED = [
    ["public"],
    ["public, max-age=3600"],
    ["PUBLIC"],
    ["max-age=60, s-maxage=600"],
    ["s-maxage=600"],
    ["max-age=60, s-maxage =600"],
    ["max-age=60", "public"],
]
SHARED_IDS = [
    "public",
    "public-max-age",
    "upper-case",
    "s-maxage",
    "s-maxage-alone",
    "s-maxage-space-before-equals",
    "public-in-second-header",
]


@pytest.mark.parametrize("cache_control", SHARED, ids=SHARED_IDS)
@pytest.mark.parametrize(
    "change", ["set-new", "set-existing", "delete-by-clear", "delete-by-flush"]
)
def test_shared_cacheable_response_that_touches_the_cookie_warns(
    settings: SessionSettings, change: str, cache_control: list[str]
) -> None:
    with pytest.warns(RuntimeWarning) as record:
        response, values = run(settings, change, cache_control)
    assert [str(w.message) for w in record] == [
        "a response that sets the session cookie is marked"
        f" {', '.join(cache_control)!r}: a shared cache could serve one"
        " user's cookie to others"
    ]
    assert len(values) == 1
    assert response.headers.getall("Cache-Control") == cache_control


@pytest.mark.parametrize("cache_control", SHARED, ids=SHARED_IDS)
@pytest.mark.parametrize("change", ["read-only", "untouched"])
def test_public_response_that_leaves_the_cookie_alone_is_silent(
    settings: SessionSettings, change: str, cache_control: list[str]
) -> None:
    response, values = run(settings, change, cache_control)  # no warning: error
    assert values == []
    assert response.headers.getall("Cache-Control") == cache_control


def test_server_error_that_deletes_the_cookie_is_private(
    settings: SessionSettings,
) -> None:
    def inner(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        environ[settings.environ_key].flush()
        start_response("500 Internal Server Error", [("Content-Type", "text/plain")])
        return [b"boom"]

    app = TestApp(SessionMiddleware(inner, settings), lint=True)
    cookie = signed_value(settings, {"n": 1})
    response = app.get("/", headers={"Cookie": f"session={cookie}"}, status=500)
    assert [h.split(";")[0] for h in response.headers.getall("Set-Cookie")] == [
        "session="
    ]
    assert response.headers.getall("Cache-Control") == ["private"]


# -- through the Pyramid adapter --------------------------------------------------


def pyramid_app(cache_control: list[str], action: Action) -> TestApp:
    from pyramid.config import Configurator
    from pyramid.response import Response

    from signedsession.adapters.pyramid import SignedSessionFactory

    def view(request: Any) -> Any:
        action(request.session)
        response = Response("ok", content_type="text/plain")
        for value in cache_control:
            response.headers.add("Cache-Control", value)
        return response

    with Configurator() as config:
        config.set_session_factory(SignedSessionFactory(SECRET, reissue_time=None))
        config.add_route("home", "/")
        config.add_view(view, route_name="home")
        return TestApp(config.make_wsgi_app(), lint=True)


@pytest.mark.parametrize(
    ("action", "cache_control", "expected"),
    [
        (write, [], ["private"]),
        (read, [], []),
        (write, ["no-store"], ["no-store"]),
    ],
    ids=["set", "read-only", "app-no-store"],
)
def test_pyramid_adapter_adds_private_only_when_it_sets_the_cookie(
    action: Action, cache_control: list[str], expected: list[str]
) -> None:
    response = pyramid_app(cache_control, action).get("/")
    assert len(response.headers.getall("Set-Cookie")) == (1 if action is write else 0)
    assert response.headers.getall("Cache-Control") == expected


def test_pyramid_adapter_warns_on_a_public_response_that_sets_the_cookie() -> None:
    with pytest.warns(RuntimeWarning, match="shared cache"):
        response = pyramid_app(["public, max-age=60"], write).get("/")
    assert response.headers.getall("Cache-Control") == ["public, max-age=60"]
