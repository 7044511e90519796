"""The hostile-cookie table through the Django door.

Every row of ``test_hostile.ROWS`` goes through a Django project whose
``SESSION_ENGINE`` is ``signedsession.adapters.django``, under Django's own
``SessionMiddleware`` and cookie parser, with WebTest's lint: below 500,
within the CPU and memory budgets, exactly one warning with the row's reason
for a rejected cookie (never its content), the cookie deleted when Django's
middleware sees an empty session, and a valid cookie accepted right after.

Django parses the ``Cookie`` header itself (``django.http.parse_cookie``),
not as werkzeug does: the last of several same-named cookies wins, a part
without ``=`` is a cookie with an empty name, and quotes are undone by
``http.cookies``. Rows whose header Django reads differently from werkzeug
are listed in ``DJANGO_READS`` with the outcome that follows from what
Django hands the engine; a test checks that each listed row really is one
where the two parsers disagree. Django's parser is Django's cost: the CPU
budget applies to the request minus ``parse_cookie`` of the same header
(on Python before 3.11.10/3.12.6, ``http.cookies`` unquotes backslashes in
quadratic time, CVE-2024-7592: seconds for the 100 KB row).

Like the Flask and Pyramid doors, this door has a ``migrate_from`` reader
(Django's format): a value without exactly four dots goes to it alone, and
its reason stands (``MIGRATE_REASONS``).
"""

from __future__ import annotations

import json
import logging
import tracemalloc
from collections.abc import Iterator
from typing import Any

import pytest
from djangoproject import configure
from test_hostile import (  # the table and its fixtures
    CPU_BUDGET,
    MEMORY_BUDGET,
    ROWS,
    SECRET,
    SECURITY,
    VALID_DATA,
    Context,
    Door,
    Row,
    cpu_time,
    expected_outcome,
    foreign_cookies,  # noqa: F401 (module fixture: the foreign rows' cookies)
    frozen,  # noqa: F401 (fixture)
    request,
    security_records,
)
from werkzeug.sansio.http import parse_cookie as werkzeug_parse_cookie

configure()

from django.http.cookie import parse_cookie  # noqa: E402
from django.test import override_settings  # noqa: E402

NAME = "session"

_ACCEPTED = ("accepted", None)
#: Rows whose header Django's parser reads differently: (outcome, reason).
DJANGO_READS: dict[str, tuple[str, str | None]] = {
    # No "=": Django reads a cookie with an empty name, so none of ours.
    "name-without-value": ("ignored", None),
    # Django keeps the quote in the value: ours, tampered.
    "unterminated-quote": ("rejected", "bad signature"),
    # The last of several same-named cookies wins in Django.
    "duplicates-valid-first-of-50": ("rejected", "bad signature"),
    "duplicates-valid-50th-not-tried": _ACCEPTED,
    # Django splits on ";" only: the CR LF and what follows stay in the value.
    "crlf-header-injection-after-value": ("rejected", "bad signature"),
    # Django strips every Unicode space (str.strip) around a cookie's name.
    "nbsp-prefixed-name-utf8": _ACCEPTED,
    "ideographic-space-prefixed-name": _ACCEPTED,
    "vertical-tab-prefixed-name": _ACCEPTED,
    "form-feed-prefixed-name": _ACCEPTED,
    "file-separator-prefixed-name": _ACCEPTED,
    "next-line-prefixed-name": _ACCEPTED,
    "newline-prefixed-name": _ACCEPTED,
}
#: Rows in our format's key but not its shape: the migrate_from reader's reason.
MIGRATE_REASONS = {
    "leaked-key-four-fields": "bad signature",
    "leaked-key-six-fields": "bad signature",
}


@pytest.fixture(scope="module")
def door() -> Iterator[Door]:
    """The Django project, configured for the table's key and cookie name."""
    from django.core.handlers.wsgi import WSGIHandler

    from signedsession.adapters.django import session_settings

    with override_settings(
        SECRET_KEY=SECRET,
        SESSION_COOKIE_NAME=NAME,
        ROOT_URLCONF="djangoproject.hostile_urls",
        MIDDLEWARE=["django.contrib.sessions.middleware.SessionMiddleware"],
        ALLOWED_HOSTS=["localhost"],
    ):
        yield Door("django", WSGIHandler(), session_settings(), kind="django")


def _rows() -> Iterator[Any]:
    for row in ROWS:
        if row.kind is not None or row.tagged:
            continue  # another adapter's format, or TaggedJSONSerializer data
        yield pytest.param(row, id=row.id)


def session_cookies(response: Any, name: str) -> list[str]:
    """Values of every ``Set-Cookie`` for ``name``, as Django writes them.

    Django's WSGI handler puts a space before each (``Morsel.output``) and
    quotes an empty value.
    """
    values = []
    for header in response.headers.getall("Set-Cookie"):
        cookie_name, _, rest = header.strip().partition("=")
        if cookie_name == name:
            value = rest.split(";")[0]
            values.append("" if value == '""' else value)
    return values


def django_cookies(header: str) -> dict[str, str]:
    """The cookies Django reads from ``HTTP_COOKIE`` (latin-1 bytes as UTF-8)."""
    return parse_cookie(header.encode("latin-1").decode(errors="replace"))


def expectation(row: Row) -> tuple[str, str | None]:
    if row.id in MIGRATE_REASONS:
        return row.outcome, MIGRATE_REASONS[row.id]
    return DJANGO_READS.get(row.id, (row.outcome, row.reason))


@pytest.mark.usefixtures("frozen")
@pytest.mark.parametrize("row", list(_rows()))
def test_hostile_cookie_through_django(
    door: Door, row: Row, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger=SECURITY)
    ctx = Context(door)
    outcome, reason = expectation(row)
    if row.id in DJANGO_READS:
        expected = dict(VALID_DATA) if outcome == "accepted" else {}
    else:
        expected = expected_outcome(ctx, row)
    app = door.app()
    request(app, ctx.cookie(ctx.valid()))  # warm up imports and caches
    for header in row.headers(ctx):
        parsing, cookies = cpu_time(lambda: django_cookies(header))  # noqa: B023
        value = cookies.get(NAME)
        caplog.clear()
        app.reset()
        cpu, response = cpu_time(lambda: request(app, header))  # noqa: B023
        assert response.status_int == 200
        assert json.loads(response.body) == expected
        assert cpu - parsing < CPU_BUDGET, f"{cpu * 1000:.1f} ms of CPU"
        check_log(security_records(caplog), outcome, reason, value, ctx)
        issued_on_read = session_cookies(response, NAME)
        if outcome in ("rejected", "short"):
            assert issued_on_read == [""]  # Django's middleware deletes it
        elif outcome == "accepted" and row.migrated:
            assert [ctx.codec.loads(v).data for v in issued_on_read] == [expected]
        else:
            assert issued_on_read == []

        caplog.clear()
        app.reset()
        tracemalloc.start()
        try:
            before, _ = tracemalloc.get_traced_memory()
            response = request(app, header, write=True)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert response.status_int == 200
        assert json.loads(response.body) == expected
        assert peak - before < MEMORY_BUDGET, f"{(peak - before) >> 20} MiB"
        check_log(security_records(caplog), outcome, reason, value, ctx)
        (issued,) = session_cookies(response, NAME)
        assert ctx.codec.loads(issued).data == {
            **expected,
            "n": expected.get("n", 0) + 1,
        }

    caplog.clear()
    app.reset()
    response = request(app, ctx.cookie(ctx.valid()), write=True)
    assert json.loads(response.body) == VALID_DATA
    (issued,) = session_cookies(response, NAME)
    assert ctx.codec.loads(issued).data == {**VALID_DATA, "n": 42}
    assert security_records(caplog) == []


def check_log(
    records: list[logging.LogRecord],
    outcome: str,
    reason: str | None,
    value: str | None,
    ctx: Context,
) -> None:
    if outcome != "rejected":
        assert records == []
        return
    [record] = records
    assert record.levelname == "WARNING"
    assert record.getMessage() == f"session cookie rejected: {reason}"
    texts = [str(record.msg), *map(str, record.args or ())]
    for text in texts:
        assert SECRET not in text
        assert ctx.valid() not in text
        if value is not None and len(value) >= 8:
            assert value[:8] not in text and value[-8:] not in text


def test_listed_rows_are_those_django_reads_differently(door: Door) -> None:
    ctx = Context(door)
    rows = {row.id: row for row in ROWS}
    for row_id in DJANGO_READS:
        for header in rows[row_id].headers(ctx):
            django = django_cookies(header).get(NAME)
            werkzeug = werkzeug_parse_cookie(header).getlist(NAME)
            assert [django] != (werkzeug[:1] or [None]), row_id
    for row_id in MIGRATE_REASONS:
        row = rows[row_id]
        assert row.door_reasons == {
            "flask": "bad signature",
            "pyramid": "bad signature",
        }
        for header in row.headers(ctx):
            assert django_cookies(header)[NAME].count(".") != 4
