"""encrypt=True: the AES-256-GCM format, rotation, switching, key usage."""

from __future__ import annotations

import base64
import json
import logging
import struct
import sys
import zlib
from typing import Any, Callable

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from shared import NOW, OLD_SECRET, SECRET

import signedsession._aead
from signedsession import SessionSettings, SessionStore, key_usage
from signedsession._codec import Codec
from signedsession._keyusage import LOG_INTERVAL
from signedsession.exceptions import InvalidCookie
from signedsession.inspection import is_encrypted

OLDER_SECRET = "the-oldest-secret-key-of-32-bytes-too"
SESSION_ID = "Ab-_Cd-_Ef-_Gh-_Ij-_Kl"
NONCE = bytes(range(12))

# -- known answers (docs/format.rst) ---------------------------------------------

#: HKDF-SHA256 of SECRET, no salt, info "signedsession aead v1" 0x00 "signedsession".
KEY = "52fee1d2db08d530799784462582aa802abd3e97800e3ac0045197abf0dc340a"
#: {"user": "alice", "n": 41}, created = issued = NOW, nonce 00 01 .. 0b.
SMALL = (
    "!AAECAwQFBgcICQoLBPeEe307vcFlD06XraB5UEhkkK8sH5iCNckrl__srXSTAnLyBSb-"
    "jaanZwLf57epqIJPHZsw_CAPYQHhRnlUU48UrO4m9B-pvEFA8fe_7A"
)
#: {"text": "hello " * 40}, issued a minute later: deflated (flag 1).
DEFLATED = (
    "!AAECAwQFBgcICQoLBPeEe307vcFlD06XraB5bEhkkK8sH5iCNckrl__srXSTAnLyBSb-"
    "jHbTODgXvcQh2ClruTGciRQUq3H2clFRh6-UEOyO50c2OemC1PA"
)


@pytest.fixture
def fixed_nonce(monkeypatch: pytest.MonkeyPatch) -> None:
    """The private seam: only known-answer tests fix the nonce."""
    monkeypatch.setattr(signedsession._aead, "_new_nonce", lambda: NONCE)


def encrypted(**fields: Any) -> SessionSettings:
    return SessionSettings(secret_key=SECRET, encrypt=True, **fields)


def signed(**fields: Any) -> SessionSettings:
    return SessionSettings(secret_key=SECRET, **fields)


def dumps(settings: SessionSettings, data: dict[str, Any], **times: int) -> str:
    return Codec.of(settings).dumps(
        data,
        session_id=SESSION_ID,
        created=times.get("created", NOW),
        issued=times.get("issued", NOW),
    )


def test_derived_key_is_hkdf_sha256_of_the_secret_for_its_salt() -> None:
    key = signedsession._aead.derive_key(SECRET.encode(), "signedsession")
    assert key.hex() == KEY
    assert signedsession._aead.derive_key(SECRET.encode(), "other") != key


def test_known_answers(fixed_nonce: None, clock: Any) -> None:
    settings = encrypted()
    assert dumps(settings, {"user": "alice", "n": 41}) == SMALL
    assert dumps(settings, {"text": "hello " * 40}, issued=NOW + 60) == DEFLATED
    clock.advance(60)
    assert Codec.of(settings).loads(SMALL).data == {"user": "alice", "n": 41}
    assert Codec.of(settings).loads(DEFLATED).data == {"text": "hello " * 40}


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def second_implementation_open(value: str, secret: bytes, salt: str) -> dict[str, Any]:
    """docs/format.rst, followed with cryptography alone."""
    assert value[0] == "!"
    key = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=None,
        info=b"signedsession aead v1\x00" + salt.encode(),
    ).derive(secret)
    sealed = _unb64(value[1:])
    plain = AESGCM(key).decrypt(sealed[:12], sealed[12:], None)
    created, issued, length = struct.unpack(">QQB", plain[:17])
    session_id = plain[17 : 17 + length].decode("ascii")
    flag, data = plain[17 + length], plain[18 + length :]
    if flag == 1:
        data = zlib.decompress(data, -15)
    return {
        "created": created,
        "issued": issued,
        "session_id": session_id,
        "data": json.loads(data),
    }


def test_the_documented_format_opens_with_cryptography_alone(clock: Any) -> None:
    for data in ({"user": "alice"}, {"text": "hello " * 40}):
        value = dumps(encrypted(), data, created=NOW - 5)
        assert second_implementation_open(value, SECRET.encode(), "signedsession") == {
            "created": NOW - 5,
            "issued": NOW,
            "session_id": SESSION_ID,
            "data": data,
        }


def test_a_value_made_by_the_documented_format_opens(clock: Any) -> None:
    key = signedsession._aead.derive_key(SECRET.encode(), "signedsession")
    plain = (
        struct.pack(">QQB", NOW - 10, NOW, 4)
        + b"abcd"
        + b"\x00"
        + b'{"made":"outside"}'
    )
    nonce = b"\x07" * 12
    value = "!" + base64.urlsafe_b64encode(
        nonce + AESGCM(bytes.fromhex(KEY)).encrypt(nonce, plain, None)
    ).decode().rstrip("=")
    assert key.hex() == KEY
    decoded = Codec.of(encrypted()).loads(value)
    assert (decoded.data, decoded.session_id, decoded.created, decoded.issued) == (
        {"made": "outside"},
        "abcd",
        NOW - 10,
        NOW,
    )
    assert decoded.encrypted is True


# -- the envelope ------------------------------------------------------------------


def test_every_value_gets_a_fresh_nonce(clock: Any) -> None:
    values = {dumps(encrypted(), {"a": 1}) for _ in range(50)}
    assert len(values) == 50
    assert len({_unb64(v[1:])[:12] for v in values}) == 50


def test_encrypted_value_hides_data_and_session_id(clock: Any) -> None:
    value = dumps(encrypted(compress=False), {"user": "alice-the-user"})
    assert is_encrypted(value)
    for text in (b"alice", SESSION_ID.encode(), b"user"):
        assert text not in _unb64(value[1:])
        assert text.decode() not in value
    assert "." not in value


@pytest.mark.parametrize("size", [10, 100, 1000, 3000])
@pytest.mark.parametrize("compress", [True, False], ids=["compress", "plain"])
def test_encrypted_is_at_most_16_characters_longer_than_signed(
    clock: Any, size: int, compress: bool
) -> None:
    data = {"text": "x" * size, "n": list(range(size // 20))}
    sealed = dumps(encrypted(compress=compress), data)
    plain = dumps(signed(compress=compress), data)
    assert len(sealed) <= len(plain) + 16


def test_compressible_data_is_deflated_before_encryption(clock: Any) -> None:
    data = {"text": "hello " * 200}
    assert len(dumps(encrypted(), data)) < len(dumps(encrypted(compress=False), data))
    assert Codec.of(encrypted()).loads(dumps(encrypted(), data)).payload[:1] == b"\x01"


def test_tampered_value_is_refused_without_an_exception(clock: Any) -> None:
    value = dumps(encrypted(), {"a": 1})
    codec = Codec.of(encrypted())
    for i in range(1, len(value)):
        char = "A" if value[i] != "A" else "B"
        assert codec.try_loads(value[:i] + char + value[i + 1 :]) is None, i
    assert codec.try_loads(value[:-1]) is None
    assert codec.try_loads(value + "A") is None
    assert codec.try_loads("!") is None


def test_a_value_for_another_salt_is_refused(clock: Any) -> None:
    value = dumps(encrypted(salt="app-one"), {"a": 1})
    assert Codec.of(encrypted(salt="app-two")).try_loads(value) is None
    assert Codec.of(encrypted(salt="app-one")).loads(value).data == {"a": 1}


def test_the_signing_key_is_not_the_encryption_key() -> None:
    from itsdangerous import Signer

    signing = Signer(SECRET, salt="signedsession", key_derivation="hmac").derive_key()
    assert signing != bytes.fromhex(KEY)


def test_authentic_but_malformed_plaintext_is_rejected_with_a_reason(
    clock: Any,
) -> None:
    # Only a leaked key could make these: the decoding limits still hold.
    aead = AESGCM(bytes.fromhex(KEY))

    def seal(plain: bytes) -> str:
        nonce = b"\x01" * 12
        sealed = nonce + aead.encrypt(nonce, plain, None)
        return "!" + base64.urlsafe_b64encode(sealed).decode().rstrip("=")

    head = struct.pack(">QQB", NOW, NOW, 2) + b"id"
    codec = Codec.of(encrypted(max_decompressed_size=1024))
    cases = {
        "short": (b"\x00" * 10, "malformed"),
        "no flag": (head, "malformed"),
        "flag 2": (head + b"\x02{}", "malformed"),
        "id too long": (struct.pack(">QQB", NOW, NOW, 200) + b"\x00{}", "malformed"),
        "not json": (head + b"\x00{", "malformed"),
        "a list": (head + b"\x00[]", "malformed"),
        "future": (
            struct.pack(">QQB", NOW, NOW + 61, 2) + b"id\x00{}",
            "timestamp in the future",
        ),
        "expired": (struct.pack(">QQB", 0, 0, 2) + b"id\x00{}", "expired"),
        "bomb": (head + b"\x01" + zlib.compress(b" " * 5000)[2:-4], "too large"),
        "big": (head + b"\x00" + b'{"a":"' + b"x" * 1100 + b'"}', "too large"),
        "deep": (
            head + b"\x00" + b'{"a":' + b"[" * 70 + b"]" * 70 + b"}",
            "too deeply nested",
        ),
        "bad deflate": (head + b"\x01garbage", "malformed"),
        "non-ascii id": (
            struct.pack(">QQB", NOW, NOW, 2) + b"\xff\xfe\x00{}",
            "malformed",
        ),
    }
    for name, (plain, reason) in cases.items():
        with pytest.raises(InvalidCookie) as info:
            codec.try_loads(seal(plain))
        assert info.value.reason == reason, name
    assert codec.loads(seal(head + b"\x00{}")).data == {}


def test_without_cryptography_encrypt_is_refused_and_values_cannot_open(
    monkeypatch: pytest.MonkeyPatch, clock: Any
) -> None:
    value = dumps(encrypted(), {"a": 1})
    monkeypatch.setitem(sys.modules, "cryptography", None)
    with pytest.raises(ValueError, match=r"^encrypt=True needs the cryptography"):
        encrypted()
    monkeypatch.setattr(signedsession._aead, "_AESGCM", None)
    assert signedsession._aead.available() is False
    settings = signed()
    with pytest.raises(InvalidCookie, match="cryptography is not installed"):
        Codec.of(settings).try_loads(value)
    assert dumps(settings, {"b": 2}).count(".") == 4


@pytest.mark.parametrize("value", [1, "yes", None])
def test_encrypt_must_be_a_bool(value: object) -> None:
    with pytest.raises(TypeError, match=r"^encrypt must be True or False"):
        SessionSettings(secret_key=SECRET, encrypt=value)  # type: ignore[arg-type]


def test_encrypt_is_off_by_default() -> None:
    assert SessionSettings(secret_key=SECRET).encrypt is False


# -- the store: rotation and switching -------------------------------------------


def test_store_round_trip_encrypted(clock: Any) -> None:
    settings = encrypted()
    store = SessionStore(settings=settings)
    store["user"] = "ann"
    store.save()
    assert store.session_key is not None and is_encrypted(store.session_key)
    assert store.encrypted is True
    loaded = SessionStore(store.session_key, settings=settings)
    assert dict(loaded) == {"user": "ann"}
    assert (loaded.encrypted, loaded.key_index, loaded.needs_resign) == (True, 0, False)
    assert loaded.session_id == store.session_id


def test_fallback_key_opens_and_the_store_reissues_with_the_current(clock: Any) -> None:
    old = SessionSettings(secret_key=OLD_SECRET, encrypt=True)
    value = dumps(old, {"user": "ann"})
    new = encrypted(fallback_keys=(OLDER_SECRET, OLD_SECRET))
    store = SessionStore(value, settings=new)
    assert dict(store) == {"user": "ann"}
    assert (store.key_index, store.needs_resign) == (2, True)
    clock.advance(5)
    store.save()
    assert store.session_key is not None
    decoded = Codec.of(new).loads(store.session_key)
    assert (decoded.key_index, decoded.session_id, decoded.issued) == (
        0,
        SESSION_ID,
        NOW + 5,
    )
    # Fallback keys never encrypt: the old key alone cannot open it.
    assert Codec.of(old).try_loads(store.session_key) is None


@pytest.mark.parametrize(
    ("before", "after"),
    [(False, True), (True, False)],
    ids=["signed-to-encrypted", "encrypted-to-signed"],
)
def test_switching_encrypt_keeps_sessions_and_reissues_them(
    clock: Any, before: bool, after: bool
) -> None:
    data = {"user": "ann", "text": "hello " * 30}
    value = dumps(SessionSettings(secret_key=SECRET, encrypt=before), data)
    settings = SessionSettings(secret_key=SECRET, encrypt=after)
    store = SessionStore(value, settings=settings)
    assert dict(store) == data
    assert (store.encrypted, store.key_index, store.needs_resign) == (before, 0, True)
    clock.advance(1)
    store.save()  # unchanged: re-issued from the payload, in the new format
    assert store.session_key is not None
    assert Codec.is_encrypted(store.session_key) is after
    again = SessionStore(store.session_key, settings=settings)
    assert dict(again) == data
    assert (again.session_id, again.created_at, again.needs_resign) == (
        SESSION_ID,
        NOW,
        False,
    )


def test_switching_with_a_fallback_key_and_a_changed_session(clock: Any) -> None:
    value = dumps(SessionSettings(secret_key=OLD_SECRET), {"n": 1})
    settings = encrypted(fallback_keys=(OLD_SECRET,))
    store = SessionStore(value, settings=settings)
    store["n"] += 1
    store.save()
    assert store.session_key is not None
    decoded = Codec.of(settings).loads(store.session_key)
    assert (decoded.data, decoded.key_index, decoded.encrypted) == ({"n": 2}, 0, True)


def test_a_signed_value_that_does_not_verify_is_rejected_when_encrypting(
    clock: Any, caplog: pytest.LogCaptureFixture
) -> None:
    value = dumps(SessionSettings(secret_key=OLD_SECRET), {"n": 1})
    store = SessionStore(value, settings=encrypted())
    with caplog.at_level(logging.WARNING, "signedsession.security"):
        assert dict(store) == {}
    assert [r.getMessage() for r in caplog.records] == [
        "session cookie rejected: bad signature"
    ]
    assert store.needs_resign is False


# -- key usage ------------------------------------------------------------------


def test_key_usage_counts_accepted_cookies_per_key_in_both_formats(
    clock: Any,
) -> None:
    settings = encrypted(fallback_keys=(OLD_SECRET, OLDER_SECRET))
    assert key_usage(settings) == {"current": 0, "fallback 1": 0, "fallback 2": 0}
    values = [
        dumps(encrypted(), {"a": 1}),
        dumps(signed(), {"a": 1}),
        dumps(SessionSettings(secret_key=OLD_SECRET, encrypt=True), {"a": 1}),
        dumps(SessionSettings(secret_key=OLDER_SECRET), {"a": 1}),
        dumps(SessionSettings(secret_key=OLDER_SECRET), {"a": 1}),
        dumps(SessionSettings(secret_key="y" * 40), {"a": 1}),  # rejected
        dumps(encrypted(), {"a": 1}, issued=NOW - 10**8, created=NOW - 10**8),
    ]
    for value in values:
        dict(SessionStore(value, settings=settings))
    assert key_usage(settings) == {"current": 2, "fallback 1": 1, "fallback 2": 2}


def test_key_usage_counts_migrated_cookies_apart() -> None:
    # Real time: itsdangerous stamps the Flask cookie with it.
    from signedsession.readers.flask import FlaskCookieReader

    settings = encrypted(migrate_from=(FlaskCookieReader,))
    assert key_usage(settings) == {"current": 0, "migrated": 0}
    from itsdangerous import URLSafeTimedSerializer

    value = URLSafeTimedSerializer(
        SECRET,
        salt="cookie-session",
        signer_kwargs={"key_derivation": "hmac", "digest_method": "sha1"},
    ).dumps({"user": "ann"})
    store = SessionStore(value, settings=settings)
    assert dict(store) == {"user": "ann"}
    assert key_usage(settings) == {"current": 0, "migrated": 1}


def test_key_usage_is_logged_at_most_once_per_interval_without_keys(
    clock: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings = encrypted(fallback_keys=(OLD_SECRET,))
    value = dumps(settings, {"a": 1})
    codec = Codec.of(settings)
    caplog.set_level(logging.INFO, "signedsession")

    def reports() -> list[str]:
        return [
            r.getMessage()
            for r in caplog.records
            if r.name == "signedsession" and r.levelno == logging.INFO
        ]

    for _ in range(3):
        codec.loads(value)
    assert reports() == []
    clock.advance(LOG_INTERVAL)
    codec.loads(value)
    codec.loads(value)
    assert reports() == [
        "session keys used since 2027-01-15T08:00:00Z: current 4, fallback 1 0"
    ]
    clock.advance(LOG_INTERVAL - 1)
    codec.loads(value)
    assert len(reports()) == 1
    clock.advance(1)
    codec.loads(value)
    assert reports()[1:] == [
        "session keys used since 2027-01-15T08:00:00Z: current 7, fallback 1 0"
    ]
    for record in caplog.records:
        for secret in (SECRET, OLD_SECRET):
            assert secret not in record.getMessage()


def test_key_usage_counts_from_many_threads_stay_close(clock: Any) -> None:
    import threading

    settings = encrypted()
    value = dumps(settings, {"a": 1})
    codec = Codec.of(settings)

    def work() -> None:
        for _ in range(500):
            codec.loads(value)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Unlocked: approximate under races, never more than the truth.
    assert 1000 < key_usage(settings)["current"] <= 2000


def test_key_usage_is_per_settings_object(make_settings: Callable[..., Any]) -> None:
    one, two = make_settings(), make_settings()
    assert key_usage(one) is not key_usage(two)
    assert key_usage(one) == {"current": 0}


@pytest.mark.parametrize("encrypt", [False, True], ids=["signed", "encrypted"])
def test_a_session_created_within_the_skew_ahead_is_reissued_valid(
    clock: Any, encrypt: bool
) -> None:
    # Another server's clock a little ahead: created (and issued) in the future.
    settings = SessionSettings(secret_key=SECRET, encrypt=encrypt)
    value = dumps(settings, {"a": 1}, created=NOW + 30, issued=NOW + 30)
    store = SessionStore(value, settings=settings)
    store["a"] = 2
    store.save()
    assert store.session_key is not None
    decoded = Codec.of(settings).loads(store.session_key)
    assert (decoded.data, decoded.created, decoded.issued) == ({"a": 2}, NOW, NOW)


def test_the_format_page_shows_these_known_answers() -> None:
    from pathlib import Path

    page = (Path(__file__).parents[2] / "docs" / "format.rst").read_text("utf-8")
    assert KEY in page
    assert SMALL in page
    assert f"the value, {len(SMALL)} characters" in page
