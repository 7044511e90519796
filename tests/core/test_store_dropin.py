"""Drop-in regressions in the core: the store as a mapping, serializers, cookies.

Each test is a defect of issue 13 (found by running other projects' suites
with signedsession forced in), through the public API.
"""

from __future__ import annotations

import logging
from collections.abc import MutableMapping
from typing import Any, Callable

import pytest
from shared import SECURITY

from signedsession import (
    JSONSerializer,
    SessionSettings,
    SessionStore,
    TaggedJSONSerializer,
)

MakeSettings = Callable[..., SessionSettings]


def cookie_for(settings: SessionSettings, **data: Any) -> str:
    store = SessionStore(None, settings=settings)
    store.update(data)
    store.save()
    assert store.session_key is not None
    return store.session_key


# -- 5. SessionStore is a MutableMapping, Django's methods kept ------------


def test_store_is_a_mutable_mapping_comparing_like_a_dict(
    settings: SessionSettings,
) -> None:
    store = SessionStore(None, settings=settings)
    assert isinstance(store, MutableMapping)
    assert store == {}
    assert len(store) == 0
    store["a"] = 1
    store["b"] = [2]
    assert store == {"a": 1, "b": [2]}
    assert {"a": 1, "b": [2]} == store  # noqa: SIM300 - the reflected comparison
    assert store != {"a": 1}
    assert store != [("a", 1), ("b", [2])]  # only mappings compare equal
    assert list(store) == ["a", "b"]
    assert store.copy() == {"a": 1, "b": [2]}
    assert type(store.copy()) is dict


def test_store_keeps_djangos_methods_and_quirks(settings: SessionSettings) -> None:
    store = SessionStore(None, settings=settings)
    for name in [
        "has_key",
        "is_empty",
        "load",
        "save",
        "create",
        "delete",
        "exists",
        "cycle_key",
        "flush",
        "clear_expired",
        "encode",
        "decode",
        "set_test_cookie",
        "test_cookie_worked",
        "delete_test_cookie",
        "get_session_cookie_age",
        "get_expiry_age",
        "get_expiry_date",
        "set_expiry",
        "get_expire_at_browser_close",
    ]:
        assert callable(getattr(store, name)), name
    # Django's quirk: pop of a missing key with a default is no change.
    assert store.pop("missing", None) is None
    assert not store.modified
    # Django's setdefault takes the value as a required argument.
    with pytest.raises(TypeError):
        store.setdefault("k")  # type: ignore[call-arg]
    assert store.exists() is False
    assert store.is_empty()


def test_two_stores_with_the_same_data_are_equal(settings: SessionSettings) -> None:
    value = cookie_for(settings, user="alice")
    assert SessionStore(value, settings=settings) == SessionStore(
        value, settings=settings
    )


# -- 8. serializers: loads takes what dumps gives; any error is a rejection


@pytest.mark.parametrize(
    "serializer", [JSONSerializer(), TaggedJSONSerializer()], ids=repr
)
def test_serializer_loads_what_its_dumps_returns(serializer: Any) -> None:
    data = {"a": 1, "b": ["x", None], "c": {"d": True}}
    dumped = serializer.dumps(data)
    assert isinstance(dumped, str)
    assert serializer.loads(dumped) == data
    assert serializer.loads(dumped.encode("utf-8")) == data


class Fragile:
    """A custom serializer whose loads fails with anything but ValueError."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def dumps(self, obj: Any) -> bytes:
        return JSONSerializer().dumps(obj).encode()

    def loads(self, data: bytes) -> Any:
        raise self.error


@pytest.mark.parametrize(
    "error",
    [KeyError("x"), TypeError("no"), AttributeError("gone"), Exception("any")],
    ids=lambda e: type(e).__name__,
)
def test_custom_serializer_raising_anything_gives_empty_session_and_one_log_line(
    make_settings: MakeSettings, error: Exception, caplog: Any
) -> None:
    value = cookie_for(make_settings(), user="alice")
    settings = make_settings(serializer=Fragile(error), compress=False)
    store = SessionStore(value, settings=settings)
    with caplog.at_level(logging.WARNING, logger=SECURITY):
        assert store.get("user") is None
        assert store == {}
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("WARNING", f"session cookie rejected: malformed ({type(error).__name__})")
    ]
    assert store.session_key is None


# -- 9. several cookies of our name: the most recently issued wins ---------


def test_most_recently_issued_cookie_wins_whatever_the_order(
    settings: SessionSettings, clock: Any
) -> None:
    stale = cookie_for(settings, user="old")
    clock.advance(60)
    fresh = cookie_for(settings, user="new")
    for header in (
        f"session={stale}; session={fresh}",
        f"session={fresh}; session={stale}",
    ):
        store = SessionStore.from_cookie_header(header, settings=settings)
        assert store["user"] == "new", header
        assert store.session_key == fresh


def test_cookies_issued_in_the_same_second_tie_to_the_first(
    settings: SessionSettings, clock: Any
) -> None:
    first = cookie_for(settings, user="first")
    second = cookie_for(settings, user="second")
    store = SessionStore.from_cookie_header(
        f"session={first}; session={second}", settings=settings
    )
    assert store["user"] == "first"


def test_invalid_cookies_beside_a_valid_one_are_ignored_silently(
    settings: SessionSettings, clock: Any, caplog: Any
) -> None:
    valid = cookie_for(settings, user="alice")
    header = f"session=forged.value.0.0.sig; session={valid}; session=junkjunkjunk"
    with caplog.at_level(logging.WARNING, logger=SECURITY):
        store = SessionStore.from_cookie_header(header, settings=settings)
        assert store["user"] == "alice"
    assert caplog.records == []


# -- settings that the adapters' fixes rest on -------------------------------


def test_fallback_digest_verifies_and_makes_the_cookie_resigned(
    make_settings: MakeSettings,
) -> None:
    value = cookie_for(make_settings(), user="alice")
    settings = make_settings(digest="sha512", fallback_digests=("sha256",))
    store = SessionStore(value, settings=settings)
    assert store["user"] == "alice"
    assert store.needs_resign
    store.save()
    assert store.session_key is not None
    resigned = SessionStore(store.session_key, settings=make_settings(digest="sha512"))
    assert resigned["user"] == "alice"  # now under SHA-512 alone
    assert SessionStore(value, settings=make_settings(digest="sha512")) == {}


@pytest.mark.parametrize(
    ("value", "error", "message"),
    [
        ("sha256", TypeError, "fallback_digests must be a tuple of digest names"),
        (("md5",), ValueError, "fallback_digests must hold digests among"),
    ],
    ids=["str", "unknown"],
)
def test_bad_fallback_digests_fail_naming_the_option(
    make_settings: MakeSettings, value: Any, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        make_settings(fallback_digests=value)


def test_short_secret_without_the_warning_still_says_why(recwarn: Any) -> None:
    settings = SessionSettings(secret_key="short", warn_insecure_secret=False)
    assert len(recwarn) == 0
    assert settings.secret_warning == (
        "secret_key is 5 bytes; use at least 32 random bytes (signedsession genkey)"
    )
    assert SessionSettings(secret_key="x" * 32).secret_warning is None
