"""FlaskCookieReader: Flask's own session cookies, read for ``migrate_from``.

The reader needs no Flask; the cookies here are made by Flask itself
(``setcookie.flask_cookie``) or by itsdangerous with Flask's parameters.
"""

from __future__ import annotations

import hashlib
import time
import zlib
from typing import Any, Callable

import pytest
from itsdangerous import TimestampSigner
from itsdangerous.encoding import base64_encode
from setcookie import flask_cookie
from shared import MONTH, OLD_SECRET, SECRET

from signedsession import SessionSettings
from signedsession.exceptions import InvalidCookie
from signedsession.readers.flask import FlaskCookieReader


@pytest.fixture
def reader(make_settings: Callable[..., SessionSettings]) -> FlaskCookieReader:
    return FlaskCookieReader(make_settings(fallback_keys=(OLD_SECRET,), max_age=MONTH))


def flask_signed(payload: bytes, secret: str = SECRET) -> str:
    signer = TimestampSigner(
        secret, salt="cookie-session", key_derivation="hmac", digest_method=hashlib.sha1
    )
    return signer.sign(payload).decode("ascii")


def test_reader_decodes_a_flask_cookie(reader: FlaskCookieReader) -> None:
    before = int(time.time())
    decoded = reader.loads(flask_cookie(SECRET, {"n": 1, "t": (1, 2)}))
    assert decoded.data == {"n": 1, "t": (1, 2)}
    assert decoded.key_index == -1
    assert decoded.created == decoded.issued
    assert before <= decoded.issued <= time.time()
    assert len(decoded.session_id) >= 16


def test_reader_tries_the_fallback_keys(reader: FlaskCookieReader) -> None:
    assert reader.loads(flask_cookie(OLD_SECRET, {"n": 1})).data == {"n": 1}


def test_reader_decodes_a_compressed_flask_cookie(reader: FlaskCookieReader) -> None:
    value = flask_cookie(SECRET, {"text": "abc" * 500})
    assert value.startswith(".")
    assert reader.loads(value).data == {"text": "abc" * 500}


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        pytest.param(
            flask_signed(b"eyJuIjoxfQ", OLD_SECRET + "x"),
            "bad signature",
            id="other-key",
        ),
        pytest.param("no-dots-at-all", "bad signature", id="garbage"),
        pytest.param(
            flask_signed(b"eyJuIjoxfQ")[:-2] + "AA", "bad signature", id="tampered"
        ),
        pytest.param(flask_signed(b"!!!"), "malformed", id="bad-base64"),
        pytest.param(
            flask_signed(base64_encode(b"[1,2]")), "malformed", id="not-a-dict"
        ),
        pytest.param(
            flask_signed(base64_encode(b'{" t": 5}')), "malformed", id="bad-tag"
        ),
        pytest.param(
            flask_signed(b"." + base64_encode(b"not zlib")), "malformed", id="bad-zlib"
        ),
        pytest.param(
            flask_signed(
                b"." + base64_encode(zlib.compress(b'{"a":"' + b"x" * 100_000 + b'"}'))
            ),
            "too large",
            id="zip-bomb",
        ),
    ],
)
def test_reader_rejects(reader: FlaskCookieReader, value: str, reason: str) -> None:
    with pytest.raises(InvalidCookie) as info:
        reader.loads(value)
    assert info.value.reason == reason


def test_reader_enforces_max_age_and_clock_skew(
    reader: FlaskCookieReader, clock: Any
) -> None:
    value = flask_signed(base64_encode(b'{"n":1}'))
    issued = int(time.time())
    clock.now = issued + MONTH + 1
    with pytest.raises(InvalidCookie, match="expired"):
        reader.loads(value)
    clock.now = issued - 61
    with pytest.raises(InvalidCookie, match="timestamp in the future"):
        reader.loads(value)
    clock.now = issued - 59
    assert reader.loads(value).data == {"n": 1}
