"""Serializers: session data to JSON text and back. Never pickle."""

from __future__ import annotations

import json
import json.encoder
import json.scanner
import math
from base64 import b64decode, b64encode
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Callable
from uuid import UUID

from werkzeug.http import http_date, parse_date

__all__ = ["JSONSerializer", "TaggedJSONSerializer"]


def _reject_constant(name: str) -> Any:
    raise ValueError(f"non-finite number {name} is not allowed")


def _finite_float(text: str) -> float:
    # 1e400 parses as inf, which no encoder here can write back.
    value = float(text)
    if math.isinf(value):
        raise ValueError("non-finite number is not allowed")
    return value


def _finite_decimal(value: Any) -> Decimal:
    number = Decimal(value)
    if not number.is_finite():
        raise ValueError("non-finite Decimal is not allowed")
    return number


def _json_reader(decoder: json.JSONDecoder) -> Callable[[str], Any]:
    """``decoder.decode``, without its whitespace handling when there is none.

    Our own values never carry whitespace around the JSON; anything else
    (leading or trailing whitespace, extra data, nothing at all) goes
    through ``decode`` itself, with its errors.
    """
    scan = json.scanner.make_scanner(decoder)  # type: ignore[arg-type]
    decode = decoder.decode

    def read(text: str) -> Any:
        try:
            value, end = scan(text, 0)
        except StopIteration:
            return decode(text)
        return value if end == len(text) else decode(text)

    return read


def _json_writer(encoder: json.JSONEncoder) -> Callable[[Any], str]:
    """``encoder.encode``, without its per-call setup for a dict.

    ``encode`` builds a C encoder for every call; for a dict, this builds
    the same one, with the same options and its own circular-reference
    table, without the Python layers around it.
    """
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None or encoder.indent is not None:
        return encoder.encode
    quote = (
        json.encoder.encode_basestring_ascii
        if encoder.ensure_ascii
        else json.encoder.encode_basestring
    )
    options = (
        encoder.default,
        quote,
        None,
        encoder.key_separator,
        encoder.item_separator,
        encoder.sort_keys,
        encoder.skipkeys,
        encoder.allow_nan,
    )
    check_circular = encoder.check_circular
    encode = encoder.encode
    join = "".join

    def write(obj: Any) -> str:
        if type(obj) is not dict:
            return encode(obj)
        markers: dict[int, Any] | None = {} if check_circular else None
        return join(make(markers, *options)(obj, 0))

    return write


class JSONSerializer:
    """Compact JSON: dicts, lists, str, int, finite float, bool and None.

    Tuples come back as lists, as with Django's ``JSONSerializer``. ``NaN``
    and ``Infinity`` are refused both ways, since they are not JSON.

    .. versionadded:: 0.1
    """

    def __init__(self) -> None:
        self._encode = _json_writer(
            json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False)
        )
        self._decode = _json_reader(
            json.JSONDecoder(parse_float=_finite_float, parse_constant=_reject_constant)
        )

    def dumps(self, obj: Any) -> str:
        """Serialize ``obj`` to compact JSON text."""
        return self._encode(obj)

    def loads(self, data: str | bytes) -> Any:
        """Deserialize JSON ``data`` (what :meth:`dumps` returns, or its bytes).

        :raises ValueError: ``data`` is not JSON.
        """
        return self._decode(data if isinstance(data, str) else data.decode("utf-8"))

    def __repr__(self) -> str:
        return "JSONSerializer()"


_Tagger = Callable[[Any], Any]

# Flask's tags, so that data tagged by either reads the same in both.
_FLASK_TAGS = (" di", " t", " b", " m", " u", " d")
# Types Flask's tags cannot carry exactly get tags of their own.
_OWN_TAGS = (" dt", " da", " dc")


def _markup(value: str) -> Any:
    try:
        from markupsafe import Markup
    except ImportError:  # pragma: no cover - markupsafe ships with werkzeug
        return value
    return Markup(value)


def _to_datetime(value: str) -> datetime:
    parsed = parse_date(value)
    if parsed is None:
        raise ValueError("invalid tagged datetime")
    return parsed


def _to_iso_datetime(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    cut = max(value.rfind("+"), value.rfind("-"))
    if cut > 10 and "." in value[cut:]:
        # Python 3.11 drops the microseconds of a UTC offset ("+00:00:00.000001").
        hours, minutes, seconds = value[cut + 1 :].split(":")
        whole, _, fraction = seconds.partition(".")
        offset = timedelta(
            hours=int(hours),
            minutes=int(minutes),
            seconds=int(whole),
            microseconds=int(fraction.ljust(6, "0")[:6]),
        )
        zone = timezone(-offset if value[cut] == "-" else offset)
        moment = moment.replace(tzinfo=zone)
    return moment


# The types JSON writes as they are: a tagged serializer leaves them alone
# (exactly these types: a str subclass such as Markup is tagged).
_PLAIN = frozenset((str, int, bool, float, type(None)))


class TaggedJSONSerializer:
    """JSON with tags for tuple, bytes, Markup, UUID, datetime, date, Decimal.

    Every value round-trips exactly. Tags are Flask's (``" t"``, ``" b"``,
    ``" m"``, ``" u"``, ``" d"``, ``" di"``), so Flask's serializer and this
    one read each other's data. Flask's ``" d"`` keeps whole seconds in UTC
    only, so it is written for aware UTC datetimes without microseconds;
    other datetimes use ``" dt"`` (ISO 8601), dates ``" da"`` and decimals
    ``" dc"``, which Flask does not know.

    .. versionadded:: 0.1
    """

    TAGS = frozenset(_FLASK_TAGS + _OWN_TAGS)

    def __init__(self) -> None:
        self._encode = _json_writer(
            json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False)
        )
        untaggers: dict[str, _Tagger] = {
            " t": tuple,
            " b": b64decode,
            " m": _markup,
            " u": UUID,
            " d": _to_datetime,
            " dt": _to_iso_datetime,
            " da": date.fromisoformat,
            " dc": _finite_decimal,
        }
        self._untaggers = untaggers
        self._decode = _json_reader(
            json.JSONDecoder(
                object_hook=self._untag,
                parse_float=_finite_float,
                parse_constant=_reject_constant,
            )
        )

    def dumps(self, obj: Any) -> str:
        """Tag ``obj`` and serialize it to compact JSON text."""
        try:
            tagged = self._tag(obj)
        except RecursionError:
            # What json reports as "Circular reference detected".
            raise ValueError("circular reference or nesting too deep") from None
        return self._encode(tagged)

    def loads(self, data: str | bytes) -> Any:
        """Deserialize JSON ``data`` (what :meth:`dumps` returns, or its bytes).

        :raises ValueError: ``data`` is not JSON or holds a malformed tag.
        """
        try:
            return self._decode(data if isinstance(data, str) else data.decode("utf-8"))
        except (TypeError, AttributeError, ArithmeticError) as exc:
            # A signed but malformed tag, such as {" t": 5} or {" u": 5}.
            raise ValueError("invalid tagged value") from exc

    def _tag(self, value: Any) -> Any:
        kind = type(value)
        if kind in _PLAIN:
            return value
        tag = self._tag
        # Most values are plain: they are kept without a call each.
        if isinstance(value, dict):
            if len(value) == 1:
                ((key, item),) = value.items()
                if key in self.TAGS:
                    return {" di": {f"{key}__": tag(item)}}
            return {
                key: item if type(item) in _PLAIN else tag(item)
                for key, item in value.items()
            }
        if isinstance(value, tuple):
            return {
                " t": [item if type(item) in _PLAIN else tag(item) for item in value]
            }
        if isinstance(value, list):
            return [item if type(item) in _PLAIN else tag(item) for item in value]
        if isinstance(value, bytes):
            return {" b": b64encode(value).decode("ascii")}
        if callable(getattr(value, "__html__", None)):
            return {" m": str(value.__html__())}
        if isinstance(value, UUID):
            return {" u": value.hex}
        if isinstance(value, datetime):
            if value.tzinfo is timezone.utc and not value.microsecond:
                return {" d": http_date(value)}
            return {" dt": value.isoformat()}
        if isinstance(value, date):
            return {" da": value.isoformat()}
        if isinstance(value, Decimal):
            if not value.is_finite():
                raise ValueError(f"non-finite Decimal {value} is not allowed")
            return {" dc": str(value)}
        return value  # the encoder raises TypeError for what JSON cannot hold

    def _untag(self, obj: dict[str, Any]) -> Any:
        if len(obj) != 1:
            return obj
        ((key, value),) = obj.items()
        if key == " di":
            if not isinstance(value, dict) or len(value) != 1:
                raise ValueError("invalid tagged dict")
            ((inner, item),) = value.items()
            return {inner[:-2]: item}
        untag = self._untaggers.get(key)
        return obj if untag is None else untag(value)

    def __repr__(self) -> str:
        return "TaggedJSONSerializer()"
