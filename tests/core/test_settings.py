"""SessionSettings: defaults, validation of every field, secrets kept out of sight."""

from __future__ import annotations

import dataclasses
from typing import Any, Callable

import pytest
from shared import SECRET

from signedsession import (
    InsecureSecretWarning,
    JSONSerializer,
    SessionSettings,
    TaggedJSONSerializer,
)

MakeSettings = Callable[..., SessionSettings]


def test_defaults_are_the_documented_ones(settings: SessionSettings) -> None:
    assert settings.fallback_keys == ()
    assert settings.cookie_name == "session"
    assert settings.max_age == 1209600
    assert settings.expire_at_browser_close is False
    assert settings.save_every_request is False
    assert settings.path == "/"
    assert settings.domain is None
    assert settings.secure is None
    assert settings.httponly is True
    assert settings.samesite == "Lax"
    assert settings.partitioned is False
    assert settings.salt == "signedsession"
    assert settings.digest == "sha256"
    assert isinstance(settings.serializer, JSONSerializer)
    assert settings.compress is True
    assert settings.max_cookie_size == 4093
    assert settings.max_chunks == 1
    assert settings.save_on_server_error is False
    assert settings.clock_skew == 60
    assert settings.absolute_max_age is None
    assert settings.environ_key == "signedsession.session"
    assert settings.max_decompressed_size == 65536


def test_secret_key_is_required() -> None:
    with pytest.raises(TypeError, match="secret_key"):
        SessionSettings()  # type: ignore[call-arg]


@pytest.mark.parametrize("secret", ["", b""], ids=["str", "bytes"])
def test_empty_secret_is_a_value_error(secret: str | bytes) -> None:
    with pytest.raises(ValueError, match=r"^secret_key must not be empty$"):
        SessionSettings(secret_key=secret)


@pytest.mark.parametrize("secret", [None, 42, ["k" * 40]], ids=["None", "int", "list"])
def test_secret_of_wrong_type_is_a_type_error(secret: Any) -> None:
    with pytest.raises(TypeError, match=r"^secret_key must be str or bytes, got "):
        SessionSettings(secret_key=secret)


@pytest.mark.parametrize(
    "secret", ["short", b"x" * 31, "é" * 15], ids=["5-chars", "31-bytes", "30-utf8"]
)
def test_secret_under_32_bytes_warns(secret: str | bytes) -> None:
    with pytest.warns(InsecureSecretWarning, match="use at least 32 random bytes"):
        SessionSettings(secret_key=secret)


@pytest.mark.parametrize(
    "secret", ["k" * 32, b"k" * 32, "é" * 16], ids=["str", "bytes", "utf8"]
)
def test_secret_of_32_bytes_does_not_warn(secret: str | bytes) -> None:
    # filterwarnings=error turns any warning into a failure here.
    assert SessionSettings(secret_key=secret).secret_key == secret


def test_insecure_secret_warning_points_at_the_caller() -> None:
    with pytest.warns(InsecureSecretWarning) as record:
        SessionSettings(secret_key="short")
    assert record[0].filename == __file__


@pytest.mark.parametrize(
    "keys",
    ["old-secret-key-of-at-least-32-bytes", b"old-secret-key-of-32-bytes-long!!"],
    ids=["str", "bytes"],
)
def test_single_string_as_fallback_keys_is_a_value_error(
    make_settings: MakeSettings, keys: str | bytes
) -> None:
    with pytest.raises(ValueError, match=r"^fallback_keys must be a sequence of keys"):
        make_settings(fallback_keys=keys)


def test_fallback_keys_list_becomes_a_tuple(make_settings: MakeSettings) -> None:
    settings = make_settings(fallback_keys=["a" * 32, b"b" * 32])
    assert settings.fallback_keys == ("a" * 32, b"b" * 32)


@pytest.mark.parametrize("keys", [None, 5, {"a" * 32}], ids=["None", "int", "set"])
def test_fallback_keys_of_wrong_type_is_a_type_error(
    make_settings: MakeSettings, keys: Any
) -> None:
    with pytest.raises(TypeError, match=r"^fallback_keys must be a tuple or list"):
        make_settings(fallback_keys=keys)


def test_fallback_key_of_wrong_type_is_a_type_error(
    make_settings: MakeSettings,
) -> None:
    with pytest.raises(TypeError, match=r"^each of fallback_keys must be str or bytes"):
        make_settings(fallback_keys=("a" * 32, 5))


def test_empty_fallback_key_is_a_value_error(make_settings: MakeSettings) -> None:
    with pytest.raises(
        ValueError, match=r"^fallback_keys must not contain an empty key$"
    ):
        make_settings(fallback_keys=("a" * 32, ""))


BAD_TYPES = [
    ("cookie_name", 5, "cookie_name must be a non-empty str, got int"),
    ("max_age", "60", "max_age must be an int or None, got '60'"),
    ("max_age", 1.5, "max_age must be an int or None, got 1.5"),
    ("max_age", True, "max_age must be an int or None, got True"),
    ("absolute_max_age", 1.5, "absolute_max_age must be an int or None, got 1.5"),
    (
        "expire_at_browser_close",
        1,
        "expire_at_browser_close must be True or False, got 1",
    ),
    (
        "save_every_request",
        "yes",
        "save_every_request must be True or False, got 'yes'",
    ),
    ("httponly", None, "httponly must be True or False, got None"),
    ("partitioned", 0, "partitioned must be True or False, got 0"),
    ("compress", "no", "compress must be True or False, got 'no'"),
    ("save_on_server_error", 1, "save_on_server_error must be True or False, got 1"),
    ("secure", "true", "secure must be True, False or None, got 'true'"),
    ("path", 5, "path must be a non-empty str, got int"),
    ("domain", 5, "domain must be a non-empty str or None, got int"),
    ("samesite", 5, "samesite must be 'Strict', 'Lax', 'None' or None, got int"),
    ("salt", 5, "salt must be a str, got int"),
    (
        "digest",
        5,
        "digest must be a str, one of sha1, sha224, sha256, sha384, sha512, got int",
    ),
    (
        "serializer",
        object(),
        "serializer must have dumps(obj) and loads(bytes) methods, got object",
    ),
    ("max_cookie_size", 4093.0, "max_cookie_size must be an int, got 4093.0"),
    ("max_chunks", 2.0, "max_chunks must be an int, got 2.0"),
    ("max_chunks", True, "max_chunks must be an int, got True"),
    ("max_chunks", None, "max_chunks must be an int, got None"),
    ("clock_skew", None, "clock_skew must be an int, got None"),
    ("max_decompressed_size", "64k", "max_decompressed_size must be an int, got '64k'"),
    ("max_json_depth", 1.0, "max_json_depth must be an int, got 1.0"),
    ("environ_key", b"x", "environ_key must be a non-empty str, got bytes"),
    ("migrate_from", 5, "migrate_from must be a tuple of callables, got int"),
    ("migrate_from", (5,), "migrate_from must hold callables"),
]


@pytest.mark.parametrize(
    ("name", "value", "message"), BAD_TYPES, ids=[f"{n}={v!r}" for n, v, _ in BAD_TYPES]
)
def test_wrong_type_is_a_type_error_naming_the_option(
    make_settings: MakeSettings, name: str, value: Any, message: str
) -> None:
    with pytest.raises(TypeError) as info:
        make_settings(**{name: value})
    assert str(info.value).startswith(message)


BAD_VALUES = [
    ("cookie_name", "", "cookie_name must be a non-empty str, got ''"),
    ("cookie_name", "my session", "cookie_name must be ASCII without spaces"),
    ("cookie_name", "a;b", "cookie_name must be ASCII without spaces"),
    ("cookie_name", "a=b", "cookie_name must be ASCII without spaces"),
    ("cookie_name", "séssion", "cookie_name must be ASCII without spaces"),
    ("cookie_name", "a\x01b", "cookie_name must be ASCII without spaces"),
    ("max_age", -1, "max_age must be at least 0, got -1"),
    ("absolute_max_age", -5, "absolute_max_age must be at least 0, got -5"),
    ("path", "", "path must be a non-empty str, got ''"),
    ("path", "app", "path must be a str starting with '/', got 'app'"),
    ("domain", "", "domain must be a non-empty str or None, got ''"),
    ("domain", "ex.com; HttpOnly", "domain must be an ASCII host name without spaces"),
    ("domain", "ex.com\r\nX-Evil: 1", "domain must be an ASCII host name without"),
    ("domain", "bücher.de", "domain must be an ASCII host name without spaces"),
    (
        "samesite",
        "strictest",
        "samesite must be 'Strict', 'Lax', 'None' or None, got 'strictest'",
    ),
    ("samesite", "", "samesite must be 'Strict', 'Lax', 'None' or None, got ''"),
    (
        "digest",
        "md5",
        "digest must be one of sha1, sha224, sha256, sha384, sha512, got 'md5'",
    ),
    ("max_cookie_size", 10, "max_cookie_size must be at least 64, got 10"),
    ("max_chunks", 0, "max_chunks must be at least 1, got 0"),
    ("max_chunks", 9, "max_chunks must be at most 8, got 9"),
    ("clock_skew", -1, "clock_skew must be at least 0, got -1"),
    (
        "max_decompressed_size",
        100,
        "max_decompressed_size must be at least 1024, got 100",
    ),
    ("max_json_depth", 0, "max_json_depth must be at least 1, got 0"),
    ("environ_key", "", "environ_key must be a non-empty str, got ''"),
]


@pytest.mark.parametrize(
    ("name", "value", "message"),
    BAD_VALUES,
    ids=[f"{n}={v!r}" for n, v, _ in BAD_VALUES],
)
def test_wrong_value_is_a_value_error_naming_the_option(
    make_settings: MakeSettings, name: str, value: Any, message: str
) -> None:
    with pytest.raises(ValueError) as info:
        make_settings(**{name: value})
    assert not isinstance(info.value, TypeError)
    assert str(info.value).startswith(message)


@pytest.mark.parametrize(
    ("given", "canonical"),
    [
        ("Strict", "Strict"),
        ("strict", "Strict"),
        ("LAX", "Lax"),
        ("lax", "Lax"),
        ("None", "None"),
        ("none", "None"),
    ],
    ids=lambda v: repr(v),
)
def test_samesite_is_normalised(
    make_settings: MakeSettings, given: str, canonical: str
) -> None:
    assert make_settings(samesite=given).samesite == canonical


def test_samesite_none_value_omits_the_attribute(make_settings: MakeSettings) -> None:
    settings = make_settings(samesite=None)
    assert settings.samesite is None
    assert settings.requires_secure is False


@pytest.mark.parametrize(
    "fields",
    [{"samesite": "None"}, {"samesite": "none"}, {"partitioned": True}],
    ids=["samesite-None", "samesite-none", "partitioned"],
)
def test_cookie_that_needs_secure_rejects_secure_false(
    make_settings: MakeSettings, fields: dict[str, Any]
) -> None:
    with pytest.raises(
        ValueError, match=r"^secure=False cannot be combined with samesite='None'"
    ):
        make_settings(secure=False, **fields)


@pytest.mark.parametrize(
    "fields",
    [
        {"samesite": "None"},
        {"partitioned": True},
        {"samesite": "None", "partitioned": True},
    ],
    ids=["samesite-None", "partitioned", "both"],
)
@pytest.mark.parametrize("secure", [None, True], ids=["secure-None", "secure-True"])
@pytest.mark.parametrize("https", [False, True], ids=["http", "https"])
def test_cookie_that_needs_secure_is_secure_on_every_scheme(
    make_settings: MakeSettings,
    fields: dict[str, Any],
    secure: bool | None,
    https: bool,
) -> None:
    settings = make_settings(secure=secure, **fields)
    assert settings.requires_secure is True
    assert settings.is_secure(https) is True


@pytest.mark.parametrize(
    ("secure", "https", "expected"),
    [
        (None, False, False),
        (None, True, True),
        (True, False, True),
        (True, True, True),
        (False, False, False),
        (False, True, False),
    ],
    ids=[
        "None-http",
        "None-https",
        "True-http",
        "True-https",
        "False-http",
        "False-https",
    ],
)
def test_is_secure_follows_the_secure_option(
    make_settings: MakeSettings, secure: bool | None, https: bool, expected: bool
) -> None:
    assert make_settings(secure=secure).is_secure(https) is expected


def test_repr_hides_secret_key_and_fallback_keys(make_settings: MakeSettings) -> None:
    settings = make_settings(
        secret_key="primary-secret-value-0123456789abcdef",
        fallback_keys=(
            "fallback-secret-value-0123456789abcd",
            b"bytes-fallback-value-0123456789abcd",
        ),
    )
    text = repr(settings)
    assert "primary-secret-value" not in text
    assert "fallback-secret-value" not in text
    assert "bytes-fallback-value" not in text
    assert "secret_key" not in text
    assert "fallback_keys" not in text
    assert text.startswith("SessionSettings(cookie_name='session',")


def test_settings_are_frozen(settings: SessionSettings) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.max_age = 5  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.secret_key = "other"  # type: ignore[misc]


def test_settings_accept_a_custom_serializer(make_settings: MakeSettings) -> None:
    serializer = TaggedJSONSerializer()
    assert make_settings(serializer=serializer).serializer is serializer


def test_optional_ints_accept_none(make_settings: MakeSettings) -> None:
    settings = make_settings(max_age=None, absolute_max_age=None)
    assert settings.max_age is None
    assert settings.absolute_max_age is None


def test_bytes_secret_is_accepted(make_settings: MakeSettings) -> None:
    assert make_settings(secret_key=b"\x00\xff" * 16).secret_key == b"\x00\xff" * 16


def test_secret_key_can_be_given_positionally() -> None:
    assert SessionSettings(SECRET).secret_key == SECRET


@pytest.mark.parametrize(
    "domain",
    ["example.com", ".example.com", "localhost", "127.0.0.1", "xn--bcher-kva.de"],
)
def test_domain_accepts_host_names(make_settings: MakeSettings, domain: str) -> None:
    assert make_settings(domain=domain).domain == domain
