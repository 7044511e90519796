"""One view at ``/`` that shows the session and, with ``?write``, bumps it."""

import json

from django.http import HttpRequest, HttpResponse
from django.urls import path


def view(request: HttpRequest) -> HttpResponse:
    """The session as JSON; ``?write=1`` adds one to ``n``."""
    session = request.session
    body = json.dumps(dict(session.items()), sort_keys=True)
    if "write" in request.GET:
        session["n"] = session.get("n", 0) + 1
    return HttpResponse(body, content_type="application/json")


urlpatterns = [path("", view)]
