"""What each request does with its session, shared by every framework.

Every contender runs the same actions on its own session object: a view
looks up its action by the request path and calls it with the session. The
bare apps run the same views on :data:`BARE_SESSION`, a plain dict.
The cookie each workload sends is minted by the contender itself (a
``/seed`` request), so every contender reads a cookie in its own format.
"""

from __future__ import annotations

import json
import random
import string
from dataclasses import dataclass
from typing import Any, Callable

__all__ = [
    "BARE_SESSION",
    "BASE_DATA",
    "PAYLOAD_SIZES",
    "SECRET",
    "SESSIONS",
    "WORKLOADS",
    "Session",
    "Workload",
    "action",
    "payload",
    "tamper",
]

#: One secret for every contender (48 bytes: no weak-key warnings).
SECRET = "benchmark-secret-0123456789abcdef-0123456789abcdef"

#: The session every cookie-carrying workload starts from.
BASE_DATA: dict[str, Any] = {"user_id": 42, "username": "alice", "theme": "dark"}

#: What the views of the bare apps get instead of a session: a plain dict, so
#: that a bare app runs the same view code with no session machinery.
BARE_SESSION: dict[str, Any] = dict(BASE_DATA)

#: Other cookies a browser sends beside the session (parsed by every peer).
OTHER_COOKIES = "lang=en; _pk=1f9a0c7e2b"

#: Payload sizes of the write workloads (bytes of the stored string).
PAYLOAD_SIZES = (100, 1024, 3072)

OK = b"ok"


@dataclass(frozen=True)
class Session:
    """The data a workload's cookie holds.

    :param name: short id.
    :param title: the name on the page.
    :param data: the session's keys and values.
    """

    name: str
    title: str
    data: dict[str, Any]

    def describe(self) -> dict[str, Any]:
        """The session as the results record it: name, title, size, keys."""
        return {
            "name": self.name,
            "title": self.title,
            "json_bytes": len(json.dumps(self.data, separators=(",", ":"))),
            "keys": list(self.data),
        }


SESSIONS: tuple[Session, ...] = (Session("small", "small", BASE_DATA),)


@dataclass(frozen=True)
class Workload:
    """One kind of request.

    :param name: short id, a column of the result tables.
    :param path: the request path, which selects the action.
    :param cookie: which cookie the request sends: ``"base"`` (a valid cookie
        holding :data:`BASE_DATA`), ``"tampered"`` (the same, one character
        changed), ``"none"``, or ``"blob:N"`` (base data plus an N-byte blob).
    :param expect_body: the body a session contender must answer (None: any).
    :param expect_cookie: whether it must answer with a ``Set-Cookie``
        (None: either).
    :param group: the workloads shown together in one table.
    """

    name: str
    title: str
    path: str
    cookie: str
    expect_body: bytes | None = OK
    expect_cookie: bool | None = True
    group: str = "small session"

    def describe(self) -> dict[str, str]:
        """The workload as the results record it."""
        return {"name": self.name, "title": self.title, "group": self.group}


WORKLOADS: tuple[Workload, ...] = (
    Workload("read", "read", "/read", "base", b"42", None),
    Workload("write", "write", "/write", "base"),
    Workload("untouched", "untouched", "/untouched", "base", OK, False),
    Workload("new", "new", "/write", "none"),
    Workload("tampered", "tampered", "/read", "tampered", b"None", None),
    *(
        Workload(
            f"write_{n}", f"{_label} write", f"/write/{n}", "base", group="payload"
        )
        for n, _label in zip(PAYLOAD_SIZES, ("100 B", "1 KB", "3 KB"))
    ),
)


def payload(size: int) -> str:
    """``size`` characters of reproducible random URL-safe text.

    Random text of a 64-letter alphabet: deflate shrinks it by about a
    quarter, as it would a token or an id list, not to nothing as it would
    ``"x" * size``.
    """
    rng = random.Random(size)
    alphabet = string.ascii_letters + string.digits + "-_"
    return "".join(rng.choice(alphabet) for _ in range(size))


def _read(session: Any) -> bytes:
    return str(session.get("user_id")).encode()


def _write(session: Any) -> bytes:
    session["visits"] = 2
    return OK


def _untouched(session: Any) -> bytes:
    return OK


def _seed(size: int) -> Callable[[Any], bytes]:
    blob = payload(size) if size else None

    def seed(session: Any) -> bytes:
        session.update(BASE_DATA)
        if blob is not None:
            session["blob"] = blob
        return OK

    return seed


def _write_blob(size: int) -> Callable[[Any], bytes]:
    blob = payload(size)

    def write_blob(session: Any) -> bytes:
        session["blob"] = blob
        return OK

    return write_blob


_ACTIONS: dict[str, Callable[[Any], bytes]] = {
    "/read": _read,
    "/write": _write,
    "/untouched": _untouched,
    "/seed": _seed(0),
}


def register_size(size: int) -> None:
    """Make ``/write/<size>`` and ``/seed/<size>`` available (before timing)."""
    _ACTIONS.setdefault(f"/write/{size}", _write_blob(size))
    _ACTIONS.setdefault(f"/seed/{size}", _seed(size))


for _size in PAYLOAD_SIZES:
    register_size(_size)


def action(path: str) -> Callable[[Any], bytes]:
    """The action of a request path (a dict lookup: the same cost everywhere)."""
    return _ACTIONS[path]


def tamper(value: str) -> str:
    """``value`` with one alphanumeric character near the middle changed.

    The structure stays valid, so each library gets as far as its signature
    check.
    """
    index = len(value) // 2
    while not value[index].isalnum():
        index += 1
    replacement = "A" if value[index] != "A" else "B"
    return value[:index] + replacement + value[index + 1 :]
