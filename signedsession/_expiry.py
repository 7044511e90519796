"""Django's session expiry methods, enforced by signedsession on load."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Protocol

from . import _clock
from ._codec import EXPIRY_KEY, MAX_EXPIRY_SECONDS, parse_expiry
from .settings import SessionSettings

__all__ = ["ExpiryMethods"]


class _Session(Protocol):
    """What the expiry methods need of the session they are mixed into."""

    settings: SessionSettings

    def __contains__(self, key: object) -> bool: ...
    def get(self, key: str, default: Any = None) -> Any: ...
    def __setitem__(self, key: str, value: Any) -> None: ...
    def __delitem__(self, key: str) -> None: ...
    def get_session_cookie_age(self) -> int | None: ...
    def get_expiry_age(self, **kwargs: Any) -> int | None: ...
    def get_expire_at_browser_close(self) -> bool: ...


class ExpiryMethods:
    """Django's expiry API for a session kept under ``_session_expiry``.

    An int is seconds of inactivity, 0 a browser-session cookie, a datetime
    a fixed moment, None the global policy; the codec enforces each when the
    cookie comes back. Mixed into :class:`~signedsession.SessionStore`.
    """

    def get_session_cookie_age(self: _Session) -> int | None:
        """Seconds a cookie lives by default: ``max_age``."""
        return self.settings.max_age

    def get_expiry_age(self: _Session, **kwargs: Any) -> int | None:
        """Seconds until the session expires.

        :param modification: the moment to count from (default: now).
        :param expiry: use this expiry instead of the session's.
        """
        expiry = parse_expiry(
            kwargs["expiry"] if "expiry" in kwargs else self.get(EXPIRY_KEY)
        )
        if not expiry:
            return self.get_session_cookie_age()
        if not isinstance(expiry, datetime):
            return expiry
        modification = kwargs.get("modification") or _clock.now()
        delta = expiry - _clock.aware(modification)
        return delta.days * 86400 + delta.seconds

    def get_expiry_date(self: _Session, **kwargs: Any) -> datetime:
        """The moment the session expires, as an aware UTC datetime.

        :param modification: the moment to count from (default: now).
        :param expiry: use this expiry instead of the session's.
        """
        expiry = parse_expiry(
            kwargs["expiry"] if "expiry" in kwargs else self.get(EXPIRY_KEY)
        )
        if isinstance(expiry, datetime):
            return expiry
        modification = _clock.aware(kwargs.get("modification") or _clock.now())
        seconds = expiry or self.get_session_cookie_age()
        return modification + timedelta(seconds=seconds or 0)

    def set_expiry(self: _Session, value: int | datetime | timedelta | None) -> None:
        """Set this session's expiry.

        An int is seconds of inactivity (0: when the browser closes); a
        datetime or timedelta a fixed moment; None the global policy. The
        expiry is enforced when the cookie comes back.

        :raises TypeError: for any other type.
        :raises ValueError: for a negative number of seconds, or one over
            ``MAX_EXPIRY_SECONDS`` (about 317 years).
        """
        if value is None:
            if EXPIRY_KEY in self:
                del self[EXPIRY_KEY]
            return
        if isinstance(value, timedelta):
            value = _clock.now() + value
        if isinstance(value, datetime):
            self[EXPIRY_KEY] = _clock.aware(value).astimezone(timezone.utc).isoformat()
            return
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(
                "set_expiry takes an int, datetime, timedelta or None,"
                f" got {type(value).__name__}"
            )
        if value < 0:
            raise ValueError(f"set_expiry takes seconds >= 0, got {value}")
        if value > MAX_EXPIRY_SECONDS:
            # Past this, now + expiry leaves the range of datetime.
            raise ValueError(
                f"set_expiry takes seconds <= {MAX_EXPIRY_SECONDS}, got {value}"
            )
        self[EXPIRY_KEY] = value

    def get_expire_at_browser_close(self: _Session) -> bool:
        """Whether the cookie ends with the browser session."""
        expiry = self.get(EXPIRY_KEY)
        if expiry is None:
            return self.settings.expire_at_browser_close
        return bool(expiry == 0)

    def cookie_max_age(self: _Session) -> int | None:
        """The cookie's ``Max-Age``; None for a browser-session cookie."""
        if self.get_expire_at_browser_close():
            return None
        age = self.get_expiry_age()
        return None if age is None else max(age, 0)
