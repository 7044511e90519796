"""SessionStore's contract: Django's session API, and what we do stricter.

Not a test module: ``tests/core/test_store.py`` runs it against the core
store, ``tests/adapters/test_pyramid.py`` against the Pyramid session.
``SessionContract`` holds the tests; a class that subclasses it and provides
a ``make_store`` fixture runs them against its own store (an adapter's
session, for instance). ``make_store(cookie_value=None, **settings_fields)``
returns a fresh store reading ``cookie_value`` with settings built from the
test secret and ``settings_fields``.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

import pytest
from shared import MAX_AGE, NOW, OLD_SECRET, SECRET, SECURITY
from werkzeug.http import dump_cookie

from signedsession import SessionSettings, SessionStore, SessionTooLarge
from signedsession._codec import EXPIRY_KEY, Codec

MakeStore = Callable[..., SessionStore]


def security_records(caplog: pytest.LogCaptureFixture) -> list[tuple[str, int, str]]:
    return [
        (r.name, r.levelno, r.getMessage())
        for r in caplog.records
        if r.name == SECURITY
    ]


def rejected(reason: str) -> list[tuple[str, int, str]]:
    return [
        (
            SECURITY,
            logging.WARNING,
            f"session cookie rejected: {reason}",
        )
    ]


def reset_flags(store: SessionStore) -> None:
    store.accessed = False
    store.modified = False


class LoadSpy:
    """Counts verifications: calls of :meth:`Codec.try_loads` (``loads`` too)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        original = Codec.try_loads

        def decode(codec: Codec, value: str) -> Any:
            self.calls += 1
            return original(codec, value)

        monkeypatch.setattr(Codec, "try_loads", decode)


def make_core_store(cookie_value: str | None = None, **fields: Any) -> SessionStore:
    """A core store reading ``cookie_value``, under the test secret and ``fields``."""
    fields.setdefault("secret_key", SECRET)
    return SessionStore(cookie_value, settings=SessionSettings(**fields))


class StoreFixtures:
    """``store`` and ``saved``, over the ``make_store`` a subclass provides."""

    @pytest.fixture
    def store(self, make_store: MakeStore, clock: Any) -> SessionStore:
        return make_store()

    @pytest.fixture
    def saved(self, make_store: MakeStore, clock: Any) -> str:
        """A valid cookie value holding ``{"a": 1, "b": "two"}``."""
        store = make_store()
        store.update({"a": 1, "b": "two"})
        store.save()
        assert store.session_key is not None
        return store.session_key


class SessionContract(StoreFixtures):
    """Django's ``SessionBase`` behaviour, made stricter where DESIGN.md says so."""

    # -- flags ------------------------------------------------------------------

    def test_new_session_is_neither_accessed_nor_modified(
        self, store: SessionStore
    ) -> None:
        assert store.modified is False
        assert store.accessed is False

    def test_get_of_missing_key_is_none_and_only_accesses(
        self, store: SessionStore
    ) -> None:
        assert store.get("cat") is None
        assert store.get("cat", "dog") == "dog"
        assert (store.accessed, store.modified) == (True, False)

    def test_getitem_accesses_without_modifying(self, store: SessionStore) -> None:
        store["cat"] = "dog"
        reset_flags(store)
        assert store["cat"] == "dog"
        assert (store.accessed, store.modified) == (True, False)

    def test_getitem_of_missing_key_raises_key_error(self, store: SessionStore) -> None:
        with pytest.raises(KeyError):
            store["missing"]
        assert (store.accessed, store.modified) == (True, False)

    def test_contains_accesses_without_modifying(self, store: SessionStore) -> None:
        store["some key"] = 1
        reset_flags(store)
        assert "some key" in store
        assert "other" not in store
        assert (store.accessed, store.modified) == (True, False)

    def test_setitem_accesses_and_modifies(self, store: SessionStore) -> None:
        store["cat"] = "dog"
        assert (store.accessed, store.modified) == (True, True)
        assert store.pop("cat") == "dog"

    def test_delitem_of_present_key_modifies(self, store: SessionStore) -> None:
        store["x"] = 1
        reset_flags(store)
        del store["x"]
        assert (store.accessed, store.modified) == (True, True)
        assert "x" not in store

    def test_delitem_of_missing_key_raises_and_does_not_modify(
        self, store: SessionStore
    ) -> None:
        with pytest.raises(KeyError):
            del store["missing"]
        assert (store.accessed, store.modified) == (True, False)

    def test_pop_of_present_key_modifies(self, store: SessionStore) -> None:
        store["some key"] = "exists"
        reset_flags(store)
        assert store.pop("some key") == "exists"
        assert (store.accessed, store.modified) == (True, True)
        assert store.get("some key") is None

    def test_pop_with_default_of_present_key_modifies(
        self, store: SessionStore
    ) -> None:
        store["some key"] = "exists"
        reset_flags(store)
        assert store.pop("some key", "default") == "exists"
        assert (store.accessed, store.modified) == (True, True)

    @pytest.mark.parametrize("named", [False, True], ids=["positional", "keyword"])
    def test_pop_with_default_of_missing_key_does_not_modify(
        self, store: SessionStore, named: bool
    ) -> None:
        if named:
            assert store.pop("some key", default="none") == "none"
        else:
            assert store.pop("some key", "none") == "none"
        assert (store.accessed, store.modified) == (True, False)

    def test_pop_with_default_none_of_missing_key_returns_none(
        self, store: SessionStore
    ) -> None:
        assert store.pop("some key", None) is None
        assert store.modified is False

    def test_pop_without_default_of_missing_key_raises(
        self, store: SessionStore
    ) -> None:
        with pytest.raises(KeyError):
            store.pop("some key")
        assert (store.accessed, store.modified) == (True, False)

    def test_pop_keeps_an_earlier_modification(self, store: SessionStore) -> None:
        store["x"] = 1
        store.pop("missing", None)
        assert store.modified is True

    def test_setdefault_of_missing_key_stores_and_modifies(
        self, store: SessionStore
    ) -> None:
        assert store.setdefault("foo", "bar") == "bar"
        assert (store.accessed, store.modified) == (True, True)
        assert store["foo"] == "bar"

    def test_setdefault_of_present_key_only_accesses(self, store: SessionStore) -> None:
        store["foo"] = "bar"
        reset_flags(store)
        assert store.setdefault("foo", "baz") == "bar"
        assert (store.accessed, store.modified) == (True, False)

    def test_update_modifies(self, store: SessionStore) -> None:
        store.update({"update key": 1})
        assert (store.accessed, store.modified) == (True, True)
        assert store.get("update key") == 1

    def test_update_takes_pairs_and_keywords(self, store: SessionStore) -> None:
        store.update([("a", 1)], b=2)
        assert dict(store.items()) == {"a": 1, "b": 2}

    def test_has_key_accesses_without_modifying(self, store: SessionStore) -> None:
        store["some key"] = 1
        reset_flags(store)
        assert store.has_key("some key") is True
        assert store.has_key("other") is False
        assert (store.accessed, store.modified) == (True, False)

    @pytest.mark.parametrize(
        ("method", "expected"),
        [("keys", ["x", "y"]), ("values", [1, 2]), ("items", [("x", 1), ("y", 2)])],
        ids=["keys", "values", "items"],
    )
    def test_views_access_without_modifying(
        self, store: SessionStore, method: str, expected: list[Any]
    ) -> None:
        assert list(getattr(store, method)()) == []
        assert (store.accessed, store.modified) == (True, False)
        store["x"], store["y"] = 1, 2
        reset_flags(store)
        assert list(getattr(store, method)()) == expected
        assert (store.accessed, store.modified) == (True, False)

    def test_clear_empties_and_modifies(self, store: SessionStore) -> None:
        store["x"] = 1
        reset_flags(store)
        store.clear()
        assert list(store.items()) == []
        assert (store.accessed, store.modified) == (True, True)

    def test_clear_of_a_cookie_session_does_not_decode_it(
        self, make_store: MakeStore, saved: str, load_spy: LoadSpy
    ) -> None:
        store = make_store(saved)
        store.clear()
        assert dict(store.items()) == {}
        assert load_spy.calls == 0

    def test_is_empty_for_a_new_session(self, store: SessionStore) -> None:
        assert store.is_empty() is True
        store["x"] = 1
        assert store.is_empty() is False

    def test_is_empty_is_false_for_a_cookie_before_loading(
        self, make_store: MakeStore, saved: str, load_spy: LoadSpy
    ) -> None:
        store = make_store(saved)
        assert store.is_empty() is False
        assert load_spy.calls == 0
        assert store.accessed is False

    def test_is_empty_after_flush(self, make_store: MakeStore, saved: str) -> None:
        store = make_store(saved)
        store.flush()
        assert store.is_empty() is True

    # -- save / load ------------------------------------------------------------

    def test_save_then_load_round_trips(
        self, make_store: MakeStore, saved: str
    ) -> None:
        store = make_store(saved)
        assert (store.accessed, store.modified) == (False, False)
        assert dict(store.items()) == {"a": 1, "b": "two"}
        assert (store.accessed, store.modified) == (True, False)

    def test_save_does_not_mark_the_session_accessed(
        self, make_store: MakeStore, saved: str
    ) -> None:
        # Unlike Django's save(): saving is not the application reading the
        # session, and accessed decides Vary: Cookie.
        store = make_store(saved)
        store.save()
        assert store.accessed is False

    def test_save_sets_the_key_and_modified(self, store: SessionStore) -> None:
        assert store.session_key is None
        store["a"] = "b"
        reset_flags(store)
        store.save()
        assert isinstance(store.session_key, str)
        assert store.modified is True
        assert store["a"] == "b"  # save does not clear the data

    def test_save_of_an_empty_session_gives_a_cookie_for_it(
        self, make_store: MakeStore, store: SessionStore
    ) -> None:
        store.save()
        assert store.session_key is not None
        assert dict(make_store(store.session_key).items()) == {}

    def test_load_returns_the_data(self, make_store: MakeStore, saved: str) -> None:
        assert make_store(saved).load() == {"a": 1, "b": "two"}

    def test_load_of_an_unknown_key_creates_nothing(
        self, make_store: MakeStore
    ) -> None:
        store = make_store("someunknownkey")
        assert store.load() == {}
        assert store.session_key is None
        assert store.exists(store.session_key) is False

    def test_session_id_and_creation_survive_saves(
        self, make_store: MakeStore, clock: Any
    ) -> None:
        store = make_store()
        assert (store.session_id, store.created_at, store.issued_at) == (
            None,
            None,
            None,
        )
        store["x"] = 1
        store.save()
        session_id = store.session_id
        assert session_id is not None and len(session_id) == 22
        assert (store.created_at, store.issued_at) == (NOW, NOW)
        clock.advance(100)
        again = make_store(store.session_key)
        again["y"] = 2
        again.save()
        assert again.session_id == session_id
        assert (again.created_at, again.issued_at) == (NOW, NOW + 100)

    def test_exists_is_always_false(self, store: SessionStore, saved: str) -> None:
        assert store.exists(saved) is False
        assert store.exists() is False
        store.save()
        assert store.exists(store.session_key) is False

    def test_clear_expired_is_a_no_op_classmethod(self, store: SessionStore) -> None:
        assert type(store).clear_expired() is None

    def test_create_marks_modified(self, store: SessionStore) -> None:
        store.create()
        assert store.modified is True

    def test_delete_forgets_key_and_data(
        self, make_store: MakeStore, saved: str
    ) -> None:
        store = make_store(saved)
        store.delete(store.session_key)
        assert store.session_key is None
        assert store.modified is True
        assert dict(store.items()) == {}

    def test_flush_forgets_key_data_and_session_id(
        self, make_store: MakeStore, saved: str
    ) -> None:
        store = make_store(saved)
        assert store["a"] == 1  # loads the cookie
        old_id = store.session_id
        reset_flags(store)
        store.flush()
        assert store.session_key is None
        assert store.exists(saved) is False
        assert (store.accessed, store.modified) == (True, True)
        assert dict(store.items()) == {}
        store.save()
        assert store.session_id not in (None, old_id)
        assert store.session_key != saved

    def test_cycle_key_keeps_data_under_a_new_id_and_timestamp(
        self, make_store: MakeStore, saved: str, clock: Any
    ) -> None:
        store = make_store(saved)
        assert store["a"] == 1  # loads the cookie
        old_id = store.session_id
        clock.advance(30)
        store.cycle_key()
        assert store.session_key not in (None, saved)
        assert store.session_id not in (None, old_id)
        assert store.issued_at == NOW + 30
        # A new session begins: absolute_max_age counts from the cycle.
        assert store.created_at == NOW + 30
        assert store.modified is True
        assert dict(store.items()) == {"a": 1, "b": "two"}
        assert dict(make_store(store.session_key).items()) == {"a": 1, "b": "two"}

    # -- saving an unchanged session again (re-issue) ---------------------------

    def test_unchanged_session_is_reissued_with_its_payload(
        self, make_store: MakeStore, saved: str, clock: Any
    ) -> None:
        store = make_store(saved)
        assert store["a"] == 1
        clock.advance(30)
        store.save()
        value = store.session_key
        assert value is not None
        codec = Codec.of(store.settings)
        old, new = codec.loads(saved), codec.loads(value)
        assert new.payload == old.payload  # the data as it came, not serialized
        assert new[1:3] == old[1:3]  # same session id and creation time
        assert new.issued == NOW + 30 != old.issued  # issued now, signed anew
        again = make_store(value)
        assert dict(again.items()) == {"a": 1, "b": "two"}
        assert again.issued_at == NOW + 30

    def test_reissue_keeps_a_value_changed_in_place(
        self, make_store: MakeStore, clock: Any
    ) -> None:
        # Unmarked, as Django and Pyramid allow when the session is saved
        # anyway: what is saved is the data as it is now.
        first = make_store()
        first["items"] = [1]
        first.save()
        store = make_store(first.session_key)
        store["items"].append(2)
        assert store.modified is False
        store.save()
        assert make_store(store.session_key)["items"] == [1, 2]

    def test_change_then_explicit_load_is_still_saved(
        self, make_store: MakeStore, saved: str
    ) -> None:
        store = make_store(saved)
        store["a"] = 5
        assert store.load() == {"a": 1, "b": "two"}  # Django: load() returns
        store.save()
        assert make_store(store.session_key)["a"] == 5

    def test_reissue_after_modified_is_reset_by_hand_saves_the_data(
        self, make_store: MakeStore, saved: str
    ) -> None:
        store = make_store(saved)
        store["a"] = 5
        store.modified = False
        store.save()
        assert make_store(store.session_key)["a"] == 5

    def test_cycle_key_leaves_the_old_value_valid(
        self, make_store: MakeStore, saved: str
    ) -> None:
        store = make_store(saved)
        store.cycle_key()
        # Documented: only server-side state could revoke the old value.
        assert dict(make_store(saved).items()) == {"a": 1, "b": "two"}

    def test_cycle_key_of_an_unloaded_session_loads_it_first(
        self, make_store: MakeStore, saved: str
    ) -> None:
        store = make_store(saved)
        store.cycle_key()
        assert sorted(store.items()) == [("a", 1), ("b", "two")]

    # -- invalid keys -------------------------------------------------------------

    @pytest.mark.parametrize(
        "key", ["", "1", "1234567"], ids=["empty", "1-char", "7-chars"]
    )
    def test_key_under_8_characters_counts_as_no_cookie(
        self,
        make_store: MakeStore,
        caplog: pytest.LogCaptureFixture,
        load_spy: LoadSpy,
        key: str,
    ) -> None:
        store = make_store(key)
        assert store.session_key is None
        assert store.get("cat") is None
        assert load_spy.calls == 0
        assert security_records(caplog) == []

    def test_key_of_8_characters_is_kept_until_it_fails_to_verify(
        self, make_store: MakeStore, caplog: pytest.LogCaptureFixture
    ) -> None:
        store = make_store("12345678")
        assert store.session_key == "12345678"
        assert store.get("cat") is None
        assert store.session_key is None
        assert security_records(caplog) == rejected("bad signature")

    def test_invalid_key_saves_as_a_new_session(self, make_store: MakeStore) -> None:
        store = make_store("invalid-cookie-value")
        store.save()
        assert store.session_key not in (None, "invalid-cookie-value")
        assert store.session_id is not None
        assert store.get("cat") is None

    def test_session_key_is_read_only(self, store: SessionStore) -> None:
        with pytest.raises(AttributeError):
            store.session_key = "abcdefghijkl"  # type: ignore[misc]

    # -- encode / decode -----------------------------------------------------------

    def test_decode_reads_what_encode_writes(self, store: SessionStore) -> None:
        data = {"a test key": "a test value", "n": [1, 2]}
        assert store.decode(store.encode(data)) == data

    @pytest.mark.parametrize(
        "garbage",
        ["Zmxhc2tkajphbGtkamY=", "bad:encoded:value", "a.b.c.d.e", "", "é" * 10],
        ids=["base64", "colons", "five-fields", "empty", "non-ascii"],
    )
    def test_decode_of_garbage_is_empty_and_logs_one_warning(
        self, store: SessionStore, caplog: pytest.LogCaptureFixture, garbage: str
    ) -> None:
        assert store.decode(garbage) == {}
        assert security_records(caplog) == rejected("bad signature")

    def test_decode_log_never_holds_the_value(
        self, store: SessionStore, caplog: pytest.LogCaptureFixture
    ) -> None:
        value = store.encode({"secret-data": "hunter2"})
        assert store.decode(value[:-2] + "xx") == {}
        assert len(security_records(caplog)) == 1
        assert value[:20] not in caplog.text
        assert "hunter2" not in caplog.text

    def test_key_salt_and_serializer_come_from_the_settings(
        self, store: SessionStore
    ) -> None:
        assert store.key_salt == store.settings.salt == "signedsession"
        assert store.serializer is store.settings.serializer

    # -- the test cookie --------------------------------------------------------------

    def test_test_cookie_trio(self, store: SessionStore) -> None:
        assert (store.TEST_COOKIE_NAME, store.TEST_COOKIE_VALUE) == (
            "testcookie",
            "worked",
        )
        assert store.has_key(store.TEST_COOKIE_NAME) is False
        assert store.test_cookie_worked() is False
        store.set_test_cookie()
        assert store.test_cookie_worked() is True
        assert store[store.TEST_COOKIE_NAME] == "worked"
        store.delete_test_cookie()
        assert store.has_key(store.TEST_COOKIE_NAME) is False

    def test_test_cookie_survives_a_round_trip(self, make_store: MakeStore) -> None:
        store = make_store()
        store.set_test_cookie()
        store.save()
        assert make_store(store.session_key).test_cookie_worked() is True

    # -- size -------------------------------------------------------------------------

    def test_save_measures_the_whole_set_cookie_header(
        self, make_store: MakeStore, clock: Any
    ) -> None:
        store = make_store(compress=False)
        store["blob"] = "x" * 500
        store.save()
        assert store.session_key is not None
        expected = dump_cookie(
            "session",
            store.session_key,
            max_age=MAX_AGE,
            expires=datetime.fromtimestamp(NOW + MAX_AGE, timezone.utc),
            path="/",
            secure=True,
            httponly=True,
            samesite="Lax",
        )
        size = len(expected)
        fits = make_store(compress=False, max_cookie_size=size)
        fits["blob"] = "x" * 500
        fits.save()
        too_big = make_store(compress=False, max_cookie_size=size - 1)
        too_big["blob"] = "x" * 500
        with pytest.raises(SessionTooLarge) as info:
            too_big.save()
        assert (info.value.size, info.value.limit) == (size, size - 1)
        # A new session that failed to save is still new: no id, no key.
        assert (too_big.session_id, too_big.created_at) == (None, None)
        assert too_big.session_key is None

    def test_largest_keys_are_measured_in_bytes(self, make_store: MakeStore) -> None:
        store = make_store(compress=False, max_cookie_size=300)
        store["accents"] = "é" * 200  # 200 characters, 400 bytes in UTF-8
        with pytest.raises(SessionTooLarge) as info:
            store.save()
        assert info.value.largest_keys == [("accents", 414)]  # not 214 characters

    def test_session_too_large_names_sizes_and_keys_never_values(
        self, make_store: MakeStore, saved: str
    ) -> None:
        store = make_store(saved, compress=False, max_cookie_size=300)
        store["big"] = "V" * 400
        store["medium"] = ["W" * 40]
        with pytest.raises(SessionTooLarge) as info:
            store.save()
        error = info.value
        assert isinstance(error, ValueError)
        assert error.limit == 300
        assert error.size > 300
        assert error.largest_keys == [("big", 410), ("medium", 55), ("b", 11), ("a", 7)]
        message = str(error)
        assert message == (
            f"session too large: the Set-Cookie header would be {error.size} bytes,"
            " over the limit of 300; largest keys: 'big' (410 bytes),"
            " 'medium' (55 bytes), 'b' (11 bytes), 'a' (7 bytes)"
        )
        assert "VVV" not in message and "WWW" not in message and "two" not in message
        assert store.session_key == saved  # nothing changed

    def test_session_over_the_decompression_cap_cannot_be_saved(
        self, make_store: MakeStore
    ) -> None:
        store = make_store(max_decompressed_size=1024)
        store["big"] = "a" * 2000  # compresses to a few bytes, still refused
        with pytest.raises(SessionTooLarge) as info:
            store.save()
        assert (info.value.size, info.value.limit) == (2010, 1024)
        assert info.value.largest_keys == [("big", 2010)]

    # -- laziness and logging ------------------------------------------------------

    def test_nothing_is_decoded_before_first_access(
        self, make_store: MakeStore, saved: str, load_spy: LoadSpy
    ) -> None:
        store = make_store(saved)
        assert store.session_key == saved
        assert store.modified is False
        name = type(store).__name__  # SessionStore, or an adapter's session
        assert repr(store) == f"<{name} not loaded>"
        assert load_spy.calls == 0
        assert store["a"] == 1
        assert store.get("b") == "two"
        assert "a" in store
        assert load_spy.calls == 1
        assert repr(store) == f"<{name} loaded>"

    @pytest.mark.parametrize(
        ("corrupt", "reason"),
        [
            (
                lambda value: value[:-1] + ("A" if value[-1] != "A" else "B"),
                "bad signature",
            ),
            (lambda value: value + "A" * 5000, "too large"),
            (lambda value: "x" + value[1:], "bad signature"),
        ],
        ids=["tampered", "oversized", "tampered-payload"],
    )
    def test_rejected_cookie_logs_exactly_one_warning(
        self,
        make_store: MakeStore,
        saved: str,
        caplog: pytest.LogCaptureFixture,
        corrupt: Callable[[str], str],
        reason: str,
    ) -> None:
        store = make_store(corrupt(saved))
        assert store.get("a") is None
        assert "a" not in store
        assert dict(store.items()) == {}
        store["new"] = 1
        store.save()
        assert security_records(caplog) == rejected(reason)
        assert store.rejected == reason
        assert saved[:20] not in caplog.text

    def test_expired_cookie_logs_exactly_one_warning(
        self,
        make_store: MakeStore,
        saved: str,
        clock: Any,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        clock.advance(MAX_AGE + 1)
        store = make_store(saved)
        assert store.get("a") is None
        assert store.get("b") is None
        assert security_records(caplog) == rejected("expired")

    def test_rejected_cookie_is_a_new_empty_session(
        self, make_store: MakeStore, saved: str, caplog: pytest.LogCaptureFixture
    ) -> None:
        store = make_store(saved[:-3] + "abc")
        assert dict(store.items()) == {}
        assert store.session_key is None
        assert store.session_id is None
        assert store.modified is False

    def test_valid_cookie_logs_nothing(
        self, make_store: MakeStore, saved: str, caplog: pytest.LogCaptureFixture
    ) -> None:
        assert make_store(saved)["a"] == 1
        assert security_records(caplog) == []
        assert make_store(saved).rejected is None

    # -- key rotation --------------------------------------------------------------

    def test_cookie_signed_with_a_fallback_key_needs_resigning(
        self, make_store: MakeStore, clock: Any
    ) -> None:
        old = make_store(secret_key=OLD_SECRET)
        old["a"] = 1
        old.save()
        store = make_store(old.session_key, fallback_keys=(OLD_SECRET,))
        assert store.needs_resign is False  # not known before loading
        assert store["a"] == 1
        assert (store.key_index, store.needs_resign) == (1, True)
        store.save()
        assert (store.key_index, store.needs_resign) == (0, False)
        assert make_store(store.session_key)["a"] == 1

    def test_cookie_signed_with_the_current_key_needs_no_resigning(
        self, make_store: MakeStore, saved: str
    ) -> None:
        store = make_store(saved, fallback_keys=(OLD_SECRET,))
        assert store["a"] == 1
        assert (store.key_index, store.needs_resign) == (0, False)

    def test_cookie_signed_with_a_retired_key_is_rejected(
        self, make_store: MakeStore, clock: Any, caplog: pytest.LogCaptureFixture
    ) -> None:
        old = make_store(secret_key=OLD_SECRET)
        old["a"] = 1
        old.save()
        assert make_store(old.session_key).get("a") is None
        assert security_records(caplog) == rejected("bad signature")

    def test_change_after_sealing_warns(self, store: SessionStore) -> None:
        store.seal()
        with pytest.warns(RuntimeWarning, match="modified after the response headers"):
            store["late"] = 1


class ExpiryContract(StoreFixtures):
    """Django's expiry methods (``signedsession._expiry``), enforced on load."""

    def test_default_expiry_is_max_age(self, store: SessionStore) -> None:
        assert store.get_session_cookie_age() == MAX_AGE
        assert store.get_expiry_age() == MAX_AGE
        store.set_expiry(0)
        assert store.get_expiry_age() == MAX_AGE

    def test_custom_expiry_seconds(self, store: SessionStore) -> None:
        modification = datetime(2030, 1, 1, tzinfo=timezone.utc)
        store.set_expiry(10)
        assert store[EXPIRY_KEY] == 10
        assert store.get_expiry_date(
            modification=modification
        ) == modification + timedelta(seconds=10)
        assert store.get_expiry_age(modification=modification) == 10

    def test_custom_expiry_timedelta_is_a_fixed_moment(
        self, store: SessionStore, clock: Any
    ) -> None:
        modification = datetime.fromtimestamp(NOW, timezone.utc)
        store.set_expiry(timedelta(seconds=10))
        clock.advance(3)
        assert store.get_expiry_date(
            modification=modification
        ) == modification + timedelta(seconds=10)
        assert store.get_expiry_age(modification=modification) == 10
        assert store.get_expiry_age() == 7

    @pytest.mark.parametrize(
        "zone",
        [
            timezone.utc,
            timezone(timedelta(hours=5, minutes=30)),
            timezone(-timedelta(hours=8)),
        ],
        ids=["utc", "plus-0530", "minus-8"],
    )
    def test_custom_expiry_aware_datetime_comes_back_equal(
        self, store: SessionStore, zone: timezone
    ) -> None:
        moment = datetime(2030, 6, 1, 12, 0, 0, 250000, tzinfo=zone)
        store.set_expiry(moment)
        expiry = store.get_expiry_date()
        assert expiry == moment
        assert expiry.utcoffset() == timedelta(0)
        assert store.get_expiry_age(modification=moment - timedelta(seconds=10)) == 10

    def test_custom_expiry_naive_datetime_is_utc(self, store: SessionStore) -> None:
        store.set_expiry(datetime(2030, 6, 1, 12, 0, 0))
        assert store.get_expiry_date() == datetime(
            2030, 6, 1, 12, 0, 0, tzinfo=timezone.utc
        )
        assert store.get_expiry_age(modification=datetime(2030, 6, 1, 11, 59, 0)) == 60

    def test_custom_expiry_reset(self, store: SessionStore) -> None:
        store.set_expiry(None)
        store.set_expiry(10)
        store.set_expiry(None)
        assert EXPIRY_KEY not in store
        assert store.get_expiry_age() == MAX_AGE

    def test_expiry_keyword_overrides_the_sessions_expiry(
        self, store: SessionStore, clock: Any
    ) -> None:
        store.set_expiry(10)
        now = datetime.fromtimestamp(NOW, timezone.utc)
        assert store.get_expiry_age(expiry=30) == 30
        assert store.get_expiry_age(expiry=None) == MAX_AGE
        assert store.get_expiry_age(expiry=0) == MAX_AGE
        assert store.get_expiry_age(expiry=now + timedelta(seconds=40)) == 40
        assert (
            store.get_expiry_age(expiry=(now + timedelta(seconds=50)).isoformat()) == 50
        )
        assert store.get_expiry_date(expiry=30) == now + timedelta(seconds=30)
        assert store.get_expiry_date(expiry=None) == now + timedelta(seconds=MAX_AGE)
        assert store.get_expiry_date(
            expiry=now + timedelta(seconds=40)
        ) == now + timedelta(seconds=40)

    def test_expiry_keyword_does_not_load_the_session(
        self, make_store: MakeStore, saved: str, load_spy: LoadSpy
    ) -> None:
        store = make_store(saved)
        assert store.get_expiry_age(expiry=30) == 30
        assert store.get_expiry_date(
            expiry=30, modification=datetime(2030, 1, 1, tzinfo=timezone.utc)
        ) == datetime(2030, 1, 1, 0, 0, 30, tzinfo=timezone.utc)
        assert load_spy.calls == 0

    def test_expiry_date_defaults_to_now_plus_max_age(
        self, store: SessionStore, clock: Any
    ) -> None:
        assert store.get_expiry_date() == datetime.fromtimestamp(
            NOW + MAX_AGE, timezone.utc
        )

    @pytest.mark.parametrize(
        "setting", [False, True], ids=["setting-off", "setting-on"]
    )
    def test_get_expire_at_browser_close(
        self, make_store: MakeStore, setting: bool
    ) -> None:
        store = make_store(expire_at_browser_close=setting)
        assert store.get_expire_at_browser_close() is setting
        store.set_expiry(10)
        assert store.get_expire_at_browser_close() is False
        store.set_expiry(0)
        assert store.get_expire_at_browser_close() is True
        store.set_expiry(datetime(2030, 1, 1, tzinfo=timezone.utc))
        assert store.get_expire_at_browser_close() is False
        store.set_expiry(None)
        assert store.get_expire_at_browser_close() is setting

    @pytest.mark.parametrize("value", [1.5, "10", True, [10]], ids=repr)
    def test_set_expiry_of_another_type_is_a_type_error(
        self, store: SessionStore, value: Any
    ) -> None:
        with pytest.raises(
            TypeError, match=r"^set_expiry takes an int, datetime, timedelta"
        ):
            store.set_expiry(value)
        assert store.modified is False

    def test_set_expiry_of_negative_seconds_is_a_value_error(
        self, store: SessionStore
    ) -> None:
        with pytest.raises(
            ValueError, match=r"^set_expiry takes seconds >= 0, got -1$"
        ):
            store.set_expiry(-1)

    def test_custom_seconds_are_enforced_on_load(
        self, make_store: MakeStore, clock: Any, caplog: pytest.LogCaptureFixture
    ) -> None:
        store = make_store()
        store["foo"] = "bar"
        store.set_expiry(300)
        store.save()
        clock.advance(300)
        assert make_store(store.session_key).get("foo") == "bar"
        clock.advance(1)
        assert make_store(store.session_key).get("foo") is None
        assert security_records(caplog) == rejected("expired")

    def test_custom_seconds_longer_than_max_age_are_honoured(
        self, make_store: MakeStore, clock: Any
    ) -> None:
        store = make_store(max_age=60)
        store["foo"] = "bar"
        store.set_expiry(3600)
        store.save()
        clock.advance(3600)
        assert make_store(store.session_key, max_age=60).get("foo") == "bar"

    def test_past_expiry_date_expires_instantly(
        self, make_store: MakeStore, clock: Any, caplog: pytest.LogCaptureFixture
    ) -> None:
        store = make_store()
        store["foo"] = "bar"
        store.set_expiry(-timedelta(seconds=10))
        store.save()
        assert "foo" not in make_store(store.session_key)
        assert security_records(caplog) == rejected("expired")

    def test_future_expiry_date_holds_past_max_age(
        self, make_store: MakeStore, clock: Any
    ) -> None:
        store = make_store(max_age=60)
        store["foo"] = "bar"
        store.set_expiry(timedelta(hours=2))
        store.save()
        clock.advance(7200)
        assert make_store(store.session_key, max_age=60).get("foo") == "bar"
        clock.advance(1)
        assert make_store(store.session_key, max_age=60).get("foo") is None

    def test_max_age_is_enforced_on_load(
        self, make_store: MakeStore, clock: Any
    ) -> None:
        store = make_store(max_age=100)
        store["foo"] = "bar"
        store.save()
        clock.advance(101)
        assert make_store(store.session_key, max_age=100).get("foo") is None

    def test_cookie_from_the_future_beyond_skew_is_rejected(
        self, make_store: MakeStore, clock: Any, caplog: pytest.LogCaptureFixture
    ) -> None:
        store = make_store()
        store["foo"] = "bar"
        store.save()
        clock.advance(-61)
        assert make_store(store.session_key).get("foo") is None
        assert security_records(caplog) == rejected("timestamp in the future")

    def test_cookie_from_the_future_within_skew_is_accepted(
        self, make_store: MakeStore, clock: Any
    ) -> None:
        store = make_store()
        store["foo"] = "bar"
        store.save()
        clock.advance(-60)
        assert make_store(store.session_key).get("foo") == "bar"

    @pytest.mark.parametrize(
        ("expiry", "max_age"),
        [
            (None, 100),
            (50, 100),
            (500, 100),
            (timedelta(seconds=200), 100),
            (datetime.fromtimestamp(NOW + 300, timezone.utc), 100),
        ],
        ids=["default", "seconds-shorter", "seconds-longer", "timedelta", "datetime"],
    )
    def test_cookie_max_age_and_server_check_agree(
        self, make_store: MakeStore, clock: Any, expiry: Any, max_age: int
    ) -> None:
        store = make_store(max_age=max_age)
        store["foo"] = "bar"
        store.set_expiry(expiry)
        store.save()
        lifetime = store.cookie_max_age()
        assert lifetime is not None
        clock.advance(lifetime)
        assert make_store(store.session_key, max_age=max_age).get("foo") == "bar"
        clock.advance(1)
        assert make_store(store.session_key, max_age=max_age).get("foo") is None

    def test_browser_close_cookie_has_no_max_age_but_max_age_still_holds(
        self, make_store: MakeStore, clock: Any
    ) -> None:
        store = make_store(max_age=100)
        store["foo"] = "bar"
        store.set_expiry(0)
        store.save()
        assert store.cookie_max_age() is None
        clock.advance(100)
        assert make_store(store.session_key, max_age=100).get("foo") == "bar"
        clock.advance(1)
        assert make_store(store.session_key, max_age=100).get("foo") is None
