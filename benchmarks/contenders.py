"""Every contender: an application per framework, with and without a session.

Each framework contributes a *bare* application (the same views, no session
machinery) and one or more session applications; a contender's overhead is
its time minus its framework's bare time. A framework or adapter that
cannot be imported is reported as missing and left out; the rest still run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from .drivers import AsgiRequest, Request, WsgiRequest, asgi_scope, wsgi_environ
from .floor import FloorMiddleware
from .workloads import BARE_SESSION, SECRET, action

__all__ = [
    "Contender",
    "build_all",
    "build_django",
    "build_flask",
    "build_pyramid",
    "build_starlette",
    "build_wsgi",
    "pyramid_app",
    "wsgi_request",
]

_HEADERS = [("Content-Type", "text/plain"), ("Content-Length", "2")]


@dataclass
class Contender:
    """One application under test.

    :param key: short id.
    :param title: the name in the result tables.
    :param framework: the group whose ``bare`` contender is its baseline.
    :param role: ``"bare"``, ``"floor"``, ``"ours"``, ``"variant"`` (ours,
        another configuration), ``"peer"`` or ``"plumbing"`` (the framework's
        own session plumbing around a session that does nothing: what an
        adapter cannot avoid, measured to find its glue).
    :param cookie_name: the session cookie it reads and writes.
    :param request: makes a replayable request for (path, Cookie header).
    """

    key: str
    title: str
    framework: str
    role: str
    cookie_name: str
    request: Callable[[str, str | None], Request]


# -- plain WSGI: bare, signedsession.SessionMiddleware, the floor ---------------


def _wsgi_view(environ_key: str) -> Callable[..., Any]:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        body = action(environ["PATH_INFO"])(environ[environ_key])
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [body]

    return app


def _wsgi_bare(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
    body = action(environ["PATH_INFO"])(BARE_SESSION)
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [body]


def wsgi_request(app: Callable[..., Any]) -> Callable[[str, str | None], Request]:
    """A contender's request maker for WSGI application ``app``."""
    return lambda path, cookie: WsgiRequest(app, wsgi_environ(path, cookie))


_wsgi = wsgi_request


def build_wsgi() -> list[Contender]:
    """Bare WSGI, :class:`signedsession.SessionMiddleware` and the floor."""
    from signedsession import SessionMiddleware

    ours = SessionMiddleware(_wsgi_view("signedsession.session"), secret_key=SECRET)
    # The same without deflate: shows what compression costs on the writes.
    plain = SessionMiddleware(
        _wsgi_view("signedsession.session"), secret_key=SECRET, compress=False
    )
    # Encrypted (AES-256-GCM): issue 15's <= 1.2x of the signed one.
    encrypted = SessionMiddleware(
        _wsgi_view("signedsession.session"), secret_key=SECRET, encrypt=True
    )
    floor = FloorMiddleware(_wsgi_view("floor.session"), SECRET)
    return [
        Contender(
            "wsgi", "bare WSGI app", "wsgi", "bare", "session", _wsgi(_wsgi_bare)
        ),
        Contender("floor", "stdlib floor", "wsgi", "floor", "session", _wsgi(floor)),
        Contender(
            "signedsession",
            "signedsession SessionMiddleware",
            "wsgi",
            "ours",
            "session",
            _wsgi(ours),
        ),
        Contender(
            "signedsession-plain",
            "signedsession, compress=False",
            "wsgi",
            "variant",
            "session",
            _wsgi(plain),
        ),
        Contender(
            "signedsession-encrypted",
            "signedsession, encrypt=True",
            "wsgi",
            "variant",
            "session",
            _wsgi(encrypted),
        ),
    ]


# -- Flask ----------------------------------------------------------------------


def build_flask(problems: list[str]) -> list[Contender]:
    """Flask bare, Flask's default session, its plumbing around a session that
    does nothing, and the signedsession adapter."""
    import flask
    from flask.sessions import NullSession, SessionInterface

    class NoSession(SessionInterface):
        """No session work at all: one shared, never-used null session."""

        null = NullSession()

        def open_session(self, app: Any, request: Any) -> Any:
            return self.null

        def is_null_session(self, obj: object) -> bool:
            return True

        def save_session(self, app: Any, session: Any, response: Any) -> None:
            pass

    class DoNothingSession(dict):  # type: ignore[type-arg]
        """A session Flask can carry that stores, signs and sets nothing."""

        modified = accessed = permanent = new = False

    class PlumbingInterface(SessionInterface):
        """Flask's session plumbing around a session that does nothing.

        Flask runs what it runs for the adapter: ``open_session``, the
        ``flask.session`` proxy (which sets ``accessed``), its own
        ``is_null_session`` (False here, as for the adapter's sessions) and
        ``save_session``, which returns without a cookie.
        """

        def open_session(self, app: Any, request: Any) -> Any:
            return DoNothingSession()

        def save_session(self, app: Any, session: Any, response: Any) -> None:
            pass

    def make(interface: Any, bare: bool) -> Any:
        app = flask.Flask(f"bench_{id(interface)}")
        app.secret_key = SECRET
        if interface is not None:
            app.session_interface = interface

        if bare:

            @app.route("/<path:rest>")
            def view(rest: str) -> bytes:
                return action(flask.request.path)(BARE_SESSION)

        else:

            @app.route("/<path:rest>")
            def view(rest: str) -> bytes:
                return action(flask.request.path)(flask.session)

        return app

    found = [
        Contender(
            "flask",
            "Flask bare",
            "flask",
            "bare",
            "session",
            _wsgi(make(NoSession(), True)),
        ),
        Contender(
            "flask-default",
            "Flask default session",
            "flask",
            "peer",
            "session",
            _wsgi(make(None, False)),
        ),
        Contender(
            "flask-plumbing",
            "Flask plumbing, do-nothing session",
            "flask",
            "plumbing",
            "session",
            _wsgi(make(PlumbingInterface(), False)),
        ),
    ]
    try:
        from signedsession.adapters.flask import SignedSessionInterface
    except ImportError as exc:
        problems.append(f"Flask adapter missing (signedsession.adapters.flask: {exc})")
    else:
        found.append(
            Contender(
                "flask-signedsession",
                "Flask + signedsession adapter",
                "flask",
                "ours",
                "session",
                _wsgi(make(SignedSessionInterface(), False)),
            )
        )
    return found


# -- Pyramid --------------------------------------------------------------------


def pyramid_app(factory: Any) -> Any:
    """The Pyramid application over session ``factory``; None: the bare app."""
    from pyramid.config import Configurator
    from pyramid.response import Response

    def session_view(request: Any) -> Any:
        return Response(action(request.path_info)(request.session))

    def bare_view(request: Any) -> Any:
        return Response(action(request.path_info)(BARE_SESSION))

    config = Configurator()
    if factory is not None:
        config.set_session_factory(factory)
    config.add_route("any", "/*rest")
    config.add_view(bare_view if factory is None else session_view, route_name="any")
    return config.make_wsgi_app()


def build_pyramid(problems: list[str]) -> list[Contender]:
    """Pyramid bare, SignedCookieSessionFactory, its plumbing around a session
    that does nothing, and the signedsession adapter."""
    from pyramid.session import SignedCookieSessionFactory

    class DoNothingSession(dict):  # type: ignore[type-arg]
        """A session Pyramid can carry that stores, signs and sets nothing."""

        new = False
        created = 0.0

        def changed(self) -> None:
            pass

        def invalidate(self) -> None:
            pass

        def respond(self, request: Any, response: Any) -> None:
            pass

    def plumbing_factory(request: Any) -> DoNothingSession:
        """Pyramid's session plumbing: the factory lookup and a response
        callback, registered on every request as the adapter registers its
        own, which does nothing."""
        session = DoNothingSession()
        request.add_response_callback(session.respond)
        return session

    make = pyramid_app

    found = [
        Contender(
            "pyramid", "Pyramid bare", "pyramid", "bare", "session", _wsgi(make(None))
        ),
        Contender(
            "pyramid-default",
            "Pyramid SignedCookieSessionFactory",
            "pyramid",
            "peer",
            "session",
            _wsgi(make(SignedCookieSessionFactory(SECRET))),
        ),
        Contender(
            "pyramid-plumbing",
            "Pyramid plumbing, do-nothing session",
            "pyramid",
            "plumbing",
            "session",
            _wsgi(make(plumbing_factory)),
        ),
    ]
    try:
        from signedsession.adapters.pyramid import SignedSessionFactory
    except ImportError as exc:
        problems.append(
            f"Pyramid adapter missing (signedsession.adapters.pyramid: {exc})"
        )
    else:
        found.append(
            Contender(
                "pyramid-signedsession",
                "Pyramid + signedsession adapter",
                "pyramid",
                "ours",
                "session",
                _wsgi(make(SignedSessionFactory(SECRET))),
            )
        )
    return found


# -- Django ---------------------------------------------------------------------


def build_django(problems: list[str]) -> list[Contender]:
    """Django bare, its signed_cookies backend, its SessionMiddleware over the
    least store, and signedsession's engine."""
    from .django_app import handlers

    try:
        import signedsession.adapters.django  # noqa: F401
    except ImportError as exc:
        problems.append(f"Django engine missing (signedsession.adapters.django: {exc})")
        engine = False
    else:
        engine = True
    bare, session, ours, least = handlers()
    found = [
        Contender("django", "Django bare", "django", "bare", "sessionid", _wsgi(bare)),
        Contender(
            "django-signed",
            "Django signed_cookies",
            "django",
            "peer",
            "sessionid",
            _wsgi(session),
        ),
        Contender(
            "django-plumbing",
            "Django plumbing, least store",
            "django",
            "plumbing",
            "sessionid",
            _wsgi(least),
        ),
    ]
    if engine:
        found.append(
            Contender(
                "django-signedsession",
                "Django with signedsession",
                "django",
                "ours",
                "sessionid",
                _wsgi(ours),
            )
        )
    return found


# -- Starlette ------------------------------------------------------------------


def build_starlette(problems: list[str]) -> list[Contender]:
    """Starlette bare, its SessionMiddleware and ours, as plain ASGI callables."""
    from starlette.middleware.sessions import SessionMiddleware
    from starlette.requests import Request as StarletteRequest
    from starlette.responses import Response

    from signedsession.asgi import SessionMiddleware as OurSessionMiddleware

    async def bare(scope: Any, receive: Any, send: Any) -> None:
        StarletteRequest(scope, receive)
        body = action(scope["path"])(BARE_SESSION)
        await Response(body, media_type="text/plain")(scope, receive, send)

    async def view(scope: Any, receive: Any, send: Any) -> None:
        body = action(scope["path"])(StarletteRequest(scope, receive).session)
        await Response(body, media_type="text/plain")(scope, receive, send)

    def asgi(app: Any) -> Callable[[str, str | None], Request]:
        return lambda path, cookie: AsgiRequest(app, asgi_scope(path, cookie))

    return [
        Contender(
            "starlette", "Starlette bare", "starlette", "bare", "session", asgi(bare)
        ),
        Contender(
            "starlette-session",
            "Starlette SessionMiddleware",
            "starlette",
            "peer",
            "session",
            asgi(SessionMiddleware(view, secret_key=SECRET)),
        ),
        Contender(
            "signedsession-asgi",
            "signedsession ASGI SessionMiddleware",
            "starlette",
            "ours",
            "session",
            asgi(OurSessionMiddleware(view, secret_key=SECRET)),
        ),
    ]


_PEERS: tuple[tuple[str, Callable[[list[str]], list[Contender]]], ...] = (
    ("Flask", build_flask),
    ("Pyramid", build_pyramid),
    ("Django", build_django),
    ("Starlette", build_starlette),
)


def build_all(problems: list[str]) -> list[Contender]:
    """Every contender that can be built; what could not goes in ``problems``."""
    found = build_wsgi()
    for name, build in _PEERS:
        try:
            found.extend(build(problems))
        except ImportError as exc:
            problems.append(f"{name} not installed ({exc}); its contenders are skipped")
    return found
