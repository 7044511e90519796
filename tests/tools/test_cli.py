"""The ``signedsession`` command: genkey, inspect, demo and their help."""

from __future__ import annotations

import base64
import io
import json
import re
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from shared import NOW, OLD_SECRET, SECRET

from signedsession import SessionSettings, TaggedJSONSerializer
from signedsession._codec import Codec
from signedsession.cli import main

SESSION_ID = "c2Vzc2lvbi1pZC0xMjM0"


def make_cookie(
    data: dict[str, Any],
    *,
    secret: str = SECRET,
    issued: int = NOW,
    created: int = NOW,
    **fields: Any,
) -> str:
    settings = SessionSettings(secret_key=secret, **fields)
    return Codec(settings).dumps(
        data, session_id=SESSION_ID, created=created, issued=issued
    )


@pytest.fixture
def env_secret(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("SIGNEDSESSION_SECRET_KEY", SECRET)
    return SECRET


@pytest.fixture
def no_env_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SIGNEDSESSION_SECRET_KEY", raising=False)


def write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


# -- genkey --------------------------------------------------------------------


def test_genkey_prints_64_url_safe_characters_of_48_random_bytes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["genkey"]) == 0
    out, err = capsys.readouterr()
    key = out.removesuffix("\n")
    assert re.fullmatch(r"[A-Za-z0-9_-]{64}", key)
    assert len(base64.urlsafe_b64decode(key)) == 48
    assert err == ""


def test_genkey_count_prints_that_many_distinct_keys(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["genkey", "-n", "5"]) == 0
    keys = capsys.readouterr().out.splitlines()
    assert len(keys) == 5
    assert len(set(keys)) == 5


def test_genkey_gives_a_new_key_each_run(capsys: pytest.CaptureFixture[str]) -> None:
    main(["genkey"])
    main(["genkey"])
    first, second = capsys.readouterr().out.splitlines()
    assert first != second


# -- inspect: valid cookies ------------------------------------------------------


def test_inspect_prints_key_id_times_size_and_data(
    clock: Any, env_secret: str, capsys: pytest.CaptureFixture[str]
) -> None:
    cookie = make_cookie({"user": "ann", "counter": 3}, created=NOW - 7200)
    clock.advance(125)
    assert main(["inspect", cookie]) == 0
    out, err = capsys.readouterr()
    size = len(
        f"session={cookie}; Expires=Fri, 29 Jan 2027 08:00:00 GMT; Secure;"
        " HttpOnly; Max-Age=1209600; Path=/; SameSite=Lax"
    )
    assert out == (
        "valid:      signed with the current key\n"
        f"session id: {SESSION_ID}\n"
        "created:    2027-01-15T06:00:00Z (2 h 2 min ago)\n"
        "issued:     2027-01-15T08:00:00Z (2 min 5 s ago)\n"
        "expires:    2027-01-29T08:00:00Z (in 13 d 23 h)\n"
        f"size:       {size} of 4093 bytes ({100 * size // 4093}% of the"
        " Set-Cookie budget)\n"
        "revoked:    not checked ($SIGNEDSESSION_REVOCATIONS is not set)\n"
        "data:\n"
        "{\n"
        '  "counter": 3,\n'
        '  "user": "ann"\n'
        "}\n"
    )
    assert err == ""


def test_inspect_json_prints_one_object(
    clock: Any, env_secret: str, capsys: pytest.CaptureFixture[str]
) -> None:
    cookie = make_cookie({"user": "ann"})
    clock.advance(60)
    assert main(["inspect", "--json", cookie]) == 0
    report = json.loads(capsys.readouterr().out)
    size = report.pop("size")
    assert size > len(cookie)
    assert report == {
        "data": {"user": "ann"},
        "session_id": SESSION_ID,
        "key": "current key",
        "key_index": 0,
        "encrypted": False,
        "created": "2027-01-15T08:00:00Z",
        "issued": "2027-01-15T08:00:00Z",
        "age": 60,
        "expires": "2027-01-29T08:00:00Z",
        "limit": 4093,
        "revoked": None,
    }


def test_inspect_reads_the_key_from_a_file(
    clock: Any, no_env_secret: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key_file = write(tmp_path / "key", SECRET + "\n")
    assert main(["inspect", "--secret-key-file", key_file, make_cookie({})]) == 0
    assert capsys.readouterr().out.startswith(
        "valid:      signed with the current key\n"
    )


def test_inspect_key_file_wins_over_the_environment(
    clock: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SIGNEDSESSION_SECRET_KEY", OLD_SECRET)
    key_file = write(tmp_path / "key", SECRET)
    assert main(["inspect", "--secret-key-file", key_file, make_cookie({})]) == 0


def test_inspect_names_the_fallback_key_that_matched(
    clock: Any, env_secret: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fallbacks = write(
        tmp_path / "old", "unused-older-key-of-thirty-two-bytes!!\n" + OLD_SECRET
    )
    cookie = make_cookie({"user": "ann"}, secret=OLD_SECRET)
    assert main(["inspect", "--fallback-key-file", fallbacks, cookie]) == 0
    assert capsys.readouterr().out.startswith(
        "valid:      signed with the fallback key 2\n"
    )


def test_inspect_accepts_name_equals_value_and_standard_input(
    clock: Any,
    env_secret: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    cookie = make_cookie({"user": "ann"})
    monkeypatch.setattr(sys, "stdin", io.StringIO(f"session={cookie}\n"))
    assert main(["inspect", "--json", "-"]) == 0
    assert json.loads(capsys.readouterr().out)["data"] == {"user": "ann"}


def test_inspect_with_the_tagged_serializer_decodes_tuples(
    clock: Any, env_secret: str, capsys: pytest.CaptureFixture[str]
) -> None:
    cookie = make_cookie(
        {"_flashes": [("Flask", "hi")]}, serializer=TaggedJSONSerializer()
    )
    assert main(["inspect", "--json", "--serializer", "tagged", cookie]) == 0
    assert json.loads(capsys.readouterr().out)["data"] == {
        "_flashes": [["Flask", "hi"]]
    }


def test_inspect_uses_the_given_salt(
    clock: Any, env_secret: str, capsys: pytest.CaptureFixture[str]
) -> None:
    cookie = make_cookie({}, salt="other")
    assert main(["inspect", cookie]) == 1
    assert main(["inspect", "--salt", "other", cookie]) == 0


def test_inspect_warns_about_a_short_key_and_still_verifies(
    clock: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SIGNEDSESSION_SECRET_KEY", "short")
    with pytest.warns(Warning) as record:
        cookie = make_cookie({}, secret="short")
    assert len(record) == 1
    assert main(["inspect", cookie]) == 0
    assert capsys.readouterr().err == (
        "signedsession inspect: warning: secret_key is 5 bytes; use at least 32"
        " random bytes (signedsession genkey)\n"
    )


# -- inspect: invalid cookies ------------------------------------------------------


def test_inspect_tampered_cookie_exits_1_with_the_reason(
    clock: Any, env_secret: str, capsys: pytest.CaptureFixture[str]
) -> None:
    cookie = make_cookie({"user": "ann"})
    tampered = cookie[:-2] + ("AA" if cookie[-2:] != "AA" else "BB")
    assert main(["inspect", tampered]) == 1
    assert capsys.readouterr() == (
        "",
        "signedsession inspect: invalid cookie: bad signature\n",
    )


def test_inspect_cookie_signed_with_another_key_is_invalid(
    clock: Any, env_secret: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["inspect", make_cookie({}, secret=OLD_SECRET)]) == 1
    assert capsys.readouterr().err == (
        "signedsession inspect: invalid cookie: bad signature\n"
    )


def test_inspect_expired_cookie_exits_1(
    clock: Any, env_secret: str, capsys: pytest.CaptureFixture[str]
) -> None:
    cookie = make_cookie({"user": "ann"})
    clock.advance(1209601)
    assert main(["inspect", cookie]) == 1
    assert capsys.readouterr().err == "signedsession inspect: invalid cookie: expired\n"


def test_inspect_max_age_option_sets_the_limit(
    clock: Any, env_secret: str, capsys: pytest.CaptureFixture[str]
) -> None:
    cookie = make_cookie({})
    clock.advance(11)
    assert main(["inspect", "--max-age", "10", cookie]) == 1
    assert main(["inspect", "--max-age", "11", cookie]) == 0
    clock.advance(1209600)
    assert main(["inspect", "--max-age", "none", cookie]) == 0
    out, err = capsys.readouterr()
    assert err == "signedsession inspect: invalid cookie: expired\n"
    assert "expires:    never (no max_age)\n" in out


def test_inspect_cookie_from_the_future_is_invalid(
    clock: Any, env_secret: str, capsys: pytest.CaptureFixture[str]
) -> None:
    cookie = make_cookie({}, issued=NOW + 61, created=NOW + 61)
    assert main(["inspect", cookie]) == 1
    assert capsys.readouterr().err == (
        "signedsession inspect: invalid cookie: timestamp in the future\n"
    )


# -- inspect: usage errors -------------------------------------------------------


def test_inspect_without_a_key_source_exits_2_in_one_line(
    no_env_secret: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["inspect", make_cookie({})]) == 2
    assert capsys.readouterr() == (
        "",
        "signedsession inspect: error: no secret key: pass --secret-key-file"
        " PATH or set SIGNEDSESSION_SECRET_KEY\n",
    )


def test_inspect_missing_key_file_exits_2_in_one_line(
    no_env_secret: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = str(tmp_path / "nope")
    assert main(["inspect", "--secret-key-file", path, make_cookie({})]) == 2
    assert capsys.readouterr().err == (
        f"signedsession inspect: error: cannot read secret key file {path!r}:"
        " No such file or directory\n"
    )


def test_inspect_unreadable_key_file_exits_2_in_one_line(
    no_env_secret: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["inspect", "--secret-key-file", str(tmp_path), "x" * 20]) == 2
    assert capsys.readouterr().err == (
        f"signedsession inspect: error: cannot read secret key file {str(tmp_path)!r}:"
        " Is a directory\n"
    )


def test_inspect_empty_key_file_exits_2(
    no_env_secret: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path / "key", "\n\n")
    assert main(["inspect", "--secret-key-file", path, "x" * 20]) == 2
    assert capsys.readouterr().err == (
        f"signedsession inspect: error: secret key file {path!r} is empty\n"
    )


def test_inspect_key_file_of_several_lines_exits_2(
    no_env_secret: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path / "key", f"{SECRET}\n{OLD_SECRET}\n")
    assert main(["inspect", "--secret-key-file", path, "x" * 20]) == 2
    assert capsys.readouterr().err == (
        f"signedsession inspect: error: secret key file {path!r} holds 2 lines;"
        " put one key in it (older keys go in --fallback-key-file)\n"
    )


def test_inspect_bad_option_value_exits_2_naming_it(
    env_secret: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["inspect", "--digest", "md5", "x" * 20]) == 2
    assert capsys.readouterr().err == (
        "signedsession inspect: error: digest must be one of sha1, sha224,"
        " sha256, sha384, sha512, got 'md5'\n"
    )


def test_inspect_empty_cookie_exits_2(
    env_secret: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["inspect", "session="]) == 2
    assert capsys.readouterr().err == (
        "signedsession inspect: error: the cookie value is empty\n"
    )


def test_inspect_negative_max_age_is_an_argparse_error(
    env_secret: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["inspect", "--max-age", "-5", "x" * 20])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        "signedsession inspect: error: argument --max-age: must be 0 or more, got -5"
    )


@pytest.mark.parametrize(
    "argv",
    [
        ["inspect", "--secret-key", SECRET, "x" * 20],
        ["inspect", "x" * 20, "--secret-key", SECRET],
        ["inspect", "x" * 20, f"--secret-key={SECRET}"],
        ["inspect", "x" * 20, f"-k{SECRET}"],
    ],
    ids=["before", "after", "equals", "short"],
)
def test_inspect_has_no_secret_key_option(
    capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    captured = capsys.readouterr()
    assert SECRET not in captured.out
    # argparse's own message echoes unknown arguments: the key, the cookie.
    assert SECRET not in captured.err
    assert "x" * 20 not in captured.err
    assert "unrecognized arguments: -" in captured.err


# -- demo ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "where"),
    [
        ([], ("127.0.0.1", 8000)),
        (["--host", "0.0.0.0", "--port", "8123"], ("0.0.0.0", 8123)),
    ],
    ids=["defaults", "host-and-port"],
)
def test_demo_serves_where_it_is_told(
    monkeypatch: pytest.MonkeyPatch, argv: list[str], where: tuple[str, int]
) -> None:
    import signedsession.demo

    served: list[tuple[str, int]] = []
    monkeypatch.setattr(
        signedsession.demo,
        "serve",
        lambda *, host, port: served.append((host, port)),
    )
    assert main(["demo", *argv]) == 0
    assert served == [where]


def test_demo_on_a_busy_port_exits_2_in_one_line(
    env_secret: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["demo", "--port", str(port)]) == 2
    assert capsys.readouterr().err == (
        f"signedsession demo: error: cannot serve on 127.0.0.1:{port}:"
        " Address already in use\n"
    )


def test_demo_rejects_a_port_over_65535(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["demo", "--port", "70000"])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        "signedsession demo: error: argument --port: must be at most 65535, got 70000"
    )


# -- help --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "usage"),
    [
        (["--help"], "usage: signedsession [-h] [--version] COMMAND ..."),
        (["genkey", "--help"], "usage: signedsession genkey [-h] [-n COUNT]"),
        (["inspect", "--help"], "usage: signedsession inspect [-h]"),
        (
            ["demo", "--help"],
            "usage: signedsession demo [-h] [--host HOST] [--port PORT]",
        ),
    ],
    ids=["main", "genkey", "inspect", "demo"],
)
def test_help_exits_0_with_usage(
    argv: list[str], usage: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.startswith(usage)


def test_no_command_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert capsys.readouterr().out.startswith("usage: signedsession ")


def test_unknown_command_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["frobnicate"])
    assert exit_info.value.code == 2
    assert (
        capsys.readouterr()
        .err.splitlines()[-1]
        .startswith(
            "signedsession: error: argument COMMAND: invalid choice: 'frobnicate'"
        )
    )


def test_python_dash_m_signedsession_help_runs() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "signedsession", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0
    assert result.stdout.startswith("usage: signedsession [-h] [--version] COMMAND ...")
    assert result.stderr == ""


def test_python_dash_m_signedsession_genkey_prints_a_key() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "signedsession", "genkey"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0
    assert re.fullmatch(r"[A-Za-z0-9_-]{64}\n", result.stdout)


def test_the_installed_signedsession_command_runs() -> None:
    # The console script setup.cfg declares, beside the interpreter that
    # has the package installed (the test setup installs it).
    command = Path(sys.executable).with_name("signedsession")
    assert command.exists(), f"no console script at {command}"
    result = subprocess.run(
        [str(command), "genkey"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0
    assert re.fullmatch(r"[A-Za-z0-9_-]{64}\n", result.stdout)
