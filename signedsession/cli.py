"""The ``signedsession`` command: ``genkey``, ``inspect``, ``revoke``, ``demo``.

Secrets are read from a file or the environment, never from the command
line, where every user of the machine could read them in the process list.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from collections.abc import Sequence

from . import __version__, _clock
from ._codec import NO_CRYPTOGRAPHY
from ._keys import ENV_SECRET_KEY, KEY_BYTES, generate_key
from .exceptions import InvalidCookie
from .inspection import human_duration, inspect_cookie, is_encrypted, iso, to_json
from .revocation import ENV_REVOCATIONS, Revocations, from_url
from .serializers import JSONSerializer, TaggedJSONSerializer
from .settings import Serializer, SessionSettings

__all__ = ["ENV_SECRET_KEY", "generate_key", "main"]

_SERIALIZERS: dict[str, type[JSONSerializer] | type[TaggedJSONSerializer]] = {
    "json": JSONSerializer,
    "tagged": TaggedJSONSerializer,
}


class UsageError(Exception):
    """A mistake on the command line: reported in one line, exit status 2."""


# -- the commands -------------------------------------------------------------


def _cmd_genkey(args: argparse.Namespace) -> int:
    for _ in range(args.count):
        print(generate_key())
    return 0


def _read_keys(path: str, what: str) -> list[str]:
    try:
        with open(path, encoding="utf-8") as file:
            text = file.read()
    except OSError as exc:
        raise UsageError(f"cannot read {what} {path!r}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise UsageError(f"{what} {path!r} is not UTF-8 text") from None
    keys = [line.strip() for line in text.splitlines() if line.strip()]
    if not keys:
        raise UsageError(f"{what} {path!r} is empty")
    return keys


def _secret_key(args: argparse.Namespace) -> str:
    if args.secret_key_file is not None:
        keys = _read_keys(args.secret_key_file, "secret key file")
        if len(keys) > 1:
            raise UsageError(
                f"secret key file {args.secret_key_file!r} holds {len(keys)}"
                " lines; put one key in it (older keys go in --fallback-key-file)"
            )
        return keys[0]
    secret = os.environ.get(ENV_SECRET_KEY, "").strip()
    if not secret:
        raise UsageError(
            f"no secret key: pass --secret-key-file PATH or set {ENV_SECRET_KEY}"
        )
    return secret


def _cookie_value(args: argparse.Namespace) -> str:
    value: str = args.cookie
    if value == "-":
        value = sys.stdin.read()
    value = value.strip()
    # Accept "name=value" as copied from a browser's developer tools.
    prefix = args.cookie_name + "="
    if value.startswith(prefix):
        value = value[len(prefix) :]
    if not value:
        raise UsageError("the cookie value is empty")
    return value


def _settings(args: argparse.Namespace) -> SessionSettings:
    secret = _secret_key(args)
    fallbacks: list[str] = []
    for path in args.fallback_key_file:
        fallbacks.extend(_read_keys(path, "fallback key file"))
    serializer: Serializer = _SERIALIZERS[args.serializer]()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            settings = SessionSettings(
                secret_key=secret,
                fallback_keys=tuple(fallbacks),
                cookie_name=args.cookie_name,
                salt=args.salt,
                digest=args.digest,
                max_age=args.max_age,
                absolute_max_age=args.absolute_max_age,
                clock_skew=args.clock_skew,
                serializer=serializer,
                revocations=_revocations() if os.environ.get(ENV_REVOCATIONS) else None,
                user_key=args.user_key,
            )
        except (TypeError, ValueError) as exc:
            raise UsageError(str(exc)) from None
    for warning in caught:
        print(f"signedsession inspect: warning: {warning.message}", file=sys.stderr)
    return settings


def _cmd_inspect(args: argparse.Namespace) -> int:
    settings = _settings(args)
    value = _cookie_value(args)
    try:
        info = inspect_cookie(value, settings)
    except InvalidCookie as exc:
        if is_encrypted(value):
            # A wrong key and a tampered value look the same through AEAD.
            why = {
                "bad signature": "no key given opens it (another key, or altered)",
                NO_CRYPTOGRAPHY: "the cryptography package is not installed"
                " (pip install 'signedsession[encrypt]')",
            }.get(exc.reason, exc.reason)
            print(
                f"signedsession inspect: encrypted cookie cannot be read: {why}",
                file=sys.stderr,
            )
        else:
            print(
                f"signedsession inspect: invalid cookie: {exc.reason}", file=sys.stderr
            )
        return 1
    if args.json:
        print(
            to_json(
                {
                    "data": info.data,
                    "session_id": info.session_id,
                    "key": info.key_label,
                    "key_index": info.key_index,
                    "encrypted": info.encrypted,
                    "created": iso(info.created),
                    "issued": iso(info.issued),
                    "age": info.age,
                    "expires": None if info.expires is None else iso(info.expires),
                    "size": info.size,
                    "limit": info.limit,
                    "revoked": info.revoked,
                }
            )
        )
        return 1 if info.revoked else 0
    now = _clock.time()
    if info.expires is None:
        expires = "never (no max_age)"
    else:
        expires = (
            f"{iso(info.expires)} (in {human_duration(info.expires.timestamp() - now)})"
        )
    if info.encrypted:
        print(f"valid:      encrypted, opened with the {info.key_label}")
    else:
        print(f"valid:      signed with the {info.key_label}")
    print(f"session id: {info.session_id}")
    print(
        f"created:    {iso(info.created)}"
        f" ({human_duration(now - info.created.timestamp())} ago)"
    )
    print(f"issued:     {iso(info.issued)} ({human_duration(info.age)} ago)")
    print(f"expires:    {expires}")
    print(
        f"size:       {info.size} of {info.limit} bytes"
        f" ({100 * info.size // info.limit}% of the Set-Cookie budget)"
    )
    if settings.revocations is None:
        revoked = f"not checked (${ENV_REVOCATIONS} is not set)"
    elif info.revoked is None:
        revoked = "unknown (the revocation store did not answer)"
    else:
        revoked = "yes: servers refuse it" if info.revoked else "no"
    print(f"revoked:    {revoked}")
    print("data:")
    print(to_json(info.data))
    return 1 if info.revoked else 0


def _revocations() -> Revocations:
    url = os.environ.get(ENV_REVOCATIONS)
    if not url:
        raise UsageError(
            f"set {ENV_REVOCATIONS} to the revocation store's URL"
            " (sqlite:///path, redis://host:port/db)"
        )
    try:
        return from_url(url)
    except (TypeError, ValueError) as exc:
        raise UsageError(f"{ENV_REVOCATIONS}: {exc}") from None


def _cmd_revoke(args: argparse.Namespace) -> int:
    if (args.session_id is None) == (args.user is None):
        raise UsageError("give either SESSION_ID or --user USER")
    revocations = _revocations()
    if args.session_id is not None:
        revocations.revoke_session(args.session_id, ttl=args.ttl)
        what = f"session {args.session_id}"
    else:
        revocations.revoke_user(args.user, args.before, ttl=args.ttl)
        what = f"every session of user {args.user!r}"
    # A queued revocation dies with this process: retry here, then say so.
    deadline = time.monotonic() + args.wait
    while revocations.pending and time.monotonic() < deadline:
        time.sleep(revocations.poll_interval)
        revocations.retry_pending()
    if revocations.pending:
        print(
            f"signedsession revoke: error: the revocation store did not answer"
            f" within {args.wait:g}s; {what} is NOT revoked",
            file=sys.stderr,
        )
        return 1
    print(f"revoked: {what}")
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    try:
        from .demo import DemoDependencyMissing, serve
    except ImportError as exc:  # pragma: no cover - demo.py ships with us
        raise UsageError(str(exc)) from None
    try:
        serve(host=args.host, port=args.port)
    except DemoDependencyMissing as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:
        raise UsageError(
            f"cannot serve on {args.host}:{args.port}: {exc.strerror or exc}"
        ) from None
    return 0


def _non_negative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def _port(text: str) -> int:
    value = _non_negative(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"must be at most 65535, got {value}")
    return value


def _optional_seconds(text: str) -> int | None:
    if text.lower() == "none":
        return None
    return _non_negative(text)


def _unrecognized(unknown: list[str]) -> str:
    """The error for arguments nobody takes, naming the options only.

    A value beside an unknown option may be a secret key or a cookie.
    """
    names = []
    for argument in unknown:
        if argument.startswith("--"):
            names.append(argument.split("=", 1)[0])
        elif argument.startswith("-") and len(argument) > 1:
            names.append(argument[:2])
    hidden = len(unknown) - len(names)
    message = "unrecognized arguments"
    if names:
        message += ": " + " ".join(names)
    if hidden:
        message += f" (and {hidden} more, not shown)"
    return message


def build_parser() -> argparse.ArgumentParser:
    """The ``signedsession`` argument parser, with its four commands."""
    parser = argparse.ArgumentParser(
        prog="signedsession",
        # No prefixes: "--secret-key X" must not pass as --secret-key-file.
        allow_abbrev=False,
        description="Signed-cookie sessions for WSGI: keys, cookies and a demo.",
        epilog="Run 'signedsession COMMAND --help' for a command's options.",
    )
    parser.add_argument(
        "--version", action="version", version=f"signedsession {__version__}"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    genkey = commands.add_parser(
        "genkey",
        allow_abbrev=False,
        help="print a new random secret key",
        description=(
            f"Print a new random secret key: {KEY_BYTES} random bytes as"
            " URL-safe base64, ready for SIGNEDSESSION_SECRET_KEY or a key file."
        ),
    )
    genkey.add_argument(
        "-n",
        "--count",
        type=_non_negative,
        default=1,
        help="how many keys to print, one per line (default: 1)",
    )
    genkey.set_defaults(func=_cmd_genkey)

    inspect = commands.add_parser(
        "inspect",
        allow_abbrev=False,
        help="verify a session cookie and show what it holds",
        description=(
            "Verify a session cookie and print its data as JSON, when it was"
            " issued, when it expires, its size and which key signed it. An"
            " encrypted cookie (encrypt=True) is decrypted with the same keys"
            " and said to be encrypted; without the key that opens it, it"
            " cannot be read. The"
            " secret key comes from --secret-key-file or the"
            f" {ENV_SECRET_KEY} environment variable, never from the command"
            " line. Exit status: 0 valid, 1 invalid (the reason is printed),"
            " 2 bad usage."
        ),
    )
    inspect.add_argument(
        "cookie",
        metavar="COOKIE",
        help="the cookie value (or NAME=VALUE); '-' reads it from standard input",
    )
    inspect.add_argument(
        "--secret-key-file",
        metavar="PATH",
        help=f"file holding the secret key (default: ${ENV_SECRET_KEY})",
    )
    inspect.add_argument(
        "--fallback-key-file",
        metavar="PATH",
        action="append",
        default=[],
        help="file of older keys, one per line; repeat for more files",
    )
    inspect.add_argument(
        "--salt", default="signedsession", help="the salt (default: signedsession)"
    )
    inspect.add_argument(
        "--digest", default="sha256", help="the HMAC digest (default: sha256)"
    )
    inspect.add_argument(
        "--cookie-name",
        default="session",
        help="the cookie's name, for NAME=VALUE input and the size (default: session)",
    )
    inspect.add_argument(
        "--serializer",
        choices=sorted(_SERIALIZERS),
        default="json",
        help="how the data was serialized (default: json; the demo uses tagged)",
    )
    inspect.add_argument(
        "--max-age",
        type=_optional_seconds,
        default=1209600,
        metavar="SECONDS",
        help="reject cookies issued longer ago than this; 'none' for no limit"
        " (default: 1209600, 14 days)",
    )
    inspect.add_argument(
        "--absolute-max-age",
        type=_optional_seconds,
        default=None,
        metavar="SECONDS",
        help="reject sessions created longer ago than this (default: none)",
    )
    inspect.add_argument(
        "--clock-skew",
        type=_non_negative,
        default=60,
        metavar="SECONDS",
        help="accept issue times this far in the future (default: 60)",
    )
    inspect.add_argument(
        "--json", action="store_true", help="print everything as one JSON object"
    )
    inspect.set_defaults(func=_cmd_inspect)

    inspect.add_argument(
        "--user-key",
        metavar="KEY",
        default=None,
        help=f"the session key naming the user, for ${ENV_REVOCATIONS}'s"
        " per-user revocations (default: none)",
    )

    revoke = commands.add_parser(
        "revoke",
        allow_abbrev=False,
        help="revoke a session by id, or every session of a user",
        description=(
            "Revoke one session (its id, as 'inspect' shows it) or every"
            " session of a user created before now (--user; --before for"
            " another moment). The store comes from the"
            f" {ENV_REVOCATIONS} environment variable (sqlite:///path,"
            " redis://host:port/db). Exit status: 0 stored, 1 the store did"
            " not answer (nothing revoked), 2 bad usage."
        ),
    )
    revoke.add_argument("session_id", metavar="SESSION_ID", nargs="?")
    revoke.add_argument("--user", metavar="USER", help="revoke this user's sessions")
    revoke.add_argument(
        "--before",
        type=float,
        default=None,
        metavar="UNIX_SECONDS",
        help="with --user: sessions created before this moment (default: now)",
    )
    revoke.add_argument(
        "--ttl",
        type=_non_negative,
        default=None,
        metavar="SECONDS",
        help="how long the entry lives: your longest cookie lifetime"
        " (default: the store's ttl, 1209600)",
    )
    revoke.add_argument(
        "--wait",
        type=float,
        default=5.0,
        metavar="SECONDS",
        help="how long to retry when the store does not answer (default: 5)",
    )
    revoke.set_defaults(func=_cmd_revoke)

    demo = commands.add_parser(
        "demo",
        allow_abbrev=False,
        help="serve the demo: WSGI, Flask, Pyramid and Starlette sharing one session",
        description=(
            "Serve the demo with uvicorn: a plain WSGI app, a Flask app, a"
            " Pyramid app (through a WSGI-to-ASGI bridge) and a Starlette app"
            " that share one signed session. The secret key comes"
            f" from {ENV_SECRET_KEY}; without it a random one is made for this"
            " run. Needs the demo extra: pip install 'signedsession[demo]'."
        ),
    )
    demo.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)"
    )
    demo.add_argument(
        "--port", type=_port, default=8000, help="port to listen on (default: 8000)"
    )
    demo.set_defaults(func=_cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status.

    .. versionadded:: 0.1
    """
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        # argparse would echo them: "--secret-key S" must not print S.
        parser.error(_unrecognized(unknown))
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return int(args.func(args))
    except UsageError as exc:
        print(f"signedsession {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130
