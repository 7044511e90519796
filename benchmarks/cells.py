"""The cells of a run: each contender on each workload, checked before timing.

Every contender reads cookies that it minted itself (a ``/seed/<session>``
request); a cell whose answer is wrong, or whose cookie a browser would not
keep, is left out and recorded, never timed.
"""

from __future__ import annotations

from .contenders import Contender
from .results import Results
from .runner import BROWSER_COOKIE_LIMIT, Cell, CheckFailed, CookieTooLarge, check
from .workloads import OTHER_COOKIES, WORKLOADS, tamper

__all__ = ["build_cells", "cookie_header", "cookie_value"]


def cookie_value(contender: Contender, path: str) -> str:
    """The session cookie value that ``contender`` sets for ``path``."""
    response = contender.request(path, None).once()
    for header in response.set_cookies():
        pair = header.split(";", 1)[0]
        name, _, value = pair.partition("=")
        if name.strip() == contender.cookie_name:
            return value.strip()
    raise CheckFailed(f"{contender.title}: {path} set no session cookie")


def cookie_header(contender: Contender, kind: str, cache: dict[str, str]) -> str:
    """The ``Cookie`` header of a workload's cookie ``kind`` for ``contender``.

    Values are minted once per contender by its own ``/seed/<session>``
    requests; ``"tampered:<session>"`` is that value with one character
    changed.
    """
    if kind == "none":
        return OTHER_COOKIES
    if kind not in cache:
        tampered, _, session = kind.rpartition(":")
        if session not in cache:
            value = cookie_value(contender, f"/seed/{session}")
            size = len(contender.cookie_name) + len(value)
            if size > BROWSER_COOKIE_LIMIT:  # a browser never sends it back
                raise CookieTooLarge(
                    f"{contender.title}: its {session} cookie is {size} bytes"
                    f" (name and value), over the {BROWSER_COOKIE_LIMIT} that"
                    " browsers keep"
                )
            cache[session] = value
        cache[kind] = tamper(cache[session]) if tampered else cache[session]
    return f"{OTHER_COOKIES}; {contender.cookie_name}={cache[kind]}"


def _set_cookie_value(response_cookies: list[str], name: str) -> str | None:
    for header in response_cookies:
        cookie_name, _, value = header.split(";", 1)[0].partition("=")
        if cookie_name.strip() == name:
            return value.strip()
    return None


#: Roles whose contenders mint no cookie of their own and are not checked
#: for the session's answers: their views run on a plain dict or on a
#: session that does nothing.
_BORROWING = ("bare", "plumbing")


def _baseline(contender: Contender, contenders: list[Contender]) -> Contender:
    """Whose cookies a contender's requests carry: its own, or for a bare app
    or the framework's plumbing its framework's first session contender (the
    same bytes to copy and, for most, to parse)."""
    if contender.role not in _BORROWING:
        return contender
    peers = [c for c in contenders if c.framework == contender.framework]
    order = ("ours", "peer", "variant", "floor", "plumbing", "bare")
    return min(peers, key=lambda c: order.index(c.role))


def build_cells(
    contenders: list[Contender], results: Results
) -> dict[tuple[str, str], Cell]:
    """Mint cookies, make and check every cell; record cookie sizes.

    A cell that fails its check is left out and recorded in
    ``results.failed`` (a peer may be unable to store 3 KB, say).
    """
    cells: dict[tuple[str, str], Cell] = {}
    caches: dict[str, dict[str, str]] = {}
    for contender in contenders:
        source = _baseline(contender, contenders)
        cache = caches.setdefault(source.key, {})
        for workload in WORKLOADS:
            try:
                header = (
                    OTHER_COOKIES
                    if source.role in _BORROWING
                    else cookie_header(source, workload.cookie, cache)
                )
                cell = Cell(
                    contender, workload.name, contender.request(workload.path, header)
                )
                if contender.role == "bare":  # its body is the view's, on a dict
                    response = check(cell, body=None, cookie=False)
                elif contender.role == "plumbing":
                    # The view's answer on a session that holds nothing; a
                    # framework's own middleware may still set a cookie
                    # (Django's saves the least store's key on a write).
                    response = check(cell, body=None, cookie=None)
                else:
                    response = check(
                        cell, body=workload.expect_body, cookie=workload.expect_cookie
                    )
            except Exception as exc:  # recorded, never hidden
                results.failed.append(
                    {
                        "contender": contender.key,
                        "workload": workload.name,
                        "error": f"{type(exc).__name__}: {exc}",
                        "too_large": isinstance(exc, CookieTooLarge),
                    }
                )
                continue
            cells[contender.key, workload.name] = cell
            value = _set_cookie_value(response.set_cookies(), contender.cookie_name)
            if value and workload.expect_cookie and contender.role not in _BORROWING:
                results.cookie_bytes.setdefault(contender.key, {})[workload.name] = len(
                    value
                )
    return cells
