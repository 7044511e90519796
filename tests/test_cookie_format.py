"""CookieHeaders's shortcuts give exactly what werkzeug gives.

``CookieHeaders.set_cookie`` formats the attributes once per (max_age,
secure) and the Expires date once per second; these tests hold that
shortcut to dump_cookie's output across the settings matrix.
``CookieHeaders.values`` splits a header without quotes by hand; a property
test holds it to werkzeug's ``parse_cookie``.
"""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any, Callable

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from werkzeug.http import dump_cookie
from werkzeug.sansio.http import parse_cookie

import signedsession._clock
from signedsession import SessionSettings
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
