"""The rejection log line: what a handler receives is a complete LogRecord."""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from signedsession import _security_log

TIME_FIELDS = {"created", "msecs", "relativeCreated"}


class Keep(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def kept() -> Iterator[Keep]:
    handler = Keep()
    _security_log.logger.addHandler(handler)
    try:
        yield handler
    finally:
        _security_log.logger.removeHandler(handler)


def logged(kept: Keep, reason: str = "bad signature") -> logging.LogRecord:
    before = len(kept.records)
    _security_log.log_rejection(reason)
    assert len(kept.records) == before + 1
    return kept.records[-1]


def factory_record(reason: str = "bad signature") -> logging.LogRecord:
    """The record logging's own machinery makes for the same call."""
    return _security_log._make_record(reason)


def test_a_copied_record_has_every_field_of_a_made_one(kept: Keep) -> None:
    logged(kept)  # the first call makes the template
    made = factory_record()
    copied = _security_log._copy_record("bad signature")  # not yet formatted
    assert type(copied) is logging.LogRecord
    assert set(vars(copied)) == set(vars(made))
    for name in set(vars(made)) - TIME_FIELDS:
        assert getattr(copied, name) == getattr(made, name), name
    assert logged(kept).getMessage() == "session cookie rejected: bad signature"
    assert (copied.levelname, copied.name) == ("WARNING", "signedsession.security")
    assert copied.filename == "_security_log.py"
    assert copied.funcName == "log_rejection"


def test_a_copied_record_has_its_own_time(kept: Keep) -> None:
    first = logged(kept)
    time.sleep(0.02)
    before = time.time()
    second = logged(kept)
    assert before <= second.created <= time.time()
    assert second.msecs == int(second.msecs)  # whole milliseconds, a float
    assert abs(second.msecs - (second.created % 1) * 1000) < 1.001
    elapsed_ms = (second.created - first.created) * 1000
    assert second.relativeCreated - first.relativeCreated == pytest.approx(
        elapsed_ms, abs=0.01
    )
    # Time since logging started, as logging counts it.
    made = factory_record()
    assert abs(made.relativeCreated - second.relativeCreated) < 1000


def test_each_reason_keeps_its_own_message(kept: Keep) -> None:
    logged(kept, "expired")
    record = logged(kept, "too large")
    assert record.getMessage() == "session cookie rejected: too large"
    assert record.args == ("too large",)


def test_a_record_logged_in_another_thread_names_that_thread(kept: Keep) -> None:
    logged(kept)
    thread = threading.Thread(target=_security_log.log_rejection, args=("expired",))
    thread.name = "worker-7"
    thread.start()
    thread.join()
    record = kept.records[-1]
    assert record.threadName == "worker-7"
    assert record.thread == thread.ident != threading.get_ident()
    assert record.process == os.getpid()


def test_a_record_logged_in_a_task_matches_the_factorys(kept: Keep) -> None:
    async def main() -> tuple[Any, Any]:
        copied = _security_log._copy_record("expired")
        made = factory_record("expired")
        assert set(vars(copied)) == set(vars(made))
        return vars(copied).get("taskName"), vars(made).get("taskName")

    logged(kept, "expired")

    async def named() -> tuple[Any, Any]:
        return await asyncio.create_task(main(), name="request-task")

    copied, made = asyncio.run(named())
    assert copied == made  # "request-task" on 3.12+, absent before


def test_logging_switches_are_honoured(
    kept: Keep, monkeypatch: pytest.MonkeyPatch
) -> None:
    logged(kept)
    monkeypatch.setattr(logging, "logThreads", False)
    monkeypatch.setattr(logging, "logProcesses", False)
    monkeypatch.setattr(logging, "logMultiprocessing", False)
    record = _security_log._copy_record("bad signature")
    made = factory_record()
    for name in ("thread", "threadName", "process", "processName"):
        assert getattr(record, name) is None is getattr(made, name), name


def test_an_applications_record_factory_is_used(
    kept: Keep, monkeypatch: pytest.MonkeyPatch
) -> None:
    logged(kept)
    default = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = default(*args, **kwargs)
        record.request_id = "r-1"  # type: ignore[attr-defined]
        return record

    monkeypatch.setattr(logging, "_logRecordFactory", factory)
    record = logged(kept)
    assert record.request_id == "r-1"  # type: ignore[attr-defined]
    assert record.getMessage() == "session cookie rejected: bad signature"


def test_a_formatted_copy_reads_as_the_factorys_would(kept: Keep) -> None:
    formatter = logging.Formatter(
        "%(levelname)s %(name)s %(module)s:%(funcName)s %(threadName)s %(message)s"
    )
    logged(kept)
    assert formatter.format(logged(kept)) == formatter.format(factory_record())


def test_nothing_is_made_below_the_warning_level(
    kept: Keep, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_security_log.logger, "disabled", False)
    _security_log.logger.setLevel(logging.ERROR)
    try:
        _security_log.log_rejection("expired")
    finally:
        _security_log.logger.setLevel(logging.NOTSET)
    assert kept.records == []


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_a_record_logged_in_a_forked_child_names_the_child(kept: Keep) -> None:
    logged(kept)  # the template and the pid are the parent's
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        try:
            record = _security_log._copy_record("bad signature")
            os.write(write_end, f"{record.process} {os.getpid()}".encode())
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        logged_pid, real_pid = pipe.read().split()
    os.waitpid(child, 0)
    assert logged_pid == real_pid != str(os.getpid())
