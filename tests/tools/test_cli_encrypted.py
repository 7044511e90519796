"""``signedsession inspect`` on encrypted cookies."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from shared import NOW, OLD_SECRET, SECRET

import signedsession._aead
from signedsession import SessionSettings
from signedsession._codec import Codec
from signedsession.cli import main

SESSION_ID = "c2Vzc2lvbi1pZC0xMjM0"
CANNOT = "signedsession inspect: encrypted cookie cannot be read: "


def sealed(data: dict[str, Any], *, secret: str = SECRET, **fields: Any) -> str:
    settings = SessionSettings(secret_key=secret, encrypt=True, **fields)
    return Codec(settings).dumps(data, session_id=SESSION_ID, created=NOW, issued=NOW)


@pytest.fixture
def env_secret(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("SIGNEDSESSION_SECRET_KEY", SECRET)
    return SECRET


def test_inspect_opens_an_encrypted_cookie_and_says_so(
    clock: Any, env_secret: str, capsys: pytest.CaptureFixture[str]
) -> None:
    cookie = sealed({"user": "ann"})
    assert main(["inspect", cookie]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines()[:2] == [
        "valid:      encrypted, opened with the current key",
        f"session id: {SESSION_ID}",
    ]
    assert out.endswith('data:\n{\n  "user": "ann"\n}\n')
    assert err == ""


def test_inspect_json_says_encrypted(
    clock: Any, env_secret: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["inspect", "--json", sealed({"user": "ann"})]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["encrypted"], report["key"], report["key_index"]) == (
        True,
        "current key",
        0,
    )
    assert report["data"] == {"user": "ann"}


def test_inspect_names_the_fallback_key_that_opened_it(
    clock: Any, env_secret: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keys = tmp_path / "old"
    keys.write_text(OLD_SECRET + "\n", encoding="utf-8")
    cookie = sealed({"user": "ann"}, secret=OLD_SECRET)
    assert main(["inspect", "--fallback-key-file", str(keys), cookie]) == 0
    assert capsys.readouterr().out.startswith(
        "valid:      encrypted, opened with the fallback key 1\n"
    )


def test_inspect_reads_the_key_from_a_key_file(
    clock: Any,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("SIGNEDSESSION_SECRET_KEY", raising=False)
    key = tmp_path / "key"
    key.write_text(SECRET, encoding="utf-8")
    assert main(["inspect", "--secret-key-file", str(key), sealed({"a": 1})]) == 0
    assert capsys.readouterr().out.startswith("valid:      encrypted, opened with")


def test_inspect_without_the_right_key_cannot_read_it(
    clock: Any, env_secret: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["inspect", sealed({"user": "ann"}, secret=OLD_SECRET)]) == 1
    assert capsys.readouterr() == (
        "",
        CANNOT + "no key given opens it (another key, or altered)\n",
    )


def test_inspect_with_another_salt_cannot_read_it(
    clock: Any, env_secret: str, capsys: pytest.CaptureFixture[str]
) -> None:
    cookie = sealed({"user": "ann"}, salt="another-app")
    assert main(["inspect", cookie]) == 1
    assert capsys.readouterr().err.startswith(CANNOT)
    assert main(["inspect", "--salt", "another-app", cookie]) == 0


def test_inspect_tampered_encrypted_cookie_cannot_be_read(
    clock: Any, env_secret: str, capsys: pytest.CaptureFixture[str]
) -> None:
    cookie = sealed({"user": "ann"})
    middle = len(cookie) // 2
    tampered = (
        cookie[:middle] + ("A" if cookie[middle] != "A" else "B") + cookie[middle + 1 :]
    )
    assert main(["inspect", tampered]) == 1
    assert capsys.readouterr().err == (
        CANNOT + "no key given opens it (another key, or altered)\n"
    )


def test_inspect_expired_encrypted_cookie_gives_the_reason(
    clock: Any, env_secret: str, capsys: pytest.CaptureFixture[str]
) -> None:
    cookie = sealed({"user": "ann"})
    clock.advance(1209601)
    assert main(["inspect", cookie]) == 1
    assert capsys.readouterr().err == CANNOT + "expired\n"


def test_inspect_without_cryptography_says_so(
    clock: Any,
    env_secret: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    cookie = sealed({"user": "ann"})
    monkeypatch.setattr(signedsession._aead, "_AESGCM", None)
    assert main(["inspect", cookie]) == 1
    assert capsys.readouterr().err == (
        CANNOT + "the cryptography package is not installed"
        " (pip install 'signedsession[encrypt]')\n"
    )


def test_the_command_prints_no_traceback_for_a_wrong_key() -> None:
    # The installed entry point, as an operator runs it.
    env = {**os.environ, "SIGNEDSESSION_SECRET_KEY": OLD_SECRET}
    cookie = sealed({"user": "ann"})
    result = subprocess.run(
        [sys.executable, "-m", "signedsession", "inspect", cookie],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == CANNOT + "no key given opens it (another key, or altered)\n"
