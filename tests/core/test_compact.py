"""The compact cookie format (``cookie_format=2``, the default).

One marker character, then the unpadded URL-safe base64 of the session id,
both timestamps, the data and a 128-bit MAC (docs/format.rst). What both
formats share (expiry, nesting, the decompression cap...) is tested on both
in test_codec.py; this file takes the compact value apart.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import string
import struct
import zlib
from base64 import urlsafe_b64decode, urlsafe_b64encode
from pathlib import Path
from typing import Any, Callable

import pytest
from itsdangerous import Signer
from shared import NOW, OLD_SECRET, SECRET

from signedsession import SessionSettings, SessionStore
from signedsession._codec import DICTIONARY, Codec
from signedsession.exceptions import InvalidCookie

MakeSettings = Callable[..., SessionSettings]
SID = "RPJofPPEjGi1NdL64ZPqeA"
LOGIN = {
    "_user_id": "42",
    "_fresh": True,
    "_id": hashlib.sha512(b"127.0.0.1|Mozilla/5.0").hexdigest(),
    "csrf_token": "Jx0w3c0m2Vq7yT1bGZkQf5nP8rLs4aE6dH9uWiOoKpM",
    "_flashes": [["success", "Welcome back, alice!"], ["info", "3 new messages."]],
}
FORMAT_PAGE = Path(__file__).resolve().parents[2] / "docs" / "format.rst"


def unb64(text: str) -> bytes:
    return urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64(data: bytes) -> str:
    return urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def compact_json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()


def derived_key(secret: str, digest: str = "sha256") -> bytes:
    signer = Signer(
        secret,
        salt="signedsession",
        key_derivation="hmac",
        digest_method=getattr(hashlib, digest),
    )
    return signer.derive_key()


def forge(marker: str, body: bytes, *, secret: str = SECRET) -> str:
    """A compact value around ``body`` (header and data), MAC'd with ``secret``."""
    text = marker + b64(body)
    tag = hmac.new(derived_key(secret), text.encode(), "sha256").digest()
    return text + b64(tag[:16])


def fields(value: str) -> tuple[bytes, bytes]:
    """A signed compact value's header-and-data bytes and MAC bytes."""
    return unb64(value[1:-22]), unb64(value[-22:])


def header(created: int = NOW, issued: int = NOW, sid: str = SID) -> bytes:
    return unb64(sid) + struct.pack(">II", created, issued)


def packed(raw: bytes) -> bytes:
    deflater = zlib.compressobj(9, zlib.DEFLATED, -15, 8, 0, DICTIONARY)
    return deflater.compress(raw) + deflater.flush()


def reason(codec: Codec, value: str) -> str:
    with pytest.raises(InvalidCookie) as info:
        codec.loads(value)
    return info.value.reason


def dumps(codec: Codec, data: dict[str, Any], **times: int) -> str:
    times.setdefault("created", NOW)
    times.setdefault("issued", NOW)
    return codec.dumps(data, session_id=SID, **times)


@pytest.fixture
def codec(settings: SessionSettings) -> Codec:
    return Codec.of(settings)


# -- the value, field by field --------------------------------------------------


def test_default_value_is_marker_header_data_and_truncated_hmac(
    codec: Codec, clock: Any
) -> None:
    value = dumps(codec, {"user_id": 42}, created=NOW - 100)
    assert value[0] == "$"
    assert re.fullmatch(r"[A-Za-z0-9_-]+", value[1:])
    blob, mac = fields(value)
    assert blob[:16] == unb64(SID)
    assert value[1:22] == SID[:21]  # the id's 128 bits come first
    assert struct.unpack(">II", blob[16:24]) == (NOW - 100, NOW)
    assert blob[24:] == b'{"user_id":42}'
    expected = hmac.new(derived_key(SECRET), value[:-22].encode(), "sha256").digest()
    assert mac == expected[:16]
    assert b64(blob) + b64(mac) == value[1:]  # the one spelling


def test_round_trip_gives_data_id_and_timestamps(codec: Codec, clock: Any) -> None:
    value = dumps(codec, {"user_id": 42, "name": "é"}, created=NOW - 100)
    decoded = codec.loads(value)
    assert decoded[:5] == ({"user_id": 42, "name": "é"}, SID, NOW - 100, NOW, 0)
    assert decoded.encrypted is False


def test_store_keeps_its_session_id_across_compact_saves(
    settings: SessionSettings, clock: Any
) -> None:
    store = SessionStore(settings=settings)
    store["a"] = 1
    store.save()
    first = store.session_id
    assert first is not None and store.session_key.startswith("$")
    again = SessionStore(store.session_key, settings=settings)
    again["b"] = 2
    again.save()
    assert again.session_id == first
    loaded = SessionStore(again.session_key, settings=settings)
    loaded.load()
    assert loaded.session_id == first


def test_large_data_is_deflated_with_the_dictionary(codec: Codec, clock: Any) -> None:
    value = dumps(codec, LOGIN)
    assert value[0] == "^"
    blob, _ = fields(value)
    inflater = zlib.decompressobj(-15, zdict=DICTIONARY)
    assert inflater.decompress(blob[24:]) == compact_json(LOGIN)
    assert codec.loads(value).data == LOGIN


def test_the_dictionary_makes_login_sessions_shorter_than_plain_deflate(
    codec: Codec, clock: Any
) -> None:
    raw = compact_json(LOGIN)
    plain = zlib.compressobj(9, zlib.DEFLATED, -13)
    plain_size = len(plain.compress(raw) + plain.flush())
    assert len(fields(dumps(codec, LOGIN))[0]) - 24 < plain_size - 25


def test_data_that_would_not_shrink_is_carried_raw(codec: Codec, clock: Any) -> None:
    text = "".join(c for c in string.printable[:94] if c not in '"\\')
    data = {"k": text}  # 92 different characters: nothing to match
    assert len(compact_json(data)) >= 96  # large enough that deflate is tried
    assert len(packed(compact_json(data))) >= len(compact_json(data))
    value = dumps(codec, data)
    assert value[0] == "$"
    assert fields(value)[0][24:] == compact_json(data)


def test_small_data_is_not_compressed(codec: Codec, clock: Any) -> None:
    data = {"a": "a" * 60}  # compressible, but under 96 bytes
    assert dumps(codec, data)[0] == "$"


def test_compress_false_carries_data_raw(
    make_settings: MakeSettings, clock: Any
) -> None:
    assert dumps(Codec.of(make_settings(compress=False)), LOGIN)[0] == "$"


@pytest.mark.parametrize(
    "data",
    [{}, {"user_id": 42}, {"user_id": 42, "username": "alice", "theme": "dark"}, LOGIN],
    ids=["empty", "new", "small", "login"],
)
def test_compact_is_shorter_than_the_first_format(
    make_settings: MakeSettings, data: dict[str, Any], clock: Any
) -> None:
    compact = dumps(Codec.of(make_settings()), data)
    first = dumps(Codec.of(make_settings(cookie_format=1)), data)
    assert len(compact) <= len(first) - 30


@pytest.mark.parametrize("digest", ["sha1", "sha224", "sha256", "sha384", "sha512"])
def test_every_digest_is_truncated_to_128_bits(
    make_settings: MakeSettings, digest: str, clock: Any
) -> None:
    codec = Codec.of(make_settings(digest=digest))
    value = dumps(codec, {"a": 1})
    expected = hmac.new(derived_key(SECRET, digest), value[:-22].encode(), digest)
    assert fields(value)[1] == expected.digest()[:16]
    assert codec.loads(value).data == {"a": 1}


# -- what is refused ------------------------------------------------------------


@pytest.mark.parametrize("data", [{"a": 1}, LOGIN], ids=["raw", "packed"])
def test_every_single_character_change_is_a_bad_signature(
    codec: Codec, data: dict[str, Any], clock: Any
) -> None:
    value = dumps(codec, data)
    for position, original in enumerate(value):
        for substitute in [c for c in "A_-$^~!0" if c != original][:2]:
            changed = value[:position] + substitute + value[position + 1 :]
            assert codec.try_loads(changed) is None, (position, substitute)


def test_every_truncation_and_extension_is_a_bad_signature(
    codec: Codec, clock: Any
) -> None:
    value = dumps(codec, {"a": 1})
    for end in range(len(value)):
        assert codec.try_loads(value[:end]) is None, end
    for extra in ("A", "AA", "AAAA", ".", "=", "=="):
        assert codec.try_loads(value + extra) is None, extra


def test_swapping_the_marker_is_a_bad_signature(codec: Codec, clock: Any) -> None:
    for data, other in (({"a": 1}, "^"), (LOGIN, "$")):
        value = dumps(codec, data)
        assert reason(codec, other + value[1:]) == "bad signature"


def test_another_spelling_of_the_same_bytes_is_a_bad_signature(
    codec: Codec, clock: Any
) -> None:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    data = {"a": "x"}
    value = dumps(codec, data)
    while len(value[1:-22]) % 4 not in (2, 3):  # the body's last character
        data["a"] += "x"  # has unused bits
        value = dumps(codec, data)
    end = len(value) - 23  # the body's last character
    body = value[:end] + alphabet[alphabet.index(value[end]) | 1] + value[-22:]
    assert fields(body) == fields(value) and body != value
    assert codec.try_loads(body) is None
    # The MAC's 22 characters hold 128 bits: 4 unused in the last one.
    mac = value[:-1] + alphabet[alphabet.index(value[-1]) | 1]
    assert fields(mac) == fields(value) and mac != value
    assert codec.try_loads(mac) is None
    # Characters binascii skips, inside: the same bytes again.
    assert codec.try_loads(value[:5] + "\n" + value[5:]) is None
    assert codec.try_loads(value[:5] + "=" + value[5:]) is None


def test_a_value_too_short_for_header_and_mac_is_a_bad_signature(
    codec: Codec,
) -> None:
    for size in range(0, 41):
        assert codec.try_loads("$" + b64(bytes(size))) is None


def test_signed_with_another_secret_is_a_bad_signature(
    codec: Codec, clock: Any
) -> None:
    value = forge("$", header() + b'{"a":1}', secret=OLD_SECRET)
    assert reason(codec, value) == "bad signature"
    assert codec.loads(forge("$", header() + b'{"a":1}')).data == {"a": 1}


def test_signed_broken_data_is_malformed(codec: Codec, clock: Any) -> None:
    assert reason(codec, forge("$", header() + b"{not json")) == "malformed"
    assert reason(codec, forge("$", header() + b"[1,2]")) == "malformed"
    assert reason(codec, forge("^", header() + b"not deflate")) == "malformed"
    assert reason(codec, forge("$", header())) == "malformed"  # no data


def test_a_leaked_key_spelling_the_id_otherwise_still_loads_its_id(
    codec: Codec, clock: Any
) -> None:
    # The MAC covers the text as sent; binascii skips the dots inside (four:
    # the padding is counted on the whole text). The id is then read from
    # the bytes, not from the text (no KeyError, no 500).
    text = "$" + b64(header() + b'{"a":1}')
    text = text[:22] + "...." + text[22:]
    tag = hmac.new(derived_key(SECRET), text.encode(), "sha256").digest()
    decoded = codec.loads(text + b64(tag[:16]))
    assert decoded.data == {"a": 1}
    assert decoded.session_id == SID
    # Padding inside is refused by binascii: authentic, so "malformed".
    text = text.replace("....", "=")
    tag = hmac.new(derived_key(SECRET), text.encode(), "sha256").digest()
    assert reason(codec, text + b64(tag[:16])) == "malformed"


def test_signed_dictionary_bomb_is_too_large(codec: Codec, clock: Any) -> None:
    bomb = packed(b'{"a":"' + b"x" * 70000 + b'"}')
    assert len(bomb) < 200
    assert reason(codec, forge("^", header() + bomb)) == "too large"


def test_signed_raw_data_over_the_cap_is_too_large(
    make_settings: MakeSettings, clock: Any
) -> None:
    codec = Codec.of(make_settings(max_decompressed_size=1024))
    data = b'{"a":"' + b"x" * 1100 + b'"}'
    assert reason(codec, forge("$", header() + data)) == "too large"


def test_signed_times_are_checked(codec: Codec, clock: Any) -> None:
    assert reason(codec, forge("$", header(issued=NOW + 3600) + b"{}")) == (
        "timestamp in the future"
    )
    assert reason(codec, forge("$", header(NOW, NOW - 10) + b"{}")) == (
        "timestamp in the future"
    )
    assert reason(codec, forge("$", header(NOW - 10**8, NOW - 10**8) + b"{}")) == (
        "expired"
    )


# -- keys -----------------------------------------------------------------------


def test_a_fallback_key_verifies_and_marks_the_value_for_resigning(
    make_settings: MakeSettings, clock: Any
) -> None:
    old = dumps(Codec.of(make_settings(secret_key=OLD_SECRET)), {"a": 1})
    rotated = Codec.of(make_settings(fallback_keys=(OLD_SECRET,)))
    assert rotated.loads(old)[:5] == ({"a": 1}, SID, NOW, NOW, 1)
    assert Codec.of(make_settings()).try_loads(old) is None


def test_a_fallback_digest_verifies(make_settings: MakeSettings, clock: Any) -> None:
    old = dumps(Codec.of(make_settings(digest="sha1")), {"a": 1})
    codec = Codec.of(make_settings(digest="sha512", fallback_digests=("sha1",)))
    assert codec.loads(old).key_index == 1


# -- switching formats ----------------------------------------------------------


@pytest.mark.parametrize(
    "data", [{"a": 1}, LOGIN, {"k": "x" * 300}], ids=["raw", "login", "repetitive"]
)
@pytest.mark.parametrize("before", [(1, False), (1, True), (2, False), (2, True)])
@pytest.mark.parametrize("after", [(1, False), (1, True), (2, False), (2, True)])
def test_a_payload_is_issued_again_in_whatever_format_is_written_now(
    make_settings: MakeSettings,
    data: dict[str, Any],
    before: tuple[int, bool],
    after: tuple[int, bool],
    clock: Any,
) -> None:
    old = Codec.of(make_settings(cookie_format=before[0], encrypt=before[1]))
    new = Codec.of(make_settings(cookie_format=after[0], encrypt=after[1]))
    decoded = new.loads(dumps(old, data, created=NOW - 50))
    assert decoded.data == data
    assert decoded.payload is not None
    value = new.sign(decoded.payload, session_id=SID, created=NOW - 50, issued=NOW)
    assert new.loads(value)[:4] == (data, SID, NOW - 50, NOW)
    if not after[1]:  # encrypted values differ by their random nonce
        fresh = new.dumps(data, session_id=SID, created=NOW - 50, issued=NOW)
        assert value == fresh
    markers = {(1, False): "~eyJ", (1, True): "!", (2, False): "$^", (2, True): "|:"}
    assert value[0] in markers[after]


@pytest.mark.parametrize(
    ("session_id", "created"),
    [
        ("not-a-compact-id", NOW),  # 16 characters
        ("RPJofPPEjGi1NdL64ZPqeB", NOW),  # 22, not the spelling of 16 bytes
        (SID, 2**32 + 5),  # after 2106
    ],
    ids=["short id", "non-canonical id", "after 2106"],
)
def test_what_the_compact_header_cannot_hold_is_written_in_the_first_format(
    codec: Codec, clock: Any, session_id: str, created: int
) -> None:
    clock.advance(created - NOW)
    value = codec.dumps(
        {"a": 1}, session_id=session_id, created=created, issued=created
    )
    assert value.count(".") == 4
    assert codec.loads(value)[:4] == ({"a": 1}, session_id, created, created)


def test_cookie_format_1_writes_the_first_format_and_reads_both(
    make_settings: MakeSettings, clock: Any
) -> None:
    first = Codec.of(make_settings(cookie_format=1))
    compact = dumps(Codec.of(make_settings()), {"a": 1})
    assert dumps(first, {"a": 1}).count(".") == 4
    assert first.loads(compact).data == {"a": 1}


@pytest.mark.parametrize(
    ("value", "error"),
    [(0, ValueError), (3, ValueError), ("2", TypeError), (2.0, TypeError)],
)
def test_cookie_format_accepts_only_1_or_2(
    make_settings: MakeSettings, value: Any, error: type[Exception]
) -> None:
    with pytest.raises(error, match="cookie_format"):
        make_settings(cookie_format=value)


# -- encrypted ------------------------------------------------------------------


@pytest.mark.parametrize("size", [0, 1, 2, 3, 50, 311, 1000, 3000])
def test_encrypted_is_15_or_16_characters_longer_than_signed(
    make_settings: MakeSettings, size: int, clock: Any
) -> None:
    data = {"k": b64(bytes(range(256)) * 12)[:size]}
    signed = dumps(Codec.of(make_settings()), data)
    sealed = dumps(Codec.of(make_settings(encrypt=True)), data)
    assert len(signed) + 15 <= len(sealed) <= len(signed) + 16
    assert sealed[0] == {"$": "|", "^": ":"}[signed[0]]


def test_the_encrypted_marker_is_authenticated(
    make_settings: MakeSettings, clock: Any
) -> None:
    codec = Codec.of(make_settings(encrypt=True))
    for data in ({"a": 1}, LOGIN):
        value = dumps(codec, data)
        assert codec.loads(value).encrypted is True
        for other in "|:!":
            if other != value[0]:
                assert codec.try_loads(other + value[1:]) is None, other


def test_is_encrypted_knows_every_encrypted_marker(
    make_settings: MakeSettings, clock: Any
) -> None:
    for encrypt in (False, True):
        for cookie_format in (1, 2):
            codec = Codec.of(
                make_settings(encrypt=encrypt, cookie_format=cookie_format)
            )
            for data in ({"a": 1}, LOGIN):
                assert Codec.is_encrypted(dumps(codec, data)) is encrypt
    assert Codec.is_encrypted("") is False


# -- the format page ------------------------------------------------------------


def test_the_format_page_shows_the_dictionary() -> None:
    page = FORMAT_PAGE.read_text(encoding="utf-8")
    shown = re.search(
        r"\.\. dictionary begin\n\n(.*?)\n\n\.\. dictionary end", page, re.S
    )
    assert shown is not None
    lines = [line.strip() for line in shown.group(1).splitlines() if line.strip()]
    assert lines[0] == "::"
    assert "".join(lines[1:]).encode() == DICTIONARY
    assert hashlib.sha256(DICTIONARY).hexdigest() in page
    assert f"{len(DICTIONARY)} bytes" in page


def test_the_format_page_shows_these_compact_known_answers() -> None:
    settings = SessionSettings(secret_key=SECRET)
    codec = Codec(settings)
    page = FORMAT_PAGE.read_text(encoding="utf-8")
    moment = 1_796_000_000
    small = codec.dumps({"user_id": 42}, session_id=SID, created=moment, issued=moment)
    login = codec.dumps(LOGIN, session_id=SID, created=moment, issued=moment)
    assert small in page
    assert login in page
    assert f"({len(small)} bytes)" in page
    assert f"({len(login)} bytes)" in page


# -- the switch completes as users come back --------------------------------------


def test_a_first_format_value_is_reissued_compact(
    make_settings: MakeSettings, clock: Any
) -> None:
    old = dumps(Codec.of(make_settings(cookie_format=1)), {"a": 1})
    store = SessionStore(old, settings=make_settings())
    assert store["a"] == 1
    assert store.needs_resign
    store.save()
    assert store.session_key is not None and store.session_key[0] == "$"
    again = SessionStore(store.session_key, settings=make_settings())
    assert again["a"] == 1 and not again.needs_resign
    assert again.session_id == SID


def test_a_compact_value_is_reissued_in_the_first_format_under_format_1(
    make_settings: MakeSettings, clock: Any
) -> None:
    compact = dumps(Codec.of(make_settings()), {"a": 1})
    store = SessionStore(compact, settings=make_settings(cookie_format=1))
    assert store["a"] == 1
    assert store.needs_resign
    store.save()
    assert store.session_key is not None and store.session_key.count(".") == 4


def test_a_value_only_the_first_format_can_hold_is_not_reissued(
    make_settings: MakeSettings, clock: Any
) -> None:
    codec = Codec.of(make_settings())
    value = codec.dumps({"a": 1}, session_id="custom-id", created=NOW, issued=NOW)
    store = SessionStore(value, settings=make_settings())
    assert store["a"] == 1
    assert not store.needs_resign


def test_the_middleware_reissues_a_first_format_cookie_compact(
    make_settings: MakeSettings, clock: Any
) -> None:
    from webtest import TestApp

    from signedsession import SessionMiddleware

    settings = make_settings()

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        body = str(environ[settings.environ_key].get("a")).encode()
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [body]

    client = TestApp(SessionMiddleware(app, settings))
    old = dumps(Codec.of(make_settings(cookie_format=1)), {"a": 1})
    response = client.get("/", headers={"Cookie": f"session={old}"})
    assert response.text == "1"
    new = response.headers["Set-Cookie"].split(";")[0].removeprefix("session=")
    assert new[0] == "$"
    assert Codec.of(settings).loads(new).session_id == SID
    response = client.get("/", headers={"Cookie": f"session={new}"})
    assert response.text == "1"
    assert "Set-Cookie" not in response.headers  # once, then left alone
