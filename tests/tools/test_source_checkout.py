"""A source checkout after a plain ``pip install .``: imports from its root work.

``python -m pytest`` and ``python -m sphinx`` put the current directory
first on ``sys.path``, so run from the checkout's root they import
``signedsession`` from the source tree, where the adapters are the
top-level ``adapters/`` folder rather than ``signedsession/adapters/``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

IMPORT = (
    "import signedsession, signedsession.adapters.flask,"
    " signedsession.adapters.pyramid;"
    " print(signedsession.__file__);"
    " print(signedsession.adapters.flask.SignedSessionInterface.__module__)"
)


@pytest.mark.slow
def test_adapters_import_from_the_root_of_a_checkout_after_pip_install(
    tmp_path: Path,
) -> None:
    checkout = tmp_path / "checkout"
    files = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode()
    for name in filter(None, files.split("\0")):
        source = ROOT / name
        if source.is_file():
            target = checkout / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(source.read_bytes())
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", ".[flask,pyramid]"],
        cwd=checkout,
        check=True,
        capture_output=True,
    )
    installed = subprocess.run(
        [str(python), "-c", IMPORT],
        cwd=tmp_path,  # elsewhere: the installed package
        capture_output=True,
        text=True,
        check=True,
    )
    assert "site-packages" in installed.stdout.splitlines()[0]

    result = subprocess.run(
        [str(python), "-c", IMPORT],
        cwd=checkout,  # the root of the checkout: the source tree
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        str(checkout / "signedsession" / "__init__.py"),
        "signedsession.adapters.flask",
    ]
