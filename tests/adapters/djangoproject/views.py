"""Views that show and change the session the way Django applications do."""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token


def whoami(request: HttpRequest) -> JsonResponse:
    """The user, the queued messages (consumed) and the session's CSRF token."""
    return JsonResponse(
        {
            "user": request.user.get_username() or None,
            "messages": [str(m) for m in messages.get_messages(request)],
            "csrf": request.session.get("_csrftoken"),
        }
    )


def token(request: HttpRequest) -> JsonResponse:
    """A CSRF token, stored in the session (``CSRF_USE_SESSIONS``)."""
    return JsonResponse({"csrf": get_token(request)})


def note(request: HttpRequest) -> JsonResponse:
    """POST: queue a message and remember the note (CSRF-checked)."""
    text = request.POST.get("text", "")
    messages.info(request, text)
    request.session["note"] = text
    return JsonResponse({"note": text})


def expire(request: HttpRequest) -> JsonResponse:
    """Store a value and give the session its own expiry, in seconds."""
    request.session["kept"] = "yes"
    request.session.set_expiry(int(request.GET["seconds"]))
    return JsonResponse({"expiry": request.session.get_expiry_age()})


def kept(request: HttpRequest) -> JsonResponse:
    """Whether the value :func:`expire` stored came back."""
    return JsonResponse({"kept": request.session.get("kept")})


def big(request: HttpRequest) -> HttpResponse:
    """Store ``size`` random bytes, in hex: nothing compresses them."""
    request.session["blob"] = secrets.token_hex(int(request.GET["size"]))
    return HttpResponse("stored")


def clear(request: HttpRequest) -> HttpResponse:
    """Log out: flush the session."""
    from django.contrib.auth import logout

    logout(request)
    return HttpResponse("bye")


def counter(request: HttpRequest) -> JsonResponse:
    """Count requests in the session."""
    request.session["n"] = request.session.get("n", 0) + 1
    data: dict[str, Any] = {"n": request.session["n"]}
    return JsonResponse(data)
