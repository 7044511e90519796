"""Revocation of signed-cookie sessions: a logged-out or stolen cookie stops working.

Set ``SessionSettings(revocations=...)`` to a backend or a URL:
``"memory://"``, ``"sqlite:///abs/path.sqlite3"``, ``"redis://host:port/db"``.
"""

from __future__ import annotations

import threading
from typing import Any, Callable
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from ..settings import SessionSettings
from ._base import (
    CHECKED,
    REVOKED,
    TRUSTED,
    UNCHECKED,
    BackendError,
    Revocations,
)
from .memory import MemoryRevocations
from .redis import RedisRevocations
from .sqlite import SQLiteRevocations

__all__ = [
    "CHECKED",
    "ENV_REVOCATIONS",
    "REVOKED",
    "TRUSTED",
    "UNCHECKED",
    "BackendError",
    "MemoryRevocations",
    "RedisRevocations",
    "Revocations",
    "SQLiteRevocations",
    "backend_of",
    "from_url",
]

#: The environment variable the command line reads the store's URL from.
ENV_REVOCATIONS = "SIGNEDSESSION_REVOCATIONS"


def _flag(text: str) -> bool:
    return text.lower() in ("1", "true", "yes", "on")


_OPTIONS: dict[str, Callable[[str], Any]] = {
    "check_interval": float,
    "timeout": float,
    "poll_interval": float,
    "ttl": int,
    "fail_closed": _flag,
}
# One backend per URL per process: its poller and connections are shared by
# every SessionSettings built from the same URL (Flask rebuilds settings when
# its config changes).
_by_url: dict[str, Revocations] = {}
_by_url_lock = threading.Lock()


def backend_of(settings: SessionSettings) -> Revocations | None:
    """The backend of ``settings.revocations``: a URL opened on first use.

    :raises ValueError: the URL names no backend, or an option is bad.
    """
    value = settings.revocations
    if value is None or isinstance(value, Revocations):
        return value
    if isinstance(value, str):
        return settings.derived(_open)
    raise TypeError(
        "revocations must be a backend from signedsession.revocation,"
        f" got {type(value).__name__}"
    )


def _open(settings: SessionSettings) -> Revocations:
    assert isinstance(settings.revocations, str)
    return from_url(settings.revocations)


def from_url(url: str) -> Revocations:
    """The backend a URL names, one per URL per process.

    ``memory://``, ``sqlite:///absolute/path.sqlite3``,
    ``redis://host:port/db`` (``rediss://``, ``unix://`` too). Query
    parameters ``check_interval``, ``timeout``, ``poll_interval``, ``ttl``
    and ``fail_closed`` set the backend's options.

    :raises ValueError: the URL names no backend, or an option is bad.
    """
    if not isinstance(url, str):
        raise TypeError(f"revocations must be a backend or a URL, got {url!r}")
    with _by_url_lock:
        backend = _by_url.get(url)
        if backend is None:
            backend = _by_url[url] = _build(url)
        return backend


def _build(url: str) -> Revocations:
    parts = urlsplit(url)
    options: dict[str, Any] = {}
    rest = []
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        if name in _OPTIONS:
            try:
                options[name] = _OPTIONS[name](value)
            except ValueError:
                raise ValueError(
                    f"revocations URL option {name} must be a number, got {value!r}"
                ) from None
        else:
            rest.append(f"{name}={value}")
    scheme = parts.scheme.lower()
    if scheme == "memory":
        return MemoryRevocations(**options)
    if scheme == "sqlite":
        path = parts.path
        if parts.netloc or not path.startswith("/") or path == "/":
            raise ValueError(
                f"revocations sqlite URL must be sqlite:///absolute/path, got {url!r}"
            )
        return SQLiteRevocations(path, **options)
    if scheme in ("redis", "rediss", "unix"):
        plain = urlunsplit((parts.scheme, parts.netloc, parts.path, "&".join(rest), ""))
        return RedisRevocations(plain, **options)
    raise ValueError(
        "revocations must be a backend or a URL starting with memory://,"
        f" sqlite:/// or redis://, got scheme {parts.scheme!r}"
    )
