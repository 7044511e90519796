"""The ``signedsession.security`` log: one WARNING per rejected cookie.

A rejected cookie is the one event a client can cause at will, so its log
line must cost little: with :mod:`logging`'s own record factory in place,
each record is a copy of one made by that factory for the same reason,
with the fields that change from call to call (time, thread, process,
task) filled in again as :class:`logging.LogRecord` fills them.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from typing import Any

__all__ = ["log_rejection", "logger"]

logger = logging.getLogger("signedsession.security")

_MESSAGE = "session cookie rejected: %s"
# Reasons are a small fixed set (see InvalidCookie); the bound is a guard.
_MAX_TEMPLATES = 64
_templates: dict[str, dict[str, Any]] = {}
# os.getpid() is a system call; the pid changes only in a forked child.
_pid = os.getpid()


def _forked() -> None:
    global _pid
    _pid = os.getpid()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forked)


def log_rejection(reason: str) -> None:
    """One WARNING on ``signedsession.security``: the reason, never the value."""
    if not logger.isEnabledFor(logging.WARNING):
        return
    if (
        logging.getLogRecordFactory() is logging.LogRecord
        and type(logger).makeRecord is logging.Logger.makeRecord
    ):
        record = _copy_record(reason)
    else:  # a factory or logger class of the application's: honour it
        record = _make_record(reason)
    logger.handle(record)


def _make_record(reason: str) -> logging.LogRecord:
    # What Logger.warning would make, without its walk up the stack to find
    # the caller: the caller is always log_rejection.
    return logger.makeRecord(
        logger.name,
        logging.WARNING,
        __file__,
        log_rejection.__code__.co_firstlineno,
        _MESSAGE,
        (reason,),
        None,
        "log_rejection",
    )


def _copy_record(reason: str) -> logging.LogRecord:
    template = _templates.get(reason)
    if template is None:
        if len(_templates) >= _MAX_TEMPLATES:
            _templates.clear()
        template = _templates[reason] = dict(vars(_make_record(reason)))
    record = logging.LogRecord.__new__(logging.LogRecord)
    fields = record.__dict__
    fields.update(template)
    # Log times are logging's own clock, not signedsession._clock.
    nanoseconds = time.time_ns()
    created = nanoseconds / 1e9
    fields["created"] = created
    fields["msecs"] = (nanoseconds % 1_000_000_000) // 1_000_000 + 0.0
    fields["relativeCreated"] = (
        template["relativeCreated"] + (created - template["created"]) * 1000
    )
    if logging.logThreads:
        fields["thread"] = threading.get_ident()
        fields["threadName"] = threading.current_thread().name
    else:
        fields["thread"] = fields["threadName"] = None
    fields["process"] = _pid if logging.logProcesses else None
    fields["processName"] = _process_name()
    if "taskName" in fields:  # Python 3.12+
        fields["taskName"] = _task_name()
    return record


def _process_name() -> str | None:
    if not logging.logMultiprocessing:
        return None
    multiprocessing = sys.modules.get("multiprocessing")
    if multiprocessing is None:
        return "MainProcess"
    try:
        return multiprocessing.current_process().name  # type: ignore[no-any-return]
    except Exception:  # as LogRecord: a half-imported module keeps the default
        return "MainProcess"


def _task_name() -> str | None:
    if not getattr(logging, "logAsyncioTasks", False):
        return None
    asyncio = sys.modules.get("asyncio")
    if asyncio is None:
        return None
    try:
        task = asyncio.current_task()
    except Exception:  # no running loop: no task
        return None
    return None if task is None else task.get_name()
