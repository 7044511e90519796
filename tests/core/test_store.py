"""SessionStore: the store contract (tests/store_contract.py), and the rest.

``TestSessionStore`` runs :class:`store_contract.SessionContract` against the
core store (``tests/core/test_expiry.py`` runs its expiry part); the tests
below it are the store's own.
"""

from __future__ import annotations

from typing import Any

import pytest
from shared import SECRET
from store_contract import (
    LoadSpy,
    MakeStore,
    SessionContract,
    make_core_store,
    rejected,
    security_records,
)

from signedsession import SessionSettings, SessionStore
from signedsession._codec import Codec
from signedsession.exceptions import InvalidCookie


class TestSessionStore(SessionContract):
    """The core store runs the contract."""

    @pytest.fixture
    def make_store(self, clock: Any) -> MakeStore:
        return make_core_store

    # -- from_cookie_header: the middleware's constructor ---------------------------

    def header_store(self, header: str | None, **fields: Any) -> SessionStore:
        fields.setdefault("secret_key", SECRET)
        return SessionStore.from_cookie_header(
            header, settings=SessionSettings(**fields)
        )

    def test_header_is_not_parsed_before_first_use(
        self, saved: str, load_spy: LoadSpy
    ) -> None:
        store = self.header_store(f"session={saved}")
        assert store.had_cookie is False  # not known yet
        assert load_spy.calls == 0
        assert store["a"] == 1
        assert store.had_cookie is True
        assert store.session_key == saved

    def test_first_of_several_same_named_cookies_that_verifies_wins(
        self, make_store: MakeStore, saved: str, caplog: pytest.LogCaptureFixture
    ) -> None:
        other = make_store()
        other["a"] = "other"
        other.save()
        header = (
            f"session=forged-value-xyz; theme=dark; session={saved};"
            f" session={other.session_key}"
        )
        store = self.header_store(header)
        assert store["a"] == 1
        assert store.session_key == saved
        assert security_records(caplog) == []

    def test_no_same_named_cookie_verifying_logs_one_warning(
        self, saved: str, caplog: pytest.LogCaptureFixture
    ) -> None:
        store = self.header_store(f"session=forged-value-1; session={saved[:-2]}zz")
        assert dict(store.items()) == {}
        assert store.had_cookie is True
        assert store.session_key is None
        assert security_records(caplog) == rejected("bad signature")

    @pytest.mark.parametrize(
        "header", [None, "", "theme=dark; lang=en", "sessionid=abcdefghij"], ids=repr
    )
    def test_header_without_our_cookie_is_an_empty_session(
        self, header: str | None, caplog: pytest.LogCaptureFixture
    ) -> None:
        store = self.header_store(header)
        assert dict(store.items()) == {}
        assert store.had_cookie is False
        assert store.session_key is None
        assert security_records(caplog) == []

    def test_header_cookie_name_follows_settings(self, saved: str) -> None:
        store = self.header_store(f"session=nope; sid={saved}", cookie_name="sid")
        assert store["a"] == 1

    def test_store_settings_share_one_codec(self, make_store: MakeStore) -> None:
        settings = SessionSettings(secret_key=SECRET)
        first = SessionStore(None, settings=settings)
        second = SessionStore(None, settings=settings)
        assert first._codec is second._codec is Codec.of(settings)

    def test_codec_errors_never_escape_the_store(
        self, make_store: MakeStore, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        def broken(codec: Codec, value: str) -> Any:
            raise InvalidCookie("malformed")

        monkeypatch.setattr(Codec, "try_loads", broken)
        assert dict(make_store("abcdefghijkl").items()) == {}


def test_save_refuses_data_that_could_not_load_back(clock: Any) -> None:
    store = SessionStore(settings=SessionSettings(secret_key=SECRET))
    value: Any = 1
    for _ in range(64):
        value = [value]
    store["deep"] = value  # 65 levels with the session dict itself
    with pytest.raises(ValueError, match=r"nested deeper than max_json_depth \(64\)"):
        store.save()
    assert store.session_key is None


class Tagged(SessionStore):
    """A subclass whose constructor does more than the store's."""

    def __init__(self, session_key: str | None = None, **kwargs: Any) -> None:
        super().__init__(session_key, **kwargs)
        self.tag = "built"


def test_from_cookie_header_runs_a_subclass_constructor(
    settings: SessionSettings,
) -> None:
    store = Tagged.from_cookie_header("session=abcdefghij", settings=settings)
    assert isinstance(store, Tagged)
    assert store.tag == "built"
    assert store.settings is settings
    assert store.session_key == "abcdefghij"


def test_opener_gives_what_from_cookie_header_gives(settings: SessionSettings) -> None:
    open_store = SessionStore.opener(settings)
    first, second = open_store("session=abcdefghij"), open_store(None)
    assert first is not second
    expected = SessionStore.from_cookie_header("session=abcdefghij", settings=settings)
    assert vars(first) == vars(expected)
    assert first.session_key == "abcdefghij"
    assert second.settings is settings
    assert second.session_key is None and not second.had_cookie


def test_modified_is_a_documented_property_that_warns_once_sealed(
    settings: SessionSettings,
) -> None:
    assert SessionStore.modified.__doc__ == "The data changed and must be saved."
    store = SessionStore(settings=settings)
    assert store.modified is False
    store.modified = True
    assert store.modified is True
    store.seal()
    with pytest.warns(RuntimeWarning, match="cannot reach the client"):
        store.modified = True


def test_opener_keeps_a_subclass_constructor_and_from_cookie_header(
    settings: SessionSettings,
) -> None:
    class Marked(SessionStore):
        @classmethod
        def from_cookie_header(
            cls, header: str | None, *, settings: SessionSettings
        ) -> SessionStore:
            store = super().from_cookie_header(header, settings=settings)
            store.mark = header  # type: ignore[attr-defined]
            return store

    tagged = Tagged.opener(settings)("session=abcdefghij")
    assert isinstance(tagged, Tagged) and tagged.tag == "built"
    assert tagged.session_key == "abcdefghij"
    marked = Marked.opener(settings)("session=abcdefghij")
    assert isinstance(marked, Marked) and marked.mark == "session=abcdefghij"
