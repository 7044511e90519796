"""The stdlib floor as a Django session engine, for :mod:`benchmarks.django_ratio`.

``SESSION_ENGINE = "benchmarks.django_floor"``: the least store Django's
``SessionMiddleware`` can drive (as :class:`benchmarks.django_ratio.SessionStore`)
that still verifies its cookie on first use and signs it on save, with the
floor's few lines of stdlib (:func:`benchmarks.floor.verify` and
:func:`~benchmarks.floor.sign`). No session id, no size check, no key
rotation: what any signed-cookie engine must at least do under Django.
"""

from __future__ import annotations

import time
from typing import Any

from .floor import MAX_AGE, sign, verify
from .workloads import SECRET

__all__ = ["KEY", "SessionStore"]

KEY = SECRET.encode()


class SessionStore(dict):  # type: ignore[type-arg]
    """A dict verified from ``session_key`` on first use, signed on save."""

    accessed = False
    modified = False
    _loaded = False

    def __init__(self, session_key: str | None = None) -> None:
        super().__init__()
        self.session_key = session_key

    def _load(self) -> None:
        if not self._loaded:
            self._loaded = True
            data = verify(self.session_key, KEY) if self.session_key else None
            if data:
                dict.update(self, data)

    def get(self, key: str, default: Any = None) -> Any:
        self.accessed = True
        self._load()
        return dict.get(self, key, default)

    def __setitem__(self, key: str, value: Any) -> None:
        self.accessed = self.modified = True
        self._load()
        dict.__setitem__(self, key, value)

    def is_empty(self) -> bool:
        self._load()
        return not self

    def get_expire_at_browser_close(self) -> bool:
        return False

    def get_expiry_age(self) -> int:
        return MAX_AGE

    def save(self) -> None:
        self._load()
        self.session_key = sign(dict(self), KEY, int(time.time()))
