"""What each request does with its session, shared by every framework.

Every contender runs the same actions on its own session object: a view
looks up its action by the request path and calls it with the session. The
bare apps run the same views on :data:`BARE_SESSION`, a plain dict.
The cookie each workload sends is minted by the contender itself (a
``/seed/<session>`` request), so every contender reads a cookie in its own
format.

The sessions (:data:`SESSIONS`) go from today's tiny one to what real
applications carry: Flask-Login's keys, a CSRF token, flash messages, a
cart.
"""

from __future__ import annotations

import base64
import json
import random
import string
from dataclasses import dataclass
from typing import Any, Callable

__all__ = [
    "BARE_SESSION",
    "BASE_DATA",
    "OTHER_COOKIES",
    "SECRET",
    "SESSIONS",
    "WORKLOADS",
    "Session",
    "Workload",
    "action",
    "json_bytes",
    "payload",
    "register_size",
    "tamper",
]

#: One secret for every contender (48 bytes: no weak-key warnings).
SECRET = "benchmark-secret-0123456789abcdef-0123456789abcdef"

#: The small session: three short keys, about 50 bytes of JSON.
BASE_DATA: dict[str, Any] = {"user_id": 42, "username": "alice", "theme": "dark"}

#: Other cookies a browser sends beside the session (parsed by every peer).
OTHER_COOKIES = "lang=en; _pk=1f9a0c7e2b"

OK = b"ok"


def json_bytes(data: dict[str, Any]) -> int:
    """Bytes of ``data`` as compact JSON."""
    return len(json.dumps(data, separators=(",", ":")))


# -- the sessions ---------------------------------------------------------------

_rng = random.Random(18)

#: After a Flask-Login login with Flask-WTF's CSRF protection and two
#: flashed messages: Flask-Login's ``_user_id`` (a string), ``_fresh`` and
#: ``_id`` (a SHA-512 hex digest of the client's address and user agent),
#: a 43-character token (32 random bytes, URL-safe base64, as
#: ``secrets.token_urlsafe(32)`` makes), and Flask's ``_flashes``
#: (category, message) pairs, as lists: JSON has no tuples.
LOGIN_DATA: dict[str, Any] = {
    "_user_id": "42",
    "_fresh": True,
    "_id": "".join(_rng.choice("0123456789abcdef") for _ in range(128)),
    "csrf_token": base64.urlsafe_b64encode(_rng.randbytes(32)).decode().rstrip("="),
    "_flashes": [
        ["success", "Welcome back, alice!"],
        ["info", "You have 3 new messages."],
    ],
}

_PRODUCTS = (
    "Ceramic mug, 350 ml",
    "Linen tea towel",
    "Walnut cutting board",
    "Enamel pie dish",
    "Beeswax candle, pair",
    "Stoneware bowl, large",
    "Cotton apron, navy",
    "Glass carafe, 1 l",
    "Olive wood spoon",
    "Cast iron trivet",
)


def _cart(lines: int) -> list[dict[str, Any]]:
    rng = random.Random(lines)
    return [
        {
            "sku": f"SKU-{rng.randrange(10000, 99999)}",
            "name": _PRODUCTS[i % len(_PRODUCTS)],
            "qty": rng.randrange(1, 4),
            "price": rng.randrange(499, 8999),
        }
        for i in range(lines)
    ]


#: The login session and a small cart of ten lines.
KB1_DATA: dict[str, Any] = {**LOGIN_DATA, "cart": _cart(10)}

#: The login session, a larger cart, the products recently viewed and a
#: checkout form half filled in.
KB3_DATA: dict[str, Any] = {
    **LOGIN_DATA,
    "cart": _cart(30),
    "recently_viewed": [f"P-{_rng.randrange(100000, 999999)}" for _ in range(40)],
    "checkout": {
        "step": "shipping",
        "name": "Alice Example",
        "street": "12 Rue des Acacias",
        "city": "Lyon",
        "postcode": "69003",
        "country": "FR",
        "phone": "+33 4 78 00 00 00",
        "delivery": "standard",
        "gift_note": "Happy birthday! See you in the spring.",
    },
}


@dataclass(frozen=True)
class Session:
    """The data a workload's cookie holds.

    :param name: short id (``/seed/<name>`` mints a cookie holding it).
    :param title: the name on the page.
    :param data: the session's keys and values.
    :param read_key: the key a read looks up.
    """

    name: str
    title: str
    data: dict[str, Any]
    read_key: str

    def describe(self) -> dict[str, Any]:
        """The session as the results record it: name, title, size, keys."""
        return {
            "name": self.name,
            "title": self.title,
            "json_bytes": json_bytes(self.data),
            "keys": list(self.data),
        }


SESSIONS: tuple[Session, ...] = (
    Session("small", "small", BASE_DATA, "user_id"),
    Session("login", "login", LOGIN_DATA, "_user_id"),
    Session("1k", "1 KB", KB1_DATA, "_user_id"),
    Session("3k", "3 KB", KB3_DATA, "_user_id"),
)

#: What the views of the bare apps get instead of a session: a plain dict
#: holding every session's keys, so that a bare app runs the same view code
#: with no session machinery.
BARE_SESSION: dict[str, Any] = {k: v for s in SESSIONS for k, v in s.data.items()}


# -- the workloads ----------------------------------------------------------------


@dataclass(frozen=True)
class Workload:
    """One kind of request.

    :param name: short id, a column of the result tables.
    :param title: the name on the page.
    :param path: the request path, which selects the action.
    :param cookie: which cookie the request sends: a session's name (a valid
        cookie holding it), ``"tampered:<session>"`` (the same, one character
        changed) or ``"none"``.
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
        return {
            "name": self.name,
            "title": self.title,
            "group": self.group,
            "cookie": self.cookie,
        }


def _read_and_write(session: Session) -> tuple[Workload, Workload]:
    group = "realistic sessions"
    return (
        Workload(
            f"read_{session.name}",
            f"{session.title} read",
            f"/read/{session.name}",
            session.name,
            b"42",
            None,
            group,
        ),
        Workload(
            f"write_{session.name}",
            f"{session.title} write",
            "/write",
            session.name,
            group=group,
        ),
    )


WORKLOADS: tuple[Workload, ...] = (
    Workload("read", "read", "/read/small", "small", b"42", None),
    Workload("write", "write", "/write", "small"),
    Workload("untouched", "untouched", "/untouched", "small", OK, False),
    Workload("new", "new", "/write", "none"),
    Workload("tampered", "tampered", "/read/small", "tampered:small", b"None", None),
    *(w for s in SESSIONS[1:] for w in _read_and_write(s)),
)


# -- the actions ------------------------------------------------------------------


def payload(size: int) -> str:
    """``size`` characters of reproducible random URL-safe text.

    Random text of a 64-letter alphabet: deflate shrinks it by about a
    quarter, as it would a token or an id list, not to nothing as it would
    ``"x" * size``.
    """
    rng = random.Random(size)
    alphabet = string.ascii_letters + string.digits + "-_"
    return "".join(rng.choice(alphabet) for _ in range(size))


def _read(key: str) -> Callable[[Any], bytes]:
    def read(session: Any) -> bytes:
        return str(session.get(key)).encode()

    return read


def _write(session: Any) -> bytes:
    session["visits"] = 2
    return OK


def _untouched(session: Any) -> bytes:
    return OK


def _seed(data: dict[str, Any]) -> Callable[[Any], bytes]:
    def seed(session: Any) -> bytes:
        session.update(data)
        return OK

    return seed


def _write_blob(size: int) -> Callable[[Any], bytes]:
    blob = payload(size)

    def write_blob(session: Any) -> bytes:
        session["blob"] = blob
        return OK

    return write_blob


_ACTIONS: dict[str, Callable[[Any], bytes]] = {
    "/write": _write,
    "/untouched": _untouched,
    **{f"/read/{s.name}": _read(s.read_key) for s in SESSIONS},
    **{f"/seed/{s.name}": _seed(s.data) for s in SESSIONS},
}


def register_size(size: int) -> None:
    """Make ``/write/<size>`` and ``/seed/<size>`` available (before timing).

    ``/seed/<size>`` mints the small session plus a string of ``size``
    characters under ``"blob"``, for the payload sweep.
    """
    _ACTIONS.setdefault(f"/write/{size}", _write_blob(size))
    _ACTIONS.setdefault(f"/seed/{size}", _seed({**BASE_DATA, "blob": payload(size)}))


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
