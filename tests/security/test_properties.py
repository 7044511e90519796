"""Properties, checked with Hypothesis over the codec, the store and the middleware.

- Any text or byte string as a cookie value never raises out of the store
  or the middleware and never yields data.
- Any JSON-serializable session round-trips through the middleware.
- Any mutation of a valid cookie value yields an empty session.
- The cookie header parser finds exactly what werkzeug's finds.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from setcookie import signed_value
from shared import NOW, SECRET, SECURITY
from webtest import TestApp
from werkzeug.sansio.http import parse_cookie as werkzeug_parse_cookie

from signedsession import (
    SessionMiddleware,
    SessionSettings,
    SessionStore,
    TaggedJSONSerializer,
)
from signedsession._codec import Codec
from signedsession._headers import parse_cookie
from signedsession.exceptions import InvalidCookie

SETTINGS = SessionSettings(secret_key=SECRET)
TAGGED = SessionSettings(secret_key=SECRET, serializer=TaggedJSONSerializer())

PROPERTY = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@pytest.fixture(autouse=True)
def frozen(clock: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The clock fixture's moment for every example; rejections logged quietly."""
    monkeypatch.setattr(logging.getLogger(SECURITY), "disabled", True)


# -- strategies ---------------------------------------------------------------

# JSON's values; text without lone surrogates, which UTF-8 cannot carry.
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | TEXT
)
JSON = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4)
    ),
    max_leaves=8,
)
SESSIONS = st.dictionaries(TEXT, JSON, max_size=4)

#: Anything a client can put in a header, as PEP 3333 delivers it (latin-1).
HEADER_TEXT = st.text(st.characters(min_codepoint=0, max_codepoint=255))
COOKIE_VALUES = (
    st.text()
    | st.binary().map(lambda raw: raw.decode("latin-1"))
    | st.from_regex(r"[A-Za-z0-9_~-]{0,40}(\.[A-Za-z0-9_-]{0,40}){4}", fullmatch=True)
)


# -- the store and the codec: arbitrary values ------------------------------------


@PROPERTY
@given(value=COOKIE_VALUES)
def test_any_string_as_a_cookie_value_gives_an_empty_session(value: str) -> None:
    for settings_ in (SETTINGS, TAGGED):
        store = SessionStore(value, settings=settings_)
        assert dict(store.items()) == {}
        assert store.session_key is None


@PROPERTY
@given(value=COOKIE_VALUES)
def test_codec_rejects_any_string_with_invalid_cookie_only(value: str) -> None:
    with pytest.raises(InvalidCookie) as info:
        Codec.of(SETTINGS).loads(value)
    assert info.value.reason in {
        "bad signature",
        "malformed",
        "too large",
    }


@PROPERTY
@given(data=SESSIONS)
def test_any_serializable_session_round_trips_through_the_codec(
    data: dict[str, Any],
) -> None:
    value = Codec.of(SETTINGS).dumps(data, session_id="id", created=1, issued=int(NOW))
    assert Codec.of(SETTINGS).loads(value).data == data


# -- the middleware -------------------------------------------------------------


def echo_app(settings_: SessionSettings) -> TestApp:
    """``GET`` shows the session as JSON; ``POST`` replaces it with the body."""

    def inner(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        session = environ[settings_.environ_key]
        if environ["REQUEST_METHOD"] == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            session.clear()
            session.update(json.loads(environ["wsgi.input"].read(length)))
        body = json.dumps(dict(session.items())).encode()
        start_response(
            "200 OK",
            [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
        )
        return [body]

    return TestApp(SessionMiddleware(inner, settings_), lint=True)


APP = echo_app(SETTINGS)


@PROPERTY
@given(header=HEADER_TEXT)
def test_any_cookie_header_gives_an_empty_session_and_no_error(header: str) -> None:
    APP.reset()
    response = APP.get("/", extra_environ={"HTTP_COOKIE": header}, status="*")
    assert response.status_int == 200
    assert response.json == {}


@PROPERTY
@given(value=COOKIE_VALUES)
def test_any_session_cookie_value_gives_an_empty_session_and_no_error(
    value: str,
) -> None:
    APP.reset()
    response = APP.get(
        "/", extra_environ={"HTTP_COOKIE": f"session={value}"}, status="*"
    )
    assert response.status_int == 200
    assert response.json == {}


@PROPERTY
@given(data=SESSIONS)
def test_any_serializable_session_round_trips_through_the_middleware(
    data: dict[str, Any],
) -> None:
    APP.reset()
    posted = APP.post("/", json.dumps(data), content_type="application/json")
    assert posted.json == data
    response = APP.get("/")
    assert response.json == data
    issued = [c.value for c in APP.cookiejar if c.name == "session"]
    assert [dict(SessionStore(v, settings=SETTINGS).items()) for v in issued] == (
        [data] if data else []
    )


# -- mutations of a valid cookie --------------------------------------------------

#: Characters that a cookie value can hold without changing how the header
#: splits into cookies (space, tab, ``;`` and ``"`` are header syntax).
VALUE_CHARS = st.characters(
    min_codepoint=0x21, max_codepoint=0xFF, blacklist_characters='";\x7f'
)


@st.composite
def mutations(draw: st.DrawFn, value: str) -> str:
    kind = draw(st.sampled_from(["replace", "insert", "delete", "truncate", "swap"]))
    index = draw(st.integers(0, len(value) - 1))
    if kind == "replace":
        char = draw(VALUE_CHARS.filter(lambda c: c != value[index]))
        return value[:index] + char + value[index + 1 :]
    if kind == "insert":
        text = draw(st.text(VALUE_CHARS, min_size=1, max_size=4))
        return value[:index] + text + value[index:]
    if kind == "delete":
        end = draw(st.integers(index + 1, len(value)))
        return value[:index] + value[end:]
    if kind == "truncate":
        return value[:index]
    other = draw(st.integers(0, len(value) - 1))
    chars = list(value)
    chars[index], chars[other] = chars[other], chars[index]
    return "".join(chars)


@PROPERTY
@given(st.data())
def test_any_mutation_of_a_valid_cookie_gives_an_empty_session(
    data: st.DataObject,
) -> None:
    session = data.draw(SESSIONS.filter(bool), label="session")
    value = signed_value(SETTINGS, session)
    mutated = data.draw(mutations(value), label="mutated")
    assume(mutated != value)
    assert dict(SessionStore(mutated, settings=SETTINGS).items()) == {}
    APP.reset()
    response = APP.get("/", extra_environ={"HTTP_COOKIE": f"session={mutated}"})
    assert response.json == {}


# -- the header parser ------------------------------------------------------------

HEADER_PIECES = st.lists(
    st.sampled_from(
        ["session", "s", "=", ";", " ", "\t", '"', "\\", '\\"', "\\101", "x", "\xa0"]
    )
    | HEADER_TEXT.map(lambda t: t[:3]),
    max_size=30,
).map("".join)


@PROPERTY
@given(header=HEADER_PIECES)
def test_cookie_header_parser_finds_what_werkzeug_finds(header: str) -> None:
    expected = werkzeug_parse_cookie(header).getlist("session")
    assert parse_cookie(header, "session") == expected
