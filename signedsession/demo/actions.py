"""What every demo app does to the session: log in, count, flash, log out.

Flash messages live under Flask's own key, ``"_flashes"``, as Flask's
``(category, message)`` pairs, so every app reads what any other wrote.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any, cast

from ..store import SessionStore
from .pages import MAX_USERNAME

__all__ = [
    "BYE",
    "FLASHES_KEY",
    "count",
    "flash",
    "log_in",
    "log_out",
    "log_out_everywhere",
    "pop_flashes",
]

FLASHES_KEY = "_flashes"
#: What a page says after a logout (``?bye=...``).
BYE = {"1": "Logged out.", "all": "Logged out on every device."}

Session = MutableMapping[str, Any]


def flash(session: Session, category: str, message: str) -> None:
    """Queue ``message`` exactly as ``flask.flash`` does."""
    flashes = list(session.get(FLASHES_KEY, []))
    flashes.append((category, message))
    session[FLASHES_KEY] = flashes


def pop_flashes(session: Session) -> list[tuple[str, str]]:
    """Take the queued messages, as ``flask.get_flashed_messages`` does."""
    if FLASHES_KEY not in session:
        return []
    return [(str(c), str(m)) for c, m in session.pop(FLASHES_KEY)]


def log_in(session: Session, framework: str, username: str) -> None:
    """Log ``username`` in, or flash why not."""
    name = " ".join(username.split())
    if not name or len(name) > MAX_USERNAME:
        flash(session, framework, f"Enter a user name of 1 to {MAX_USERNAME} letters.")
        return
    session["user"] = name
    session.setdefault("counter", 0)
    flash(session, framework, f"Logged in as {name}.")


def count(session: Session, framework: str) -> None:
    """Add one to the shared counter."""
    session["counter"] = int(session.get("counter", 0)) + 1
    flash(session, framework, f"Counter is now {session['counter']}.")


def log_out(session: Session) -> None:
    """Empty the session: the cookie is deleted, and its id revoked."""
    cast(SessionStore, session).flush()


def log_out_everywhere(session: Session) -> None:
    """Revoke every session of this user, in any browser, and this one."""
    store = cast(SessionStore, session)
    if store.get("user") is not None:
        store.revoke_user_sessions()
    else:
        store.flush()
