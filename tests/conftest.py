"""Fixtures shared by the test modules: a controllable clock and settings."""

from __future__ import annotations

from typing import Any, Callable

import pytest

import signedsession.clock
from signedsession import SessionSettings

SECRET = "test-secret-key-that-is-32-bytes-long!"
OLD_SECRET = "an-older-secret-key-also-32-bytes-long"


class Clock:
    """A stand-in for :func:`signedsession.clock.time` that moves on demand."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """Freeze signedsession's time at a fixed moment; ``advance`` moves it."""
    fake = Clock()
    monkeypatch.setattr(signedsession.clock, "time", fake)
    return fake


@pytest.fixture
def make_settings() -> Callable[..., SessionSettings]:
    """Build SessionSettings with a strong test secret and the given fields."""

    def make(**fields: Any) -> SessionSettings:
        fields.setdefault("secret_key", SECRET)
        return SessionSettings(**fields)

    return make


@pytest.fixture
def settings(make_settings: Callable[..., SessionSettings]) -> SessionSettings:
    """Default settings with the test secret."""
    return make_settings()
