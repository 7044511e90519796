"""The demo's HTML: one page per app, the landing page, the cookie panel.

Plain HTML with inline CSS and no JavaScript; every value is escaped.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

from .. import _clock
from .._headers import CookieHeaders
from ..exceptions import InvalidCookie
from ..inspection import Inspection, human_duration, inspect_cookie, to_json
from ..settings import SessionSettings

__all__ = ["INTEGRATIONS", "MAX_USERNAME", "MOUNTS", "render_home", "render_page"]

#: Where the apps are mounted.
MOUNTS = {
    "WSGI": "/wsgi",
    "Flask": "/flask",
    "Pyramid": "/pyramid",
    "Django": "/django",
    "Starlette": "/starlette",
}
#: What plugs each app into signedsession.
INTEGRATIONS = {
    "WSGI": "signedsession.SessionMiddleware around a plain WSGI callable",
    "Flask": "app.session_interface = SignedSessionInterface(...)",
    "Pyramid": "config.set_session_factory(SignedSessionFactory(...))",
    "Django": 'SESSION_ENGINE = "signedsession.adapters.django"',
    "Starlette": "app.add_middleware(signedsession.asgi.SessionMiddleware, ...)",
}
MAX_USERNAME = 40

_CSS = """
body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f5f6f8;color:#1d2330}
header{background:#1d2330;color:#fff;padding:.8rem 1.5rem;display:flex;
 gap:1.5rem;align-items:center;flex-wrap:wrap}
header a{color:#cfd6e4;text-decoration:none;padding:.2rem .6rem;border-radius:4px}
header a.on{background:#3b6ee8;color:#fff}header strong{margin-right:auto}
main{max-width:52rem;margin:1.5rem auto;padding:0 1rem}
section{background:#fff;border:1px solid #dde1e8;border-radius:8px;
 padding:1rem 1.5rem;margin-bottom:1rem}
h1{font-size:1.4rem;margin:.2rem 0 1rem}h2{font-size:1.1rem;margin:0 0 .6rem}
form{display:inline-block;margin:.2rem .4rem .2rem 0}
input{font:inherit;padding:.3rem .5rem}
button{font:inherit;padding:.3rem .9rem;border:0;border-radius:4px;
 background:#3b6ee8;color:#fff;cursor:pointer}button.quiet{background:#6b7485}
.flash{background:#e8f5e9;border:1px solid #b4dcb7;border-radius:6px;
 padding:.4rem .8rem;margin:.3rem 0}
.flash b{font-size:.8rem;text-transform:uppercase;color:#4a7a4e;margin-right:.5rem}
table{border-collapse:collapse;width:100%}td{padding:.2rem 0}
th{text-align:left;width:9rem;color:#5a6272;font-weight:normal;
 vertical-align:top;padding:.2rem 0}
pre{background:#f0f2f5;padding:.6rem;border-radius:6px;overflow:auto;margin:.2rem 0}
.bar{height:.5rem;background:#e3e6ec;border-radius:4px;max-width:20rem}
.bar span{display:block;height:100%;background:#3b6ee8;border-radius:4px}
.muted{color:#5a6272}code{background:#f0f2f5;padding:0 .25rem;border-radius:3px}
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _nav(current: str) -> str:
    links = [f'<a href="/"{" class=on" if current == "Home" else ""}>Home</a>']
    for name, mount in MOUNTS.items():
        on = " class=on" if name == current else ""
        links.append(f'<a href="{mount}/"{on} id="nav-{name.lower()}">{name}</a>')
    return "<header><strong>signedsession demo</strong>" + "".join(links) + "</header>"


def _cookie_panel(header: str | None, settings: SessionSettings) -> str:
    values = CookieHeaders.of(settings).values(header or "")
    if not values:
        return (
            "<section id=cookie><h2>The cookie your browser sent</h2>"
            "<p class=muted>None yet: log in or count to create one.</p></section>"
        )
    try:
        info: Inspection | None = inspect_cookie(values[0], settings)
        reason = ""
    except InvalidCookie as exc:
        info, reason = None, exc.reason
    if info is None:
        return (
            "<section id=cookie><h2>The cookie your browser sent</h2>"
            f"<p>Rejected: <b id=rejected>{_e(reason)}</b>. The apps see an empty"
            " session; the WSGI, Pyramid and Django apps delete the cookie, the"
            " Flask app"
            " leaves it (as Flask does) until a new one replaces it.</p></section>"
        )
    now = _clock.time()
    if info.expires is None:
        expires = "never (no max_age)"
    else:
        left = human_duration(info.expires.timestamp() - now)
        expires = f"{info.expires:%Y-%m-%d %H:%M:%S} UTC (in {left})"
    percent = 100 * info.size / info.limit
    rows = [
        ("Signed with", f"<span id=key>{_e(info.key_label)}</span>"),
        ("Session id", f"<code>{_e(info.session_id)}</code>"),
        (
            "Issued",
            f"{info.issued:%Y-%m-%d %H:%M:%S} UTC ({human_duration(info.age)} ago)",
        ),
        ("Expires", f"<span id=expires>{_e(expires)}</span>"),
        (
            "Size",
            f"<span id=size>{info.size} of {info.limit} bytes</span>"
            f" ({percent:.1f}% of the 4 KB budget)"
            f'<div class=bar><span style="width:{min(percent, 100):.1f}%">'
            "</span></div>",
        ),
        ("Decoded", f"<pre id=data>{_e(to_json(info.data))}</pre>"),
    ]
    body = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    return (
        "<section id=cookie><h2>The cookie your browser sent</h2>"
        f"<table>{body}</table><p class=muted>Signed, not encrypted: whoever"
        " holds the cookie can read all of this. Copy it, log out, and replay"
        " the copy below: it is refused (revoked).</p>"
        f"{_replay_form(values[0])}</section>"
    )


def _replay_form(value: str = "") -> str:
    return (
        f'<form method=post action="{MOUNTS["WSGI"]}/replay" id=replay-form>'
        "<label>A copied cookie value<br><textarea name=cookie id=replay-cookie"
        f" rows=3 cols=60>{_e(value)}</textarea></label><br>"
        "<button id=replay>Replay it</button></form>"
    )


def render_replay(outcome: str, user: str | None) -> str:
    """The page saying what a replayed cookie reads as."""
    if user is not None:
        verdict = f"Accepted: it reads as logged in as <b>{_e(user)}</b>."
    elif outcome:
        verdict = f"Refused: <b id=replay-outcome>{_e(outcome)}</b>."
    else:
        verdict = "Accepted, but it holds no user."
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        "<title>Replay · signedsession demo</title>"
        f"<style>{_CSS}</style></head><body>{_nav('Replay')}<main>"
        f"<section id=replay-result><h2>The replayed cookie</h2><p>{verdict}</p>"
        "<p class=muted>A server-side record of revoked sessions (here an SQLite"
        " file) makes a logged-out cookie worthless, copies included.</p>"
        f"{_replay_form()}</section></main></body></html>"
    )


def render_page(
    framework: str,
    *,
    user: str | None,
    counter: int,
    flashes: Iterable[tuple[str, str]],
    cookie_header: str | None,
    settings: SessionSettings,
    notice: str = "",
) -> str:
    """One app's page: the session, its forms and the cookie panel."""
    base = MOUNTS[framework]
    items = "".join(f"<div class=flash><b>{_e(c)}</b>{_e(m)}</div>" for c, m in flashes)
    if notice:
        items += f"<div class=flash><b>{_e(framework)}</b>{_e(notice)}</div>"
    if user is None:
        who = "<p id=user>Not logged in.</p>"
        forms = (
            f'<form method=post action="{base}/login" id=login-form><label>User name '
            f"<input name=username id=username maxlength={MAX_USERNAME} required>"
            "</label> <button id=login>Log in</button></form>"
        )
    else:
        who = f"<p>Logged in as <b id=user>{_e(user)}</b>.</p>"
        forms = (
            f'<form method=post action="{base}/logout" id=logout-form>'
            "<button class=quiet id=logout>Log out</button></form>"
            f'<form method=post action="{base}/everywhere" id=everywhere-form>'
            "<button class=quiet id=everywhere>Log out everywhere</button></form>"
        )
    forms = (
        f'<form method=post action="{base}/count" id=count-form>'
        "<button id=count>Count +1</button>"
        "</form>" + forms
    )
    others = ", ".join(
        f'<a href="{m}/">{n}</a>' for n, m in MOUNTS.items() if n != framework
    )
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>{framework} · signedsession demo</title>"
        "<meta name=viewport content='width=device-width,initial-scale=1'>"
        f"<style>{_CSS}</style></head><body>{_nav(framework)}<main>"
        f"<h1>This page is served by <span id=framework>{_e(framework)}</span></h1>"
        f"<p class=muted>Session from <code>{_e(INTEGRATIONS[framework])}</code></p>"
        f"<section id=session><h2>Session</h2>{items}{who}"
        f"<p>Counter: <b id=counter>{counter}</b></p>{forms}"
        f"<p class=muted>Open {others}: same cookie, same session.</p></section>"
        f"{_cookie_panel(cookie_header, settings)}</main></body></html>"
    )


def render_home(cookie_header: str | None, settings: SessionSettings) -> str:
    """The landing page: what the demo shows and where to start."""
    cards = "".join(
        f'<li><a href="{m}/">{n}</a> at <code>{m}/</code></li>'
        for n, m in MOUNTS.items()
    )
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        "<title>signedsession demo</title>"
        "<meta name=viewport content='width=device-width,initial-scale=1'>"
        f"<style>{_CSS}</style></head><body>{_nav('Home')}<main>"
        "<h1>Four frameworks, one signed session</h1><section><p>Four apps run"
        " in this process, each with its own framework's session API, all"
        " configured with the same secret, cookie name and salt (Starlette's"
        " is ASGI, served by uvicorn, the three WSGI apps beside it through"
        " a WSGI-to-ASGI bridge):</p>"
        f"<ul>{cards}</ul><p>Log in on one, count on another, and watch the"
        " same user, counter and messages everywhere. Log out on any of them"
        " and the cookie is deleted for all. Nothing is stored on the server:"
        " everything below comes from the cookie itself.</p></section>"
        f"{_cookie_panel(cookie_header, settings)}</main></body></html>"
    )
