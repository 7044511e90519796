"""The demo: a plain WSGI app, Flask, Pyramid, Django and Starlette apps, one session.

``signedsession demo`` serves :func:`make_asgi_app` with uvicorn: the
Starlette app (ASGI, :class:`signedsession.asgi.SessionMiddleware`) under
``/starlette/``, and beside it, through a2wsgi's WSGI-to-ASGI bridge,
:func:`make_app`: the four WSGI apps mounted under ``/wsgi/``, ``/flask/``,
``/pyramid/`` and ``/django/`` (see :mod:`signedsession.demo.django_app`) by
one werkzeug ``DispatcherMiddleware``. All five are configured with the same
secret, cookie name, salt, serializer and path, so a user who logs in on one
is logged in on all.

Flash messages live under Flask's own key, ``"_flashes"``, as Flask's
``(category, message)`` pairs (``TaggedJSONSerializer`` keeps the tuples):
the Flask app uses ``flask.flash``, the other two the helpers here, and
every app reads what any other wrote. Pyramid's native queues (``"_f_"``)
would be invisible to Flask, so the demo does not use them.

Flask, Pyramid, Django, Starlette, uvicorn, a2wsgi and waitress are
imported inside functions only: importing :mod:`signedsession` never needs
them.
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
from .actions import BYE, count, log_in, log_out, log_out_everywhere, pop_flashes
from .django_app import make_django_app
from .pages import MOUNTS, render_home, render_page, render_replay

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = [
    "ENV_FALLBACK_KEYS",
    "DemoDependencyMissing",
    "create_asgi_server",
    "create_server",
    "demo_settings",
    "make_app",
    "make_asgi_app",
    "make_starlette_app",
    "serve",
]

#: Older keys the demo still accepts, whitespace-separated (key rotation).
ENV_FALLBACK_KEYS = "SIGNEDSESSION_FALLBACK_KEYS"
#: The salt all four apps sign with.
SALT = "signedsession-demo"
FLASHES_KEY = "_flashes"

Session = MutableMapping[str, Any]


class DemoDependencyMissing(RuntimeError):
    """A framework, uvicorn, a2wsgi or waitress is not installed."""


def demo_settings(
    secret_key: str,
    *,
    fallback_keys: tuple[str, ...] = (),
    revocations: Revocations | str | None = None,
) -> SessionSettings:
    """The settings the apps share; ``revocations`` None: none."""
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


# -- the page ----------------------------------------------------------------

# -- the apps ------------------------------------------------------------------


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
                notice=BYE.get(request.args.get("bye", ""), ""),
            )
            response = Response(page, content_type="text/html; charset=utf-8")
        else:
            response = Response("Not found", status=404)
        return response(environ, start_response)

    return SessionMiddleware(app, settings)


def make_starlette_app(settings: SessionSettings) -> Any:
    """The Starlette app, inside :class:`signedsession.asgi.SessionMiddleware`.

    Its routes are relative: it is mounted under ``/starlette``.
    """
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, RedirectResponse
    from starlette.routing import Route

    from ..asgi import SessionMiddleware as ASGISessionMiddleware

    base = MOUNTS["Starlette"]

    async def page(request: Request) -> HTMLResponse:
        session = request.session
        return HTMLResponse(
            render_page(
                "Starlette",
                user=session.get("user"),
                counter=int(session.get("counter", 0)),
                flashes=pop_flashes(session),
                cookie_header=request.headers.get("cookie"),
                settings=settings,
                notice="Logged out everywhere."
                if "bye" in request.query_params
                else "",
            )
        )

    async def login(request: Request) -> RedirectResponse:
        form = await request.form()
        username = form.get("username", "")
        log_in(
            request.session, "Starlette", username if isinstance(username, str) else ""
        )
        return RedirectResponse(base + "/", 303)

    async def count_view(request: Request) -> RedirectResponse:
        count(request.session, "Starlette")
        return RedirectResponse(base + "/", 303)

    async def logout(request: Request) -> RedirectResponse:
        log_out(request.session)
        return RedirectResponse(base + "/?bye=1", 303)

    return Starlette(
        routes=[
            Route("/", page),
            Route("/login", login, methods=["POST"]),
            Route("/count", count_view, methods=["POST"]),
            Route("/logout", logout, methods=["POST"]),
        ],
        middleware=[Middleware(ASGISessionMiddleware, settings)],  # type: ignore[arg-type]
    )


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
            notice=BYE.get(request.args.get("bye", ""), ""),
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
                notice=BYE.get(request.GET.get("bye", ""), ""),
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
    """The demo: the four WSGI apps and a landing page behind one dispatcher.

    Logging out revokes the session in ``revocations`` (a backend or URL);
    None: an SQLite file in a new temporary directory.

    :raises DemoDependencyMissing: Flask, Pyramid or Django is not installed.
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
            django_app = make_django_app(settings)
    except ImportError as exc:
        raise DemoDependencyMissing(_missing(exc)) from None
    return DispatcherMiddleware(
        make_home_app(settings),
        {
            MOUNTS["WSGI"]: make_wsgi_app(settings),
            MOUNTS["Flask"]: flask_app,
            MOUNTS["Pyramid"]: pyramid_app,
            MOUNTS["Django"]: django_app,
        },
    )


def make_asgi_app(
    secret_key: str,
    *,
    fallback_keys: tuple[str, ...] = (),
    revocations: Revocations | str | None = None,
) -> Any:
    """The demo as one ASGI app: Starlette, and the WSGI apps through a2wsgi,
    all revoking in one store (``revocations``, as for :func:`make_app`).

    :raises DemoDependencyMissing: a framework or a2wsgi is not installed.
    """
    if revocations is None:
        revocations = default_revocations()
    wsgi = make_app(secret_key, fallback_keys=fallback_keys, revocations=revocations)
    try:
        from a2wsgi import WSGIMiddleware
        from starlette.applications import Starlette
        from starlette.routing import Mount

        starlette_app = make_starlette_app(
            demo_settings(
                secret_key, fallback_keys=fallback_keys, revocations=revocations
            )
        )
    except ImportError as exc:
        raise DemoDependencyMissing(_missing(exc)) from None
    return Starlette(
        routes=[
            Mount(MOUNTS["Starlette"], app=starlette_app),
            Mount("", app=WSGIMiddleware(wsgi)),  # type: ignore[arg-type]
        ]
    )


def _missing(exc: ImportError) -> str:
    return (
        "the demo needs Flask, Pyramid, Django, Starlette, uvicorn, a2wsgi and"
        f" waitress ({exc.name or exc} is missing): pip install 'signedsession[demo]'"
    )


class _UvicornServer:
    """A uvicorn server on a bound socket: ``effective_port`` and ``run()``."""

    def __init__(self, app: Any, sock: socket.socket) -> None:
        import uvicorn

        self.sock = sock
        self.effective_port: int = sock.getsockname()[1]
        self.server = uvicorn.Server(
            uvicorn.Config(app, log_level="warning", lifespan="off")
        )

    def run(self) -> None:
        """Serve until interrupted (or until ``server.should_exit``)."""
        try:
            self.server.run(sockets=[self.sock])
        finally:
            self.sock.close()


def create_asgi_server(app: Any, *, host: str, port: int) -> Any:
    """A uvicorn server for the ASGI ``app``, bound but not yet running.

    ``port`` 0 picks a free port; the server's ``effective_port`` tells it.

    :raises DemoDependencyMissing: uvicorn is not installed.
    :raises OSError: the address cannot be bound.
    """
    try:
        import uvicorn  # noqa: F401
    except ImportError as exc:
        raise DemoDependencyMissing(_missing(exc)) from None
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM
    )[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError:
        sock.close()
        raise
    return _UvicornServer(app, sock)


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

    Served by uvicorn: the Starlette app natively, the WSGI apps through
    a2wsgi (see :func:`make_asgi_app`).

    :raises DemoDependencyMissing: a framework, uvicorn or a2wsgi is missing.
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
        app = make_asgi_app(
            secret,
            fallback_keys=fallbacks,
            revocations=env.get(ENV_REVOCATIONS) or None,
        )
    server = create_asgi_server(app, host=host, port=port)
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
        print(f"  {name:<9} {url}{mount}/", file=out)
    if fallbacks:
        print(
            f"  accepting {len(fallbacks)} fallback key(s) from {ENV_FALLBACK_KEYS}",
            file=out,
        )
    out.flush()
    server.run()
