"""The demo: a plain WSGI app, a Flask app and a Pyramid app, one session.

``signedsession demo`` serves :func:`make_app` with waitress. The three apps
are mounted under ``/wsgi/``, ``/flask/`` and ``/pyramid/`` by one werkzeug
``DispatcherMiddleware`` and configured with the same secret, cookie name,
salt, serializer and path, so a user who logs in on one is logged in on all.

Flash messages live under Flask's own key, ``"_flashes"``, as Flask's
``(category, message)`` pairs (``TaggedJSONSerializer`` keeps the tuples):
the Flask app uses ``flask.flash``, the other two the helpers here, and
every app reads what any other wrote. Pyramid's native queues (``"_f_"``)
would be invisible to Flask, so the demo does not use them.

Flask, Pyramid and waitress are imported inside functions only: importing
:mod:`signedsession` never needs them.
"""

from __future__ import annotations

import os
import socket
import sys
import tempfile
import warnings
from collections.abc import Iterable, MutableMapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any, TextIO, cast

from .._keys import ENV_SECRET_KEY, generate_key
from ..exceptions import InsecureSecretWarning
from ..middleware import SessionMiddleware
from ..revocation import ENV_REVOCATIONS, Revocations, SQLiteRevocations
from ..serializers import TaggedJSONSerializer
from ..settings import SessionSettings
from ..store import SessionStore
from .pages import MAX_USERNAME, MOUNTS, render_home, render_page, render_replay

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = [
    "ENV_FALLBACK_KEYS",
    "DemoDependencyMissing",
    "create_server",
    "demo_settings",
    "make_app",
    "serve",
]

#: Older keys the demo still accepts, whitespace-separated (key rotation).
ENV_FALLBACK_KEYS = "SIGNEDSESSION_FALLBACK_KEYS"
#: The salt all three apps sign with.
SALT = "signedsession-demo"
FLASHES_KEY = "_flashes"
# What the page says after a logout (?bye=...).
_BYE = {"1": "Logged out.", "all": "Logged out on every device."}

Session = MutableMapping[str, Any]


class DemoDependencyMissing(RuntimeError):
    """Flask, Pyramid or waitress is not installed."""


def demo_settings(
    secret_key: str,
    *,
    fallback_keys: tuple[str, ...] = (),
    revocations: Revocations | str | None = None,
) -> SessionSettings:
    """The settings the three apps share; ``revocations`` None: none."""
    return SessionSettings(
        secret_key=secret_key,
        fallback_keys=fallback_keys,
        salt=SALT,
        serializer=TaggedJSONSerializer(),
        path="/",
        revocations=revocations,
        user_key="user",
    )


def default_revocations() -> Revocations:
    """An SQLite revocation store in a new temporary directory."""
    directory = tempfile.mkdtemp(prefix="signedsession-demo-")
    return SQLiteRevocations(os.path.join(directory, "revoked.sqlite3"))


# -- what the three apps do to the session -----------------------------------


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


# -- the page ----------------------------------------------------------------

# -- the three apps ------------------------------------------------------------


def make_wsgi_app(settings: SessionSettings) -> WSGIApplication:
    """The plain WSGI app, inside :class:`~signedsession.SessionMiddleware`."""
    from werkzeug.utils import redirect
    from werkzeug.wrappers import Request, Response

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        session = environ[settings.environ_key]
        response: Response
        paths = ("/login", "/count", "/logout", "/everywhere")
        if request.method == "POST" and request.path == "/replay":
            value = request.form.get("cookie", "").strip()
            value = value.removeprefix(settings.cookie_name + "=")
            copy = SessionStore(value, settings=settings)
            user = copy.get("user")
            page = render_replay(copy.rejected or "", user and str(user))
            response = Response(page, content_type="text/html; charset=utf-8")
        elif request.method == "POST" and request.path in paths:
            if request.path == "/login":
                log_in(session, "WSGI", request.form.get("username", ""))
            elif request.path == "/count":
                count(session, "WSGI")
            else:
                everywhere = request.path == "/everywhere"
                (log_out_everywhere if everywhere else log_out)(session)
                bye = "all" if everywhere else "1"
                return redirect(f"{MOUNTS['WSGI']}/?bye={bye}", 303)(
                    environ, start_response
                )
            response = redirect(MOUNTS["WSGI"] + "/", 303)
        elif request.method == "GET" and request.path == "/":
            flashes = pop_flashes(session)
            page = render_page(
                "WSGI",
                user=session.get("user"),
                counter=int(session.get("counter", 0)),
                flashes=flashes,
                cookie_header=request.headers.get("Cookie"),
                settings=settings,
                notice=_BYE.get(request.args.get("bye", ""), ""),
            )
            response = Response(page, content_type="text/html; charset=utf-8")
        else:
            response = Response("Not found", status=404)
        return response(environ, start_response)

    return SessionMiddleware(app, settings)


def make_home_app(settings: SessionSettings) -> WSGIApplication:
    """The landing page at ``/``; it reads the cookie without a session."""
    from werkzeug.wrappers import Request, Response

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        if request.path != "/":
            response = Response("Not found", status=404)
        else:
            page = render_home(request.headers.get("Cookie"), settings)
            response = Response(page, content_type="text/html; charset=utf-8")
        return response(environ, start_response)

    return app


def make_flask_app(settings: SessionSettings) -> WSGIApplication:
    """The Flask app, with ``SignedSessionInterface``."""
    from flask import Flask, get_flashed_messages, redirect, request, session
    from flask import flash as flask_flash

    from ..adapters.flask import SignedSessionInterface

    app = Flask("signedsession.demo.flask")
    app.config["SECRET_KEY"] = settings.secret_key
    app.config["SESSION_COOKIE_NAME"] = settings.cookie_name
    # Flask omits SameSite by default; the shared cookie must not change
    # attributes with the app that last wrote it.
    app.config["SESSION_COOKIE_SAMESITE"] = settings.samesite
    app.config["SESSION_COOKIE_HTTPONLY"] = settings.httponly
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(seconds=settings.max_age or 0)
    interface = SignedSessionInterface(
        revocations=settings.revocations,
        user_key=settings.user_key,
        fallback_keys=settings.fallback_keys,
        salt=settings.salt,
        serializer=settings.serializer,
        path=settings.path,
    )
    app.session_interface = interface
    # Build the settings now: any warning about the key shows at start.
    interface.get_settings(app)
    base = MOUNTS["Flask"]

    @app.get("/")
    def page() -> str:
        return render_page(
            "Flask",
            user=session.get("user"),
            counter=int(session.get("counter", 0)),
            flashes=cast(
                "list[tuple[str, str]]", get_flashed_messages(with_categories=True)
            ),
            cookie_header=request.headers.get("Cookie"),
            settings=settings,
            notice=_BYE.get(request.args.get("bye", ""), ""),
        )

    @app.post("/login")
    def login() -> Any:
        # Permanent: a cookie with Max-Age, like the other two apps set.
        session.permanent = True
        log_in(session, "Flask", request.form.get("username", ""))
        return redirect(base + "/", 303)

    @app.post("/count")
    def count_view() -> Any:
        session.permanent = True
        session["counter"] = int(session.get("counter", 0)) + 1
        # Flask's own flash: it writes the very format the helpers read.
        flask_flash(f"Counter is now {session['counter']}.", "Flask")
        return redirect(base + "/", 303)

    @app.post("/logout")
    def logout() -> Any:
        log_out(session)
        return redirect(base + "/?bye=1", 303)

    @app.post("/everywhere")
    def everywhere() -> Any:
        log_out_everywhere(session)
        return redirect(base + "/?bye=all", 303)

    return app


def make_pyramid_app(settings: SessionSettings) -> WSGIApplication:
    """The Pyramid app, with ``SignedSessionFactory``."""
    from pyramid.config import Configurator
    from pyramid.httpexceptions import HTTPSeeOther
    from pyramid.request import Request
    from pyramid.response import Response

    from ..adapters.pyramid import SignedSessionFactory

    base = MOUNTS["Pyramid"]

    def page(request: Request) -> Response:
        session = request.session
        return Response(
            render_page(
                "Pyramid",
                user=session.get("user"),
                counter=int(session.get("counter", 0)),
                flashes=pop_flashes(session),
                cookie_header=request.headers.get("Cookie"),
                settings=settings,
                notice=_BYE.get(request.GET.get("bye", ""), ""),
            ),
            content_type="text/html",
            charset="utf-8",
        )

    def login(request: Request) -> HTTPSeeOther:
        log_in(request.session, "Pyramid", request.POST.get("username", ""))
        return HTTPSeeOther(base + "/")

    def count_view(request: Request) -> HTTPSeeOther:
        count(request.session, "Pyramid")
        return HTTPSeeOther(base + "/")

    def logout(request: Request) -> HTTPSeeOther:
        log_out(request.session)
        return HTTPSeeOther(base + "/?bye=1")

    def everywhere(request: Request) -> HTTPSeeOther:
        log_out_everywhere(request.session)
        return HTTPSeeOther(base + "/?bye=all")

    with Configurator() as config:
        config.set_session_factory(
            SignedSessionFactory(
                settings.secret_key,
                fallback_secrets=settings.fallback_keys,
                revocations=settings.revocations,
                user_key=settings.user_key,
                cookie_name=settings.cookie_name,
                salt=settings.salt,
                serializer=settings.serializer,
                path=settings.path,
                # Pyramid's defaults are a browser-session cookie and a
                # 20-minute timeout; the demo's cookie lives max_age, as the
                # other two apps' do, and is re-signed only when modified.
                max_age=settings.max_age,
                timeout=settings.max_age,
                reissue_time=None,
            )
        )
        for name, path, view, method in (
            ("page", "/", page, "GET"),
            ("login", "/login", login, "POST"),
            ("count", "/count", count_view, "POST"),
            ("logout", "/logout", logout, "POST"),
            ("everywhere", "/everywhere", everywhere, "POST"),
        ):
            config.add_route(name, path)
            config.add_view(view, route_name=name, request_method=method)
        return config.make_wsgi_app()  # type: ignore[no-any-return]


def make_app(
    secret_key: str,
    *,
    fallback_keys: tuple[str, ...] = (),
    revocations: Revocations | str | None = None,
) -> WSGIApplication:
    """The demo: the three apps and a landing page behind one dispatcher.

    Logging out revokes the session in ``revocations`` (a backend or URL);
    None: an SQLite file in a new temporary directory.

    :raises DemoDependencyMissing: Flask or Pyramid is not installed.
    """
    from werkzeug.middleware.dispatcher import DispatcherMiddleware

    settings = demo_settings(
        secret_key,
        fallback_keys=fallback_keys,
        revocations=default_revocations() if revocations is None else revocations,
    )
    try:
        with warnings.catch_warnings():
            # Pyramid 2.x and WebOb import deprecated modules (pkg_resources,
            # cgi); the demo's first screen should not be their warnings.
            warnings.filterwarnings("ignore", "pkg_resources", UserWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            flask_app = make_flask_app(settings)
            pyramid_app = make_pyramid_app(settings)
    except ImportError as exc:
        raise DemoDependencyMissing(_missing(exc)) from None
    return DispatcherMiddleware(
        make_home_app(settings),
        {
            MOUNTS["WSGI"]: make_wsgi_app(settings),
            MOUNTS["Flask"]: flask_app,
            MOUNTS["Pyramid"]: pyramid_app,
        },
    )


def _missing(exc: ImportError) -> str:
    return (
        f"the demo needs Flask, Pyramid and waitress ({exc.name or exc} is"
        " missing): pip install 'signedsession[demo]'"
    )


def create_server(app: WSGIApplication, *, host: str, port: int) -> Any:
    """A waitress server for ``app``, bound but not yet running.

    ``port`` 0 picks a free port; the server's ``effective_port`` tells it.

    :raises DemoDependencyMissing: waitress is not installed.
    :raises OSError: the address cannot be bound.
    """
    try:
        import waitress
    except ImportError as exc:
        raise DemoDependencyMissing(_missing(exc)) from None
    if port:
        _check_bindable(host, port)
    return waitress.create_server(
        app, host=host, port=port, threads=4, ident="signedsession-demo"
    )


def _check_bindable(host: str, port: int) -> None:
    # waitress leaks its sockets when binding fails; find out first.
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM
    )[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(address)


def serve(
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    environ: MutableMapping[str, str] | None = None,
    out: TextIO | None = None,
) -> None:
    """Serve the demo until interrupted.

    The secret is ``$SIGNEDSESSION_SECRET_KEY``; when unset, a random key is
    made for this run and a notice printed. ``$SIGNEDSESSION_FALLBACK_KEYS``
    lists older keys, to watch a rotation. ``$SIGNEDSESSION_REVOCATIONS``
    names the revocation store; when unset, an SQLite file in a temporary
    directory.

    :raises DemoDependencyMissing: Flask, Pyramid or waitress is missing.
    :raises OSError: the address cannot be bound.
    """
    env = os.environ if environ is None else environ
    out = sys.stdout if out is None else out
    secret = env.get(ENV_SECRET_KEY, "").strip()
    random_secret = not secret
    if random_secret:
        secret = generate_key()
    fallbacks = tuple(env.get(ENV_FALLBACK_KEYS, "").split())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", InsecureSecretWarning)
        app = make_app(
            secret,
            fallback_keys=fallbacks,
            revocations=env.get(ENV_REVOCATIONS) or None,
        )
    server = create_server(app, host=host, port=port)
    for message in dict.fromkeys(str(w.message) for w in caught):
        print(f"signedsession demo: warning: {message}", file=out)
    if random_secret:
        print(
            f"{ENV_SECRET_KEY} is not set: using a random secret key for this"
            " run, so sessions end when the demo stops. To keep them:"
            f" export {ENV_SECRET_KEY}=$(signedsession genkey)",
            file=out,
        )
    url = f"http://{host}:{server.effective_port}"
    print(f"signedsession demo: serving on {url}/ (Ctrl+C to stop)", file=out)
    for name, mount in MOUNTS.items():
        print(f"  {name:<8} {url}{mount}/", file=out)
    if fallbacks:
        print(
            f"  accepting {len(fallbacks)} fallback key(s) from {ENV_FALLBACK_KEYS}",
            file=out,
        )
    out.flush()
    server.run()
