"""Pytest plugin: records every test's outcome, by node id, as JSON.

Loaded into both runs of an upstream suite (as shipped and with
signedsession forced in); it changes nothing about how the tests run.
The file is named by the ``SIGNEDSESSION_UPSTREAM_REPORT`` environment
variable.
"""

from __future__ import annotations

import json
import os
from typing import Any

_outcomes: dict[str, str] = {}


def pytest_runtest_logreport(report: Any) -> None:
    """Keep the worst outcome of a test's set-up, call and tear-down."""
    if report.when == "call" or report.outcome != "passed":
        outcome = report.outcome
        if hasattr(report, "wasxfail"):
            outcome = "xfailed" if report.skipped else "xpassed"
        if _outcomes.get(report.nodeid) != "failed":
            _outcomes[report.nodeid] = outcome


def pytest_collectreport(report: Any) -> None:
    """A module that cannot be collected counts as one failed test."""
    if report.failed:
        _outcomes[report.nodeid] = "failed"


def pytest_sessionfinish(session: Any) -> None:
    """Write the outcomes to the report file."""
    with open(os.environ["SIGNEDSESSION_UPSTREAM_REPORT"], "w") as file:
        json.dump(_outcomes, file, indent=0, sort_keys=True)
