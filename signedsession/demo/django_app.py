"""The demo's Django app: Django's SessionMiddleware over signedsession's engine.

``SESSION_ENGINE = "signedsession.adapters.django"`` with the settings the
other demo apps share (secret, cookie name, salt, serializer, path), so a
user logged in on any app is logged in here. Django's settings are global to
a process: when nothing has configured Django yet, :func:`make_django_app`
configures it with :func:`django_settings`; when the host process has (a
test run, say), the app runs with the host's settings, which should then
include :func:`django_settings` (``override_settings(**django_settings(s))``).

Django is imported inside functions only: importing the demo never needs it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..settings import SessionSettings
from .actions import BYE, count, log_in, pop_flashes
from .pages import MOUNTS, render_page

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

__all__ = ["django_settings", "make_django_app"]

#: What ``SESSION_SERIALIZER`` names for each serializer the demo may use.
_SERIALIZERS = {
    "TaggedJSONSerializer": "signedsession.serializers.TaggedJSONSerializer",
    "JSONSerializer": "signedsession.serializers.JSONSerializer",
}
BASE = MOUNTS["Django"]


def django_settings(settings: SessionSettings) -> dict[str, Any]:
    """Django settings whose engine signs as ``settings`` does."""
    return {
        "SECRET_KEY": settings.secret_key,
        "SECRET_KEY_FALLBACKS": list(settings.fallback_keys),
        "SESSION_ENGINE": "signedsession.adapters.django",
        "SESSION_COOKIE_NAME": settings.cookie_name,
        "SESSION_COOKIE_AGE": settings.max_age,
        "SESSION_COOKIE_PATH": settings.path,
        "SESSION_COOKIE_SAMESITE": settings.samesite or False,
        "SESSION_COOKIE_HTTPONLY": settings.httponly,
        "SESSION_SERIALIZER": _SERIALIZERS[type(settings.serializer).__name__],
        "SIGNEDSESSION_SALT": settings.salt,
        "ROOT_URLCONF": __name__,
        "MIDDLEWARE": ["django.contrib.sessions.middleware.SessionMiddleware"],
        "ALLOWED_HOSTS": ["127.0.0.1", "localhost", "[::1]", "testserver"],
        "USE_TZ": True,
    }


def make_django_app(settings: SessionSettings) -> WSGIApplication:
    """The Django app, configuring Django first if nothing has."""
    import django
    from django.conf import settings as configured
    from django.core.handlers.wsgi import WSGIHandler

    if not configured.configured:
        configured.configure(DEBUG=False, **django_settings(settings))
        django.setup()
    return WSGIHandler()  # type: ignore[no-any-return]


def _page(request: Any) -> Any:
    from django.http import HttpResponse

    session = request.session
    return HttpResponse(
        render_page(
            "Django",
            user=session.get("user"),
            counter=int(session.get("counter", 0)),
            flashes=pop_flashes(session),
            cookie_header=request.headers.get("Cookie"),
            settings=_shared_settings(),
            notice=BYE.get(request.GET.get("bye", ""), ""),
        ),
        content_type="text/html; charset=utf-8",
    )


def _shared_settings() -> SessionSettings:
    from ..adapters.django import session_settings

    settings: SessionSettings = session_settings()
    return settings


def _login(request: Any) -> Any:
    from django.http import HttpResponseRedirect

    log_in(request.session, "Django", request.POST.get("username", ""))
    return _see_other(HttpResponseRedirect(BASE + "/"))


def _count(request: Any) -> Any:
    from django.http import HttpResponseRedirect

    count(request.session, "Django")
    return _see_other(HttpResponseRedirect(BASE + "/"))


def _logout(request: Any) -> Any:
    from django.http import HttpResponseRedirect

    # Django's way: flush() forgets the key, so Django's middleware deletes
    # the cookie (after clear() alone it would save an empty one).
    request.session.flush()
    return _see_other(HttpResponseRedirect(BASE + "/?bye=1"))


def _see_other(response: Any) -> Any:
    response.status_code = 303
    return response


def _only(method: str, view: Any) -> Any:
    def guarded(request: Any) -> Any:
        from django.http import HttpResponseNotAllowed

        if request.method != method:
            return HttpResponseNotAllowed([method])
        return view(request)

    return guarded


def _urlpatterns() -> list[Any]:
    from django.urls import path

    return [
        path("", _only("GET", _page)),
        path("login", _only("POST", _login)),
        path("count", _only("POST", _count)),
        path("logout", _only("POST", _logout)),
    ]


def __getattr__(name: str) -> Any:
    # Django reads ROOT_URLCONF's urlpatterns on the first request; building
    # them imports Django, which the demo imports only when it is built.
    if name == "urlpatterns":
        return _urlpatterns()
    raise AttributeError(name)
