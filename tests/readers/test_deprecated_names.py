"""The readers' old import paths keep working, with a DeprecationWarning."""

from __future__ import annotations

import importlib
import sys

import pytest

from signedsession.readers.flask import FlaskCookieReader
from signedsession.readers.pyramid import PyramidCookieReader


@pytest.mark.parametrize(
    ("module", "name", "reader"),
    [
        ("signedsession.flask_format", "FlaskCookieFormat", FlaskCookieReader),
        ("signedsession.pyramid_format", "PyramidCookieFormat", PyramidCookieReader),
    ],
    ids=["flask", "pyramid"],
)
def test_old_module_warns_and_gives_the_reader(
    module: str, name: str, reader: type, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delitem(sys.modules, module, raising=False)
    with pytest.warns(DeprecationWarning, match=r"signedsession\.readers\."):
        old = importlib.import_module(module)
    assert getattr(old, name) is reader
