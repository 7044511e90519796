"""Codec: the signed cookie value, its verification order and its limits.

Every test runs on both formats (``cookie_format`` 1 and 2) unless it takes
a format's value apart: those name theirs. tests/core/test_compact.py has
the compact format's own.
"""

from __future__ import annotations

import hashlib
import hmac as std_hmac
import json
import string
import time
import zlib
from base64 import urlsafe_b64encode
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from shared import NOW, OLD_SECRET, SECRET

import signedsession._codec
from signedsession import JSONSerializer, SessionSettings, TaggedJSONSerializer
from signedsession._codec import EXPIRY_KEY, Codec, Decoded, new_session_id
from signedsession.exceptions import InvalidCookie, SessionTooLarge

OLDER_SECRET = "the-oldest-secret-key-32-bytes-long!!!"
SID = "AAAAAAAAAAAAAAAAAAAAAA"

MakeSettings = Callable[..., SessionSettings]
PROPERTY = hypothesis_settings(max_examples=150, deadline=None)


def b64(data: bytes) -> bytes:
    return urlsafe_b64encode(data).rstrip(b"=")


def deflate(raw: bytes) -> bytes:
    deflater = zlib.compressobj(9, zlib.DEFLATED, -15)
    return deflater.compress(raw) + deflater.flush()


def sign_payload(
    codec: Codec,
    payload: bytes,
    *,
    created: int = NOW,
    issued: int = NOW,
    key_index: int = 0,
) -> str:
    """A value signed with the codec's own key, around an arbitrary payload."""
    body = b"%s.%s.%x.%x" % (payload, SID.encode(), created, issued)
    mac = codec._macs[key_index]
    return (body + b"." + Codec._signature(mac, body)).decode("ascii")


def dumps(
    codec: Codec, data: dict[str, Any], *, created: int = NOW, issued: int = NOW
) -> str:
    return codec.dumps(data, session_id=SID, created=created, issued=issued)


def reason(codec: Codec, value: str) -> str:
    with pytest.raises(InvalidCookie) as info:
        codec.loads(value)
    return info.value.reason


@pytest.fixture(params=[1, 2], ids=["format1", "format2"])
def cookie_format(request: pytest.FixtureRequest) -> int:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def make_settings(make_settings: MakeSettings, cookie_format: int) -> MakeSettings:
    def make(**fields: Any) -> SessionSettings:
        fields.setdefault("cookie_format", cookie_format)
        return make_settings(**fields)

    return make


FORMAT_1 = pytest.mark.parametrize("cookie_format", [1], ids=["format1"])


@pytest.fixture
def codec(settings: SessionSettings) -> Codec:
    return Codec.of(settings)


# -- round trip and format --------------------------------------------------------


@FORMAT_1
def test_round_trip_returns_data_id_and_timestamps(codec: Codec, clock: Any) -> None:
    value = dumps(codec, {"user_id": 42, "name": "é"}, created=NOW - 100)
    assert codec.loads(value) == Decoded(
        {"user_id": 42, "name": "é"},
        SID,
        NOW - 100,
        NOW,
        0,
        value.split(".")[0].encode(),
    )


@FORMAT_1
def test_sign_issues_a_verified_payload_again(
    codec: Codec, make_settings: MakeSettings, clock: Any
) -> None:
    # Compressed, so the payload is not what a fresh serialization of the
    # data with compress=False would give: sign() must not re-encode.
    value = dumps(codec, {"text": "abc" * 100}, created=NOW - 100)
    decoded = codec.loads(value)
    assert decoded.payload is not None and decoded.payload.startswith(b"~")
    clock.advance(5)
    plain = Codec.of(make_settings(compress=False))
    again = plain.sign(
        decoded.payload, session_id=SID, created=decoded.created, issued=NOW + 5
    )
    assert again.split(".")[0] == value.split(".")[0]
    assert plain.loads(again)[:4] == ({"text": "abc" * 100}, SID, NOW - 100, NOW + 5)


@FORMAT_1
def test_value_has_five_ascii_fields(codec: Codec, clock: Any) -> None:
    value = dumps(codec, {"user_id": 42}, created=NOW - 1)
    payload, session_id, created, issued, signature = value.split(".")
    assert value.isascii()
    assert payload == b64(b'{"user_id":42}').decode()
    assert session_id == SID
    assert created == f"{NOW - 1:x}"
    assert issued == f"{NOW:x}"
    assert len(signature) == 43  # sha256, unpadded base64


def test_codec_is_built_once_per_settings(settings: SessionSettings) -> None:
    assert Codec.of(settings) is Codec.of(settings)


def test_new_session_ids_are_random_and_url_safe() -> None:
    ids = {new_session_id() for _ in range(50)}
    assert len(ids) == 50
    assert all(
        len(i) == 22 and set(i) <= set(string.ascii_letters + string.digits + "-_")
        for i in ids
    )


# -- compression ------------------------------------------------------------------


@FORMAT_1
def test_compresses_when_it_makes_the_value_shorter(
    make_settings: MakeSettings, clock: Any
) -> None:
    data = {"cart": [f"item-{i % 3}" for i in range(200)]}
    packed = dumps(Codec.of(make_settings()), data)
    plain = dumps(Codec.of(make_settings(compress=False)), data)
    assert packed.startswith("~")
    assert not plain.startswith("~")
    assert len(packed) < len(plain) // 5
    assert Codec.of(make_settings()).loads(packed).data == data


@FORMAT_1
def test_does_not_compress_when_it_would_not_shorten(
    make_settings: MakeSettings, clock: Any
) -> None:
    text = "".join(c for c in string.printable[:94] if c not in '"\\')
    data = {"k": text}
    raw = json.dumps(data, separators=(",", ":")).encode()
    assert len(raw) >= 96  # large enough that compression is attempted
    assert len(b64(deflate(raw))) + 1 >= len(b64(raw))
    packed = dumps(Codec.of(make_settings()), data)
    assert not packed.startswith("~")
    assert packed.split(".")[0] == b64(raw).decode()


@FORMAT_1
def test_small_values_are_not_compressed(codec: Codec, clock: Any) -> None:
    assert (
        dumps(codec, {"a": "a" * 60}).split(".")[0]
        == b64(b'{"a":"' + b"a" * 60 + b'"}').decode()
    )


def test_compress_false_never_compresses(
    make_settings: MakeSettings, clock: Any
) -> None:
    value = dumps(Codec.of(make_settings(compress=False)), {"a": "a" * 1000})
    assert not value.startswith("~")


# -- decompression cap ------------------------------------------------------------


class InflateSpy:
    """Stands in for the zlib module inside the codec and counts what it inflates."""

    error = zlib.error

    def __init__(self) -> None:
        self.objects = 0
        self.inflated = 0

    def decompressobj(self, wbits: int) -> Any:
        self.objects += 1
        real = zlib.decompressobj(wbits)
        spy = self

        class Inflater:
            def decompress(self, data: bytes, max_length: int = 0) -> bytes:
                out = real.decompress(data, max_length)
                spy.inflated += len(out)
                return out

            @property
            def unconsumed_tail(self) -> bytes:
                return real.unconsumed_tail

            @property
            def eof(self) -> bool:
                return real.eof

        return Inflater()

    def compressobj(self, *args: Any) -> Any:
        return zlib.compressobj(*args)


@pytest.fixture
def inflate_spy(monkeypatch: pytest.MonkeyPatch) -> InflateSpy:
    spy = InflateSpy()
    monkeypatch.setattr(signedsession._codec, "zlib", spy)
    return spy


def zip_bomb() -> bytes:
    raw = b'{"a":"' + b"a" * 2_500_000 + b'"}'
    return b"~" + b64(deflate(raw))


def test_signed_zip_bomb_is_rejected_as_too_large_without_inflating_it(
    codec: Codec, clock: Any, inflate_spy: InflateSpy
) -> None:
    value = sign_payload(codec, zip_bomb())
    assert len(value) <= 4093
    assert reason(codec, value) == "too large"
    assert inflate_spy.objects == 1
    assert inflate_spy.inflated <= 65536


def test_tampered_zip_bomb_is_a_bad_signature_and_never_inflated(
    make_settings: MakeSettings, clock: Any, inflate_spy: InflateSpy
) -> None:
    calls: list[bytes] = []

    class SpySerializer(JSONSerializer):
        def loads(self, data: bytes) -> Any:
            calls.append(data)
            return super().loads(data)

    codec = Codec.of(make_settings(serializer=SpySerializer()))
    value = sign_payload(codec, zip_bomb())
    tampered = value[:-1] + ("A" if value[-1] != "A" else "B")
    assert reason(codec, tampered) == "bad signature"
    assert inflate_spy.objects == 0
    assert calls == []


def test_payload_exactly_at_the_cap_loads(codec: Codec, clock: Any) -> None:
    data = {"a": "x" * (65536 - 8)}
    assert len(codec.serialize(data)) == 65536
    assert codec.loads(dumps(codec, data)).data == data


def test_uncompressed_payload_over_the_cap_is_too_large(
    make_settings: MakeSettings, clock: Any
) -> None:
    codec = Codec.of(make_settings(max_decompressed_size=1024))
    raw = json.dumps({"a": "x" * 1100}).encode()
    assert reason(codec, sign_payload(codec, b64(raw))) == "too large"


def test_serialized_data_over_the_cap_cannot_be_dumped(
    make_settings: MakeSettings,
) -> None:
    codec = Codec.of(make_settings(max_decompressed_size=1024))
    with pytest.raises(SessionTooLarge) as info:
        dumps(codec, {"big": "x" * 2000, "small": 1})
    assert info.value.size == 2020
    assert info.value.limit == 1024
    assert info.value.largest_keys == [("big", 2010), ("small", 11)]
    assert str(info.value) == (
        "session too large: the serialized session would be 2020 bytes, over"
        " the limit of 1024; largest keys: 'big' (2010 bytes), 'small' (11 bytes)"
    )


@pytest.mark.parametrize(
    "payload",
    [b"~" + b64(b"not deflate at all"), b"~" + b64(deflate(b'{"a":1}'))[:-3], b"~!!"],
    ids=["not-deflate", "truncated-stream", "bad-base64"],
)
def test_signed_broken_compressed_payload_is_malformed(
    codec: Codec, clock: Any, payload: bytes
) -> None:
    assert reason(codec, sign_payload(codec, payload)) == "malformed"


# -- the signature is checked first ------------------------------------------------


def test_every_single_byte_change_is_rejected(codec: Codec, clock: Any) -> None:
    value = dumps(codec, {"user_id": 42})
    alphabet = "A_-.~0z="
    checked = 0
    for position, original in enumerate(value):
        for substitute in [c for c in alphabet if c != original][:3]:
            changed = value[:position] + substitute + value[position + 1 :]
            assert reason(codec, changed) == "bad signature", (position, substitute)
            checked += 1
    assert checked == 3 * len(value)


@FORMAT_1
def test_every_single_byte_change_of_a_compressed_value_is_rejected(
    codec: Codec, clock: Any
) -> None:
    value = dumps(codec, {"cart": ["item"] * 40})
    assert value.startswith("~")
    for position, original in enumerate(value):
        substitute = "B" if original != "B" else "C"
        changed = value[:position] + substitute + value[position + 1 :]
        assert reason(codec, changed) == "bad signature", position


def test_every_truncation_is_rejected(codec: Codec, clock: Any) -> None:
    value = dumps(codec, {"user_id": 42})
    for end in range(len(value)):
        assert reason(codec, value[:end]) == "bad signature", end


def test_appended_or_non_ascii_text_is_rejected(codec: Codec, clock: Any) -> None:
    value = dumps(codec, {"user_id": 42})
    assert reason(codec, value + "A") == "bad signature"
    assert reason(codec, value + ".") == "bad signature"
    assert reason(codec, "é" + value[1:]) == "bad signature"


def test_oversized_value_is_rejected_before_any_hmac(
    codec: Codec, monkeypatch: pytest.MonkeyPatch
) -> None:
    signatures: list[bytes] = []
    original = Codec._signature

    def spy(mac: Any, body: bytes) -> bytes:
        signatures.append(body)
        return original(mac, body)

    monkeypatch.setattr(Codec, "_signature", staticmethod(spy))
    assert reason(codec, "a" * 4094) == "too large"
    assert signatures == []
    assert reason(codec, "a" * 4093) == "bad signature"
    assert len(signatures) == 1


@pytest.mark.parametrize("value", [None, b"bytes-value", 12345678], ids=repr)
def test_value_that_is_not_text_is_malformed(codec: Codec, value: Any) -> None:
    assert reason(codec, value) == "malformed"


@pytest.mark.parametrize(
    "raw", [b"[1,2]", b'"text"', b"42", b"null"], ids=["list", "str", "int", "null"]
)
def test_signed_json_that_is_not_an_object_is_malformed(
    codec: Codec, clock: Any, raw: bytes
) -> None:
    assert reason(codec, sign_payload(codec, b64(raw))) == "malformed"


def test_signed_garbage_json_is_malformed(codec: Codec, clock: Any) -> None:
    assert reason(codec, sign_payload(codec, b64(b"{not json"))) == "malformed"


@pytest.mark.parametrize(
    "body",
    [b"payload.sid.1", b"e30.sid.zz.1", b"e30.sid.1.2.3", b"e30"],
    ids=["three-fields", "bad-hex", "six-fields", "one-field"],
)
def test_signed_body_with_wrong_fields_is_malformed(
    codec: Codec, clock: Any, body: bytes
) -> None:
    value = (body + b"." + Codec._signature(codec._macs[0], body)).decode()
    assert reason(codec, value) == "malformed"


# -- keys, digests, salts ----------------------------------------------------------


def test_new_cookie_verifies_with_the_primary_key_only(
    make_settings: MakeSettings, clock: Any
) -> None:
    rotating = Codec.of(make_settings(secret_key=SECRET, fallback_keys=(OLD_SECRET,)))
    value = dumps(rotating, {"a": 1})
    assert Codec.of(make_settings(secret_key=SECRET)).loads(value).key_index == 0
    assert (
        reason(Codec.of(make_settings(secret_key=OLD_SECRET)), value) == "bad signature"
    )


def test_old_cookie_loads_only_while_its_key_is_a_fallback(
    make_settings: MakeSettings, clock: Any
) -> None:
    old = dumps(Codec.of(make_settings(secret_key=OLD_SECRET)), {"a": 1})
    one = Codec.of(make_settings(fallback_keys=(OLD_SECRET,)))
    two = Codec.of(make_settings(fallback_keys=(OLDER_SECRET, OLD_SECRET)))
    gone = Codec.of(make_settings(fallback_keys=(OLDER_SECRET,)))
    assert one.loads(old)[:5] == ({"a": 1}, SID, NOW, NOW, 1)
    assert two.loads(old).key_index == 2
    assert reason(gone, old) == "bad signature"
    assert reason(Codec.of(make_settings()), old) == "bad signature"


@FORMAT_1
@pytest.mark.parametrize(
    ("digest", "length"),
    [("sha1", 27), ("sha224", 38), ("sha256", 43), ("sha384", 64), ("sha512", 86)],
    ids=lambda v: str(v),
)
def test_digest_option_sets_the_signature(
    make_settings: MakeSettings, clock: Any, digest: str, length: int
) -> None:
    codec = Codec.of(make_settings(digest=digest))
    value = dumps(codec, {"a": 1})
    assert len(value.rsplit(".", 1)[1]) == length
    assert codec.loads(value).data == {"a": 1}


@pytest.mark.parametrize(
    ("signed", "verified"),
    [
        ("sha1", "sha256"),
        ("sha512", "sha256"),
        ("sha256", "sha512"),
        ("sha384", "sha1"),
    ],
    ids=lambda v: str(v),
)
def test_mismatched_digests_reject(
    make_settings: MakeSettings, clock: Any, signed: str, verified: str
) -> None:
    value = dumps(Codec.of(make_settings(digest=signed)), {"a": 1})
    assert reason(Codec.of(make_settings(digest=verified)), value) == "bad signature"


def test_salt_separates_signatures(make_settings: MakeSettings, clock: Any) -> None:
    value = dumps(Codec.of(make_settings(salt="app-one")), {"a": 1})
    assert Codec.of(make_settings(salt="app-one")).loads(value).data == {"a": 1}
    assert reason(Codec.of(make_settings(salt="app-two")), value) == "bad signature"
    assert reason(Codec.of(make_settings()), value) == "bad signature"


def test_bytes_and_str_of_the_same_secret_agree(
    make_settings: MakeSettings, clock: Any
) -> None:
    value = dumps(Codec.of(make_settings(secret_key=SECRET)), {"a": 1})
    assert Codec.of(make_settings(secret_key=SECRET.encode())).loads(value).data == {
        "a": 1
    }


@FORMAT_1
def test_signature_is_itsdangerous_hmac_derivation(codec: Codec, clock: Any) -> None:
    from itsdangerous import Signer

    value = dumps(codec, {"a": 1})
    body, signature = value.rsplit(".", 1)
    signer = Signer(
        SECRET,
        salt="signedsession",
        key_derivation="hmac",
        digest_method=hashlib.sha256,
    )
    assert signer.get_signature(body.encode()).decode() == signature


# -- time ------------------------------------------------------------------------


def test_max_age_is_enforced_from_the_signed_timestamp(
    make_settings: MakeSettings, clock: Any
) -> None:
    codec = Codec.of(make_settings(max_age=300))
    value = dumps(codec, {"a": 1})
    clock.advance(300)
    assert codec.loads(value).data == {"a": 1}
    clock.advance(1)
    assert reason(codec, value) == "expired"


def test_max_age_none_means_no_age_limit(
    make_settings: MakeSettings, clock: Any
) -> None:
    codec = Codec.of(make_settings(max_age=None))
    value = dumps(codec, {"a": 1})
    clock.advance(10 * 365 * 86400)
    assert codec.loads(value).data == {"a": 1}


def test_absolute_max_age_counts_from_creation(
    make_settings: MakeSettings, clock: Any
) -> None:
    codec = Codec.of(make_settings(absolute_max_age=3600))
    value = dumps(codec, {"a": 1}, created=NOW - 3600)
    assert codec.loads(value).created == NOW - 3600
    clock.advance(1)
    assert (
        reason(codec, dumps(codec, {"a": 1}, created=NOW - 3600, issued=NOW + 1))
        == "expired"
    )


@pytest.mark.parametrize(
    ("skew", "ahead", "accepted"),
    [(60, 60, True), (60, 61, False), (0, 0, True), (0, 1, False), (300, 300, True)],
    ids=["60-at-60", "60-at-61", "0-at-0", "0-at-1", "300-at-300"],
)
def test_future_timestamp_is_accepted_only_within_clock_skew(
    make_settings: MakeSettings, clock: Any, skew: int, ahead: int, accepted: bool
) -> None:
    codec = Codec.of(make_settings(clock_skew=skew))
    value = dumps(codec, {"a": 1}, created=NOW + ahead, issued=NOW + ahead)
    if accepted:
        assert codec.loads(value).issued == NOW + ahead
    else:
        assert reason(codec, value) == "timestamp in the future"


def test_creation_after_issue_is_rejected(codec: Codec, clock: Any) -> None:
    assert reason(codec, dumps(codec, {}, created=NOW, issued=NOW - 1)) == (
        "timestamp in the future"
    )


def test_per_session_seconds_replace_max_age_even_when_longer(
    make_settings: MakeSettings, clock: Any
) -> None:
    codec = Codec.of(make_settings(max_age=60))
    value = dumps(codec, {EXPIRY_KEY: 3600})
    clock.advance(3600)
    assert codec.loads(value).data == {EXPIRY_KEY: 3600}
    clock.advance(1)
    assert reason(codec, value) == "expired"


def test_per_session_seconds_shorter_than_max_age(
    make_settings: MakeSettings, clock: Any
) -> None:
    codec = Codec.of(make_settings())
    value = dumps(codec, {EXPIRY_KEY: 30})
    clock.advance(31)
    assert reason(codec, value) == "expired"


def test_per_session_zero_keeps_max_age(
    make_settings: MakeSettings, clock: Any
) -> None:
    codec = Codec.of(make_settings(max_age=100))
    value = dumps(codec, {EXPIRY_KEY: 0})
    clock.advance(100)
    assert codec.loads(value).data == {EXPIRY_KEY: 0}
    clock.advance(1)
    assert reason(codec, value) == "expired"


@pytest.mark.parametrize(
    "moment",
    [
        datetime.fromtimestamp(NOW + 500, timezone.utc).isoformat(),
        datetime.fromtimestamp(NOW + 500, timezone.utc)
        .astimezone(timezone(timedelta(hours=-7)))
        .isoformat(),
        datetime.fromtimestamp(NOW + 500, timezone.utc)
        .replace(tzinfo=None)
        .isoformat(),
    ],
    ids=["utc", "minus-7h", "naive-as-utc"],
)
def test_per_session_datetime_is_a_fixed_moment(
    make_settings: MakeSettings, clock: Any, moment: str
) -> None:
    codec = Codec.of(make_settings(max_age=10))
    value = dumps(codec, {EXPIRY_KEY: moment})
    clock.advance(500)  # well past max_age: the fixed moment replaces it
    assert codec.loads(value).data == {EXPIRY_KEY: moment}
    clock.advance(1)
    assert reason(codec, value) == "expired"


@pytest.mark.parametrize(
    "expiry",
    ["tomorrow", -5, 1.5, [1], True],
    ids=["text", "negative", "float", "list", "bool"],
)
def test_signed_invalid_expiry_is_malformed(
    codec: Codec, clock: Any, expiry: Any
) -> None:
    assert reason(codec, dumps(codec, {EXPIRY_KEY: expiry})) == "malformed"


# -- depth ------------------------------------------------------------------------


def nested(depth: int) -> dict[str, Any]:
    """A dict whose JSON has ``depth`` levels of brackets, the outer one included."""
    value: Any = 1
    for _ in range(depth - 1):
        value = [value]
    return {"a": value}


def test_json_nesting_up_to_max_json_depth_loads(
    make_settings: MakeSettings, clock: Any
) -> None:
    codec = Codec.of(make_settings(max_json_depth=5))
    assert codec.loads(dumps(codec, nested(5))).data == nested(5)


def test_json_nesting_over_max_json_depth_is_rejected(
    make_settings: MakeSettings, clock: Any
) -> None:
    codec = Codec.of(make_settings(max_json_depth=5))
    raw = json.dumps(nested(6)).encode()
    assert reason(codec, sign_payload(codec, b64(raw))) == "too deeply nested"


def test_brackets_inside_strings_do_not_count_as_depth(
    make_settings: MakeSettings, clock: Any
) -> None:
    codec = Codec.of(make_settings(max_json_depth=2))
    data = {"a": ["[[[{{{", '\\"[[[', "]]]"]}
    assert codec.loads(dumps(codec, data)).data == data


def test_default_depth_limit_rejects_deep_nesting(codec: Codec, clock: Any) -> None:
    assert codec.loads(dumps(codec, nested(64))).data == nested(64)
    raw = json.dumps(nested(65)).encode()
    assert reason(codec, sign_payload(codec, b64(raw))) == "too deeply nested"


# -- properties ---------------------------------------------------------------------

PROPERTY_SETTINGS = SessionSettings(secret_key=SECRET)
TAGGED_SETTINGS = SessionSettings(secret_key=SECRET, serializer=TaggedJSONSerializer())
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=30,
)
session_dicts = st.dictionaries(
    st.text(max_size=10).filter(lambda k: k != EXPIRY_KEY), json_values, max_size=8
)


@PROPERTY
@given(session_dicts)
def test_any_session_dict_round_trips(data: dict[str, Any]) -> None:
    codec = Codec.of(PROPERTY_SETTINGS)
    value = codec.dumps(
        data, session_id=SID, created=int(time.time()), issued=int(time.time())
    )
    assert value.isascii()
    assert codec.loads(value).data == data


@PROPERTY
@given(
    st.dictionaries(
        st.text(max_size=10).filter(lambda k: k != EXPIRY_KEY),
        st.binary(max_size=20) | st.tuples(st.integers(), st.text()) | st.uuids(),
        max_size=8,
    )
)
def test_any_tagged_session_dict_round_trips(data: dict[str, Any]) -> None:
    codec = Codec.of(TAGGED_SETTINGS)
    value = codec.dumps(
        data, session_id=SID, created=int(time.time()), issued=int(time.time())
    )
    assert codec.loads(value).data == data


@PROPERTY
@given(
    st.text(max_size=300)
    | st.from_regex(r"\A~?[A-Za-z0-9_-]{0,60}(\.[A-Za-z0-9_-]{0,50}){0,6}\Z")
)
def test_any_text_raises_nothing_but_invalid_cookie(text: str) -> None:
    codec = Codec.of(PROPERTY_SETTINGS)
    with pytest.raises(InvalidCookie):
        codec.loads(text)


@PROPERTY
@given(st.binary(max_size=200))
def test_any_signed_payload_raises_nothing_but_invalid_cookie(payload: bytes) -> None:
    codec = Codec.of(TAGGED_SETTINGS)
    now = int(time.time())
    for candidate in (b64(payload), b"~" + b64(payload), b"~" + b64(deflate(payload))):
        try:
            decoded = codec.loads(
                sign_payload(codec, candidate, created=now, issued=now)
            )
        except InvalidCookie:
            continue
        assert isinstance(decoded.data, dict)


def test_data_nested_deeper_than_max_json_depth_cannot_be_dumped(
    make_settings: MakeSettings,
) -> None:
    codec = Codec.of(make_settings(max_json_depth=5))
    assert dumps(codec, {"ok": 1, **nested(5)})
    with pytest.raises(ValueError) as info:
        dumps(codec, {"ok": 1, "deep": nested(6)["a"]})
    assert not isinstance(info.value, (TypeError, SessionTooLarge))
    assert str(info.value) == (
        "session data is nested deeper than max_json_depth (5); deepest key: 'deep'"
    )


@FORMAT_1
@pytest.mark.parametrize("path", ["openssl", "wrapper"])
def test_signature_is_hmac_of_the_body_under_the_derived_key(
    settings: SessionSettings, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    """The format docs' recipe, computed independently, with either HMAC object."""
    if path == "wrapper":  # what _keyed_mac falls back to without OpenSSL's object
        monkeypatch.setattr(
            signedsession._codec,
            "_keyed_mac",
            lambda key, digest: std_hmac.new(key, digestmod=digest),
        )
    value = Codec(settings).dumps(
        {"user_id": 42},
        session_id="A" * 22,
        created=NOW,
        issued=NOW,
    )
    body, _, signature = value.rpartition(".")
    secret = settings.secret_key
    key = std_hmac.new(
        secret.encode() if isinstance(secret, str) else secret,
        settings.salt.encode(),
        hashlib.sha256,
    ).digest()  # itsdangerous' "hmac" key derivation
    expected = std_hmac.new(key, body.encode("ascii"), hashlib.sha256).digest()
    assert signature == urlsafe_b64encode(expected).rstrip(b"=").decode()


def test_try_loads_answers_none_for_what_no_key_signed(
    codec: Codec, make_settings: MakeSettings, clock: Any
) -> None:
    value = dumps(codec, {"a": 1})
    tampered = value[:5] + ("A" if value[5] != "A" else "B") + value[6:]
    other_key = dumps(Codec.of(make_settings(secret_key=OLD_SECRET)), {"a": 1})
    with_fallbacks = Codec.of(make_settings(fallback_keys=(OLDER_SECRET,)))
    assert codec.try_loads(tampered) is None
    assert codec.try_loads(value.replace("A", "é", 1)) is None  # not ASCII
    assert codec.try_loads(other_key) is None
    assert with_fallbacks.try_loads(other_key) is None
    assert codec.try_loads(value) == codec.loads(value)
    for bad in (tampered, other_key):  # loads says the same with a reason
        assert reason(codec, bad) == "bad signature"


def test_decode_raises_for_every_other_fault(codec: Codec, clock: Any) -> None:
    value = dumps(codec, {"a": 1})
    clock.advance(10**9)
    with pytest.raises(InvalidCookie) as info:
        codec.try_loads(value)
    assert info.value.reason == "expired"
    with pytest.raises(InvalidCookie) as info:
        codec.try_loads("x" * 10_000)
    assert info.value.reason == "too large"


def test_try_loads_answers_none_when_no_migrate_from_reader_signed_it(
    make_settings: MakeSettings, clock: Any
) -> None:
    from signedsession.readers.flask import FlaskCookieReader

    migrating = Codec.of(make_settings(migrate_from=(FlaskCookieReader,)))
    assert migrating.try_loads("a" * 40) is None  # not our format, nobody's key
    assert reason(migrating, "a" * 40) == "bad signature"


@pytest.mark.parametrize(
    ("fields", "data", "expected"),
    [
        ({}, {}, NOW + 1209600),  # max_age from the issue time
        ({}, {"_session_expiry": 60}, NOW + 60),  # set_expiry(seconds) wins
        ({}, {"_session_expiry": "2030-01-01T00:00:00+00:00"}, 1893456000),
        ({"absolute_max_age": 30}, {}, NOW - 100 + 30),  # from creation: caps
        ({"max_age": None}, {}, None),
    ],
    ids=["max-age", "session-seconds", "session-date", "absolute-caps", "none"],
)
def test_expires_at_is_when_loads_starts_refusing(
    make_settings: MakeSettings,
    clock: Any,
    fields: dict[str, Any],
    data: dict[str, Any],
    expected: float | None,
) -> None:
    codec = Codec.of(make_settings(**fields))
    value = dumps(codec, data, created=NOW - 100)
    assert codec.expires_at(data, created=NOW - 100, issued=NOW) == expected
    if expected is not None and expected > NOW:
        clock.advance(expected - NOW)
        assert codec.loads(value).data == data  # still valid at the moment
        clock.advance(1)
        assert reason(codec, value) == "expired"


def test_expires_at_refuses_a_stored_expiry_that_is_none(codec: Codec) -> None:
    with pytest.raises(InvalidCookie) as info:
        codec.expires_at({"_session_expiry": "soon"}, created=NOW, issued=NOW)
    assert info.value.reason == "malformed"
