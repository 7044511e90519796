"""Quart adapter: signedsession's store behind Quart's session interface.

Quart's session interface is Flask's, awaited; so is this one. One line
switches an application, and nobody is logged out::

    app.session_interface = SignedSessionInterface()

Every rule is the Flask adapter's (:mod:`signedsession.adapters.flask`):
the same ``app.config`` keys, hooks, overrides and settings cache. Cookies
issued by Quart's default ``SecureCookieSessionInterface`` are in Flask's
format (same salt, digest, key derivation and tagged JSON) and are
accepted and re-issued in signedsession's format.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask.sessions import NullSession, SessionMixin

from signedsession.adapters.flask import FlaskSession
from signedsession.adapters.flask import (
    SignedSessionInterface as FlaskSessionInterface,
)

if TYPE_CHECKING:
    from quart import Quart
    from quart.wrappers import BaseRequestWebsocket

__all__ = ["SignedSessionInterface"]

_HTTPS_SCHEMES = frozenset({"https", "wss"})


class SignedSessionInterface(FlaskSessionInterface):  # type: ignore[misc]
    """A Quart session interface that keeps the session in a signed cookie.

    Reads ``app.config`` as Quart's ``SecureCookieSessionInterface`` does;
    ``https`` is the request's scheme (``https`` or ``wss``). A WebSocket
    gets the session read-only: a change made during one is logged as an
    error, as Quart does, since no cookie can be set on it.

    :param overrides: :class:`~signedsession.SessionSettings` fields that win
        over what is derived from ``app.config``.

    .. versionadded:: 0.1
    """

    async def open_session(
        self, app: Quart, request: BaseRequestWebsocket
    ) -> FlaskSession | None:
        """The request's session, its cookie read on first access."""
        cookies = request.headers.getlist("Cookie")
        return self.session_for(
            app,
            "; ".join(cookies) if cookies else None,
            https=request.scheme in _HTTPS_SCHEMES,
        )

    async def save_session(
        self, app: Quart, session: SessionMixin, response: Any
    ) -> None:
        """Set, refresh or delete the cookie as Quart would.

        ``response`` is None after a WebSocket: nothing can be saved then.
        Signing is CPU work only, done in the event loop.

        :raises SessionTooLarge: the session no longer fits in a cookie.
        """
        if response is None:
            if session.modified:
                app.logger.error(
                    "session modified during websocket handling: a cookie"
                    " cannot be set on a websocket, the change is lost"
                )
            return
        super().save_session(app, session, response)

    async def make_null_session(self, app: Quart) -> NullSession:
        """The session used when no secret key is configured."""
        null: NullSession = self.null_session_class()
        return null
