"""Set-Cookie headers for the session cookie, built with werkzeug."""

from __future__ import annotations

from datetime import datetime, timedelta

from werkzeug.http import dump_cookie
from werkzeug.sansio.http import parse_cookie

from . import clock
from .settings import SessionSettings

__all__ = ["CookieFormat"]


class CookieFormat:
    """The session cookie's ``Set-Cookie`` values for one settings object."""

    def __init__(self, settings: SessionSettings) -> None:
        self.name = settings.cookie_name
        self._settings = settings

    @classmethod
    def of(cls, settings: SessionSettings) -> CookieFormat:
        """The cookie format of ``settings``, built once and kept with them."""
        try:
            return settings.__dict__["_cookie_format"]  # type: ignore[no-any-return]
        except KeyError:
            fmt = cls(settings)
            object.__setattr__(settings, "_cookie_format", fmt)
            return fmt

    def values(self, header: str) -> list[str]:
        """Every value of the session cookie in a ``Cookie`` header, in order."""
        if self.name not in header:
            return []
        return parse_cookie(header).getlist(self.name)

    def set_cookie(self, value: str, max_age: int | None, *, secure: bool) -> str:
        """The ``Set-Cookie`` value that stores ``value``.

        :param max_age: seconds the browser keeps it; None for a cookie that
            ends with the browser session.
        """
        settings = self._settings
        expires: datetime | None = None
        if max_age is not None:
            expires = clock.now() + timedelta(seconds=max_age)
        return dump_cookie(
            self.name,
            value,
            max_age=max_age,
            expires=expires,
            path=settings.path,
            domain=settings.domain,
            secure=secure,
            httponly=settings.httponly,
            samesite=settings.samesite,
            partitioned=settings.partitioned,
            max_size=0,
        )

    def delete_cookie(self, *, secure: bool) -> str:
        """The ``Set-Cookie`` value that removes the cookie.

        It carries every attribute of the cookie it replaces, or browsers
        would keep the original.
        """
        settings = self._settings
        return dump_cookie(
            self.name,
            "",
            max_age=0,
            expires=0,
            path=settings.path,
            domain=settings.domain,
            secure=secure,
            httponly=settings.httponly,
            samesite=settings.samesite,
            partitioned=settings.partitioned,
        )

    def size(self, value: str, max_age: int | None) -> int:
        """Length of the ``Set-Cookie`` value for ``value`` on https.

        Counted with ``Secure``, the longest form, so a cookie that fits
        fits on every scheme.
        """
        return len(self.set_cookie(value, max_age, secure=True))
