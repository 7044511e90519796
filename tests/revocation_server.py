"""A waitress server of a small session app with revocation, for the e2e tests.

Run as ``python revocation_server.py STORE_URL [CHECK_INTERVAL]``; prints the
port it listens on (127.0.0.1, chosen by the system), then serves until
killed. Paths: ``/login?NAME``, ``/count`` (increments and returns the
session's counter), ``/logout`` (flush), ``/everywhere``, ``/`` (reads),
``/stats`` (the backend's counters as JSON).
"""

from __future__ import annotations

import json
import sys
from typing import Any

import waitress

from signedsession import SessionMiddleware, SessionSettings, SessionStore
from signedsession.revocation import from_url

SECRET = "test-secret-key-that-is-32-bytes-long!"


def make_app(url: str, check_interval: float) -> Any:
    backend = from_url(
        f"{url}{'&' if '?' in url else '?'}check_interval={check_interval}"
    )
    settings = SessionSettings(secret_key=SECRET, revocations=backend, user_key="uid")

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        session: SessionStore = environ["signedsession.session"]
        path = environ["PATH_INFO"]
        if path == "/login":
            session.cycle_key()
            session["uid"] = environ["QUERY_STRING"] or "alice"
            session["count"] = 0
        elif path == "/count":
            session["count"] = session.get("count", 0) + 1
        elif path == "/logout":
            session.flush()
        elif path == "/everywhere":
            session.revoke_user_sessions()
        elif path == "/stats":
            body = json.dumps(
                {
                    "errors": backend.errors,
                    "unchecked": backend.unchecked,
                    "pending": backend.pending,
                }
            )
            start_response("200 OK", [("Content-Type", "application/json")])
            return [body.encode()]
        body = f"{session.get('uid', 'anonymous')} {session.get('count', 0)}"
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [body.encode()]

    return SessionMiddleware(app, settings)


def main() -> None:
    url = sys.argv[1]
    check_interval = float(sys.argv[2]) if len(sys.argv) > 2 else 60.0
    server = waitress.create_server(
        make_app(url, check_interval), host="127.0.0.1", port=0, threads=8
    )
    print(server.effective_port, flush=True)
    server.run()


if __name__ == "__main__":
    main()
