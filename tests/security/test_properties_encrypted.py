"""Properties of encrypt=True, checked with Hypothesis.

- Any serializable session (JSON's values, and the tagged serializer's
  tuples, bytes, datetimes, UUIDs, Decimals) round-trips through the
  encrypted codec, compressed or not, and through the middleware.
- Switching the format either way keeps any session and re-issues it in
  the new format.
- Any value that starts like an envelope, and any mutation of a genuine
  one, gives an empty session and never an error.
"""

from __future__ import annotations

import json
import logging
import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from shared import NOW, SECRET
from webtest import TestApp

import signedsession._clock
from signedsession import (
    SessionMiddleware,
    SessionSettings,
    SessionStore,
    TaggedJSONSerializer,
)
from signedsession._codec import Codec
from signedsession.inspection import is_encrypted

ENCRYPTED = SessionSettings(secret_key=SECRET, encrypt=True)
UNCOMPRESSED = SessionSettings(secret_key=SECRET, encrypt=True, compress=False)
TAGGED = SessionSettings(
    secret_key=SECRET, encrypt=True, serializer=TaggedJSONSerializer()
)

PROPERTY = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@pytest.fixture(autouse=True)
def frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(signedsession._clock, "time", lambda: float(NOW))
    monkeypatch.setattr(logging.getLogger("signedsession.security"), "disabled", True)


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
#: What TaggedJSONSerializer carries beyond JSON (as Flask's tags do).
TAGGED_SCALARS = (
    SCALARS
    | st.binary(max_size=16)
    | st.uuids()
    | st.decimals(allow_nan=False, allow_infinity=False, places=3)
    | st.datetimes(
        min_value=datetime(1970, 1, 2),
        max_value=datetime(9999, 1, 1),
        timezones=st.just(timezone.utc),
    ).map(lambda moment: moment.replace(microsecond=0))
)
TAGGED_VALUES = st.recursive(
    TAGGED_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.lists(inner, max_size=4).map(tuple)
        | st.dictionaries(TEXT, inner, max_size=4)
    ),
    max_leaves=8,
)
TAGGED_SESSIONS = st.dictionaries(TEXT, TAGGED_VALUES, max_size=4)


def dumps(settings_: SessionSettings, data: dict[str, Any]) -> str:
    return Codec.of(settings_).dumps(data, session_id="id", created=NOW, issued=NOW)


@PROPERTY
@given(data=SESSIONS)
def test_any_json_session_round_trips_encrypted(data: dict[str, Any]) -> None:
    for settings_ in (ENCRYPTED, UNCOMPRESSED):
        value = dumps(settings_, data)
        assert value[0] == "!" and "." not in value
        decoded = Codec.of(settings_).loads(value)
        assert (decoded.data, decoded.encrypted) == (data, True)


@PROPERTY
@given(data=TAGGED_SESSIONS)
def test_any_tagged_session_round_trips_encrypted(data: dict[str, Any]) -> None:
    value = dumps(TAGGED, data)
    assert Codec.of(TAGGED).loads(value).data == data


def test_the_tagged_strategy_reaches_every_tag() -> None:
    sample = {
        "b": b"\x00",
        "t": (1, 2),
        "u": uuid.UUID(int=1),
        "d": Decimal("1.5"),
        "m": datetime(2027, 1, 1, tzinfo=timezone.utc) + timedelta(seconds=1),
    }
    assert Codec.of(TAGGED).loads(dumps(TAGGED, sample)).data == sample


@PROPERTY
@given(data=SESSIONS.filter(bool), encrypt_before=st.booleans())
def test_switching_the_format_keeps_any_session(
    data: dict[str, Any], encrypt_before: bool
) -> None:
    before = SessionSettings(secret_key=SECRET, encrypt=encrypt_before)
    after = SessionSettings(secret_key=SECRET, encrypt=not encrypt_before)
    store = SessionStore(dumps(before, data), settings=after)
    assert dict(store.items()) == data
    assert store.needs_resign
    store.save()
    assert store.session_key is not None
    assert Codec.is_encrypted(store.session_key) is (not encrypt_before)
    assert Codec.of(after).loads(store.session_key).data == data


ENVELOPE_LIKE = st.from_regex(r"![A-Za-z0-9_-]{0,400}", fullmatch=True) | st.text().map(
    lambda text: "!" + text
)


@PROPERTY
@given(value=ENVELOPE_LIKE)
def test_any_envelope_like_value_gives_an_empty_session(value: str) -> None:
    for settings_ in (ENCRYPTED, TAGGED):
        store = SessionStore(value, settings=settings_)
        assert dict(store.items()) == {}
        assert store.session_key is None


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


APP = echo_app(ENCRYPTED)


@PROPERTY
@given(st.data())
def test_any_mutation_of_an_encrypted_cookie_gives_an_empty_session(
    data: st.DataObject,
) -> None:
    session = data.draw(SESSIONS.filter(bool), label="session")
    value = dumps(ENCRYPTED, session)
    mutated = data.draw(mutations(value), label="mutated")
    assume(mutated != value)
    assert dict(SessionStore(mutated, settings=ENCRYPTED).items()) == {}
    APP.reset()
    response = APP.get("/", extra_environ={"HTTP_COOKIE": f"session={mutated}"})
    assert response.json == {}


@PROPERTY
@given(data=SESSIONS)
def test_any_session_round_trips_encrypted_through_the_middleware(
    data: dict[str, Any],
) -> None:
    APP.reset()
    posted = APP.post("/", json.dumps(data), content_type="application/json")
    assert posted.json == data
    assert APP.get("/").json == data
    issued = [c.value for c in APP.cookiejar if c.name == "session"]
    assert all(is_encrypted(value) for value in issued)
    assert [Codec.of(ENCRYPTED).loads(v).data for v in issued] == (
        [data] if data else []
    )


_URLSAFE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


@given(
    st.text(alphabet=st.sampled_from(_URLSAFE + "=+/*. \n\t\x00"), max_size=16).map(
        str.encode
    )
)
def test_only_the_one_base64_spelling_of_the_bytes_is_canonical(text: bytes) -> None:
    import base64
    import binascii

    from signedsession._base64 import is_canonical

    try:
        data = base64.urlsafe_b64decode(text + b"=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        respelled = None
    else:
        respelled = base64.urlsafe_b64encode(data).rstrip(b"=")
    assert is_canonical(text) == (respelled == text)
