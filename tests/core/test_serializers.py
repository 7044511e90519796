"""JSONSerializer and TaggedJSONSerializer: exact round trips, Flask's tags."""

from __future__ import annotations

import json
import math
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Callable
from uuid import UUID

import pytest
from flask.json.tag import TaggedJSONSerializer as FlaskTaggedJSONSerializer
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from signedsession import (
    JSONSerializer,
    SessionSettings,
    SessionStore,
    TaggedJSONSerializer,
)
from signedsession.settings import Serializer

MakeSettings = Callable[..., SessionSettings]

PROPERTY = settings(max_examples=150, deadline=None)


def assert_identical(actual: Any, expected: Any) -> None:
    """Equal, of the same type all the way down, datetimes with the same offset."""
    assert type(actual) is type(expected), (actual, expected)
    if isinstance(expected, dict):
        assert list(actual) == list(expected)
        for key in expected:
            assert_identical(actual[key], expected[key])
    elif isinstance(expected, (list, tuple)):
        assert len(actual) == len(expected)
        for a, e in zip(actual, expected):
            assert_identical(a, e)
    elif isinstance(expected, datetime):
        assert actual == expected
        assert actual.utcoffset() == expected.utcoffset()
    elif isinstance(expected, Decimal):
        assert actual.as_tuple() == expected.as_tuple()
    elif isinstance(expected, float) and math.copysign(1, expected) < 0:
        assert actual == expected and math.copysign(1, actual) < 0
    else:
        assert actual == expected


def round_trip(serializer: Serializer, value: Any) -> Any:
    text = serializer.dumps(value)
    raw = text.encode("utf-8") if isinstance(text, str) else text
    return serializer.loads(raw)


# -- JSONSerializer -----------------------------------------------------------


def test_json_is_compact_and_keeps_non_ascii() -> None:
    assert JSONSerializer().dumps({"a": [1, 2], "b": "é"}) == '{"a":[1,2],"b":"é"}'


def test_json_loads_bytes() -> None:
    assert JSONSerializer().loads(b'{"a":[1,2.5,null,true]}') == {
        "a": [1, 2.5, None, True]
    }


def test_json_turns_tuples_into_lists_as_django_does() -> None:
    assert round_trip(JSONSerializer(), {"t": (1, 2)}) == {"t": [1, 2]}


@pytest.mark.parametrize(
    "value", [math.nan, math.inf, -math.inf], ids=["nan", "inf", "-inf"]
)
@pytest.mark.parametrize(
    "serializer", [JSONSerializer(), TaggedJSONSerializer()], ids=["json", "tagged"]
)
def test_non_finite_float_is_refused_on_dumps(
    serializer: Serializer, value: float
) -> None:
    with pytest.raises(ValueError, match="Out of range float values"):
        serializer.dumps({"x": value})


@pytest.mark.parametrize(
    "text",
    [b'{"x":NaN}', b'{"x":Infinity}', b'{"x":-Infinity}'],
    ids=["nan", "inf", "-inf"],
)
@pytest.mark.parametrize(
    "serializer", [JSONSerializer(), TaggedJSONSerializer()], ids=["json", "tagged"]
)
def test_non_finite_float_is_refused_on_loads(
    serializer: Serializer, text: bytes
) -> None:
    with pytest.raises(ValueError, match=r"^non-finite number"):
        serializer.loads(text)


@pytest.mark.parametrize(
    "raw",
    [b"{", b"\xff\xfe", b"", b'{"a":1}x'],
    ids=["truncated", "not-utf8", "empty", "trailing"],
)
@pytest.mark.parametrize(
    "serializer", [JSONSerializer(), TaggedJSONSerializer()], ids=["json", "tagged"]
)
def test_malformed_input_is_a_value_error(serializer: Serializer, raw: bytes) -> None:
    with pytest.raises(ValueError):
        serializer.loads(raw)


@pytest.mark.parametrize(
    "value", [object(), {1, 2}, b"bytes", Decimal("1.5")], ids=repr
)
def test_json_refuses_what_it_cannot_represent(value: Any) -> None:
    with pytest.raises(TypeError):
        JSONSerializer().dumps({"x": value})


def test_serializers_have_plain_reprs() -> None:
    assert repr(JSONSerializer()) == "JSONSerializer()"
    assert repr(TaggedJSONSerializer()) == "TaggedJSONSerializer()"


# -- TaggedJSONSerializer -------------------------------------------------------

UTC_PLUS_0530 = timezone(timedelta(hours=5, minutes=30))
UTC_MINUS_0345 = timezone(-timedelta(hours=3, minutes=45))

TAGGED_VALUES = {
    "tuple": (1, "a", None),
    "empty-tuple": (),
    "nested-tuple": ((1, 2), [3, (4,)]),
    "bytes": b"\x00\xff binary",
    "empty-bytes": b"",
    "aware-utc": datetime(2024, 2, 29, 12, 30, 15, tzinfo=timezone.utc),
    "aware-utc-micro": datetime(2024, 2, 29, 12, 30, 15, 123456, tzinfo=timezone.utc),
    "aware-plus-0530": datetime(2024, 2, 29, 12, 30, 15, 7, tzinfo=UTC_PLUS_0530),
    "aware-minus-0345": datetime(1999, 12, 31, 23, 59, 59, tzinfo=UTC_MINUS_0345),
    # Python 3.11's fromisoformat drops an offset's microseconds; we do not.
    "aware-offset-micro": datetime(
        2000, 1, 1, tzinfo=timezone(timedelta(microseconds=1))
    ),
    "aware-offset-minus-micro": datetime(
        2000, 1, 1, 1, 2, 3, 4, tzinfo=timezone(-timedelta(hours=5, microseconds=250))
    ),
    "naive": datetime(2024, 2, 29, 12, 30, 15),
    "naive-micro": datetime(2024, 2, 29, 12, 30, 15, 999999),
    "date": date(2024, 2, 29),
    "uuid": UUID("12345678-1234-5678-1234-567812345678"),
    "decimal": Decimal("3.14159265358979323846264338327950288"),
    "decimal-exponent": Decimal("1.500"),
    "decimal-negative": Decimal("-1E+10"),
    "markup": Markup("<b>bold</b> &amp;"),
    "nested": {"a": [(1, b"x"), {"d": date(2020, 1, 1)}], "u": [UUID(int=1)]},
    "tag-like-t": {" t": 1},
    "tag-like-di": {" di": {"x": 1}},
    "tag-like-di-tag": {" di": {" t": [1]}},
    "tag-like-own": {" dt": "2020-01-01T00:00:00"},
    "tag-like-b": {" b": "not base64 !"},
    "tag-like-nested": {"outer": {" u": "not a uuid"}},
    "two-keys-with-tag": {" t": 1, "x": 2},
    "escaped-key": {" t__": 1},
    "plain": {"s": "é", "i": -5, "f": 0.1, "b": False, "n": None, "l": []},
}


@pytest.mark.parametrize("value", TAGGED_VALUES.values(), ids=TAGGED_VALUES.keys())
def test_tagged_round_trips_exactly(value: Any) -> None:
    assert_identical(round_trip(TaggedJSONSerializer(), {"v": value}), {"v": value})


def test_tagged_top_level_tag_like_dict_round_trips() -> None:
    serializer = TaggedJSONSerializer()
    assert_identical(round_trip(serializer, {" t": [1, 2]}), {" t": [1, 2]})
    assert_identical(round_trip(serializer, {" di": 5}), {" di": 5})


def test_tagged_uses_flasks_tags() -> None:
    serializer = TaggedJSONSerializer()
    text = serializer.dumps(
        {
            "t": (1,),
            "b": b"x",
            "m": Markup("<i>"),
            "u": UUID(int=1),
            "d": datetime(2020, 1, 2, 3, 4, 5, tzinfo=timezone.utc),
            "di": {" t": 1},
        }
    )
    assert json.loads(text) == {
        "t": {" t": [1]},
        "b": {" b": "eA=="},
        "m": {" m": "<i>"},
        "u": {" u": "00000000000000000000000000000001"},
        "d": {" d": "Thu, 02 Jan 2020 03:04:05 GMT"},
        "di": {" di": {" t__": 1}},
    }


@pytest.mark.parametrize(
    "raw",
    [
        b'{" t":5}',
        b'{" u":5}',
        b'{" u":"nope"}',
        b'{" d":5}',
        b'{" d":"yesterday"}',
        b'{" dt":"no"}',
        b'{" da":[]}',
        b'{" dc":[]}',
        b'{" dc":"abc"}',
        b'{" b":5}',
        b'{" b":"abc"}',
        b'{" di":5}',
        b'{" di":{"a":1,"b":2}}',
    ],
    ids=lambda raw: raw.decode(),
)
def test_tagged_malformed_tag_is_a_value_error(raw: bytes) -> None:
    with pytest.raises(ValueError):
        TaggedJSONSerializer().loads(raw)


def test_tagged_refuses_non_finite_decimal() -> None:
    with pytest.raises(ValueError, match="non-finite Decimal"):
        TaggedJSONSerializer().dumps({"x": Decimal("NaN")})


def test_tagged_refuses_what_json_cannot_hold() -> None:
    with pytest.raises(TypeError):
        TaggedJSONSerializer().dumps({"x": {1, 2}})


# -- interoperability with Flask ------------------------------------------------

FLASK_VALUES = {
    "tuple": (1, "a", (2, None)),
    "bytes": b"\x00\xffbin",
    "markup": Markup("<b>x</b>"),
    "uuid": UUID("12345678-1234-5678-1234-567812345678"),
    "datetime-utc": datetime(2024, 2, 29, 12, 30, 15, tzinfo=timezone.utc),
    "nested": {"a": [(1, b"x")], "b": {"c": UUID(int=7)}},
    "tag-like-t": {" t": 1},
    "tag-like-di": {" di": {" b": "x"}},
    "tag-like-own-tag": {" dc": "1.5"},
    "plain": {"s": "é", "i": 1, "f": 1.5, "n": None, "l": [True]},
}


@pytest.mark.parametrize("value", FLASK_VALUES.values(), ids=FLASK_VALUES.keys())
def test_flask_reads_what_tagged_writes(value: Any) -> None:
    text = TaggedJSONSerializer().dumps({"v": value})
    assert_identical(FlaskTaggedJSONSerializer().loads(text), {"v": value})


@pytest.mark.parametrize(
    "value",
    [v for k, v in FLASK_VALUES.items() if k != "tag-like-own-tag"],
    ids=[k for k in FLASK_VALUES if k != "tag-like-own-tag"],
)
def test_tagged_reads_what_flask_writes(value: Any) -> None:
    text = FlaskTaggedJSONSerializer().dumps({"v": value})
    assert_identical(TaggedJSONSerializer().loads(text.encode()), {"v": value})


def test_tagged_reads_flasks_naive_datetime_as_utc() -> None:
    text = FlaskTaggedJSONSerializer().dumps({"v": datetime(2024, 1, 1, 8, 0, 0)})
    assert_identical(
        TaggedJSONSerializer().loads(text.encode()),
        {"v": datetime(2024, 1, 1, 8, 0, 0, tzinfo=timezone.utc)},
    )


# -- properties -------------------------------------------------------------------

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)

TAG_KEYS = st.sampled_from([" t", " b", " m", " u", " d", " di", " dt", " da", " dc"])
offsets = st.timedeltas(
    min_value=-timedelta(hours=23, minutes=59),
    max_value=timedelta(hours=23, minutes=59),
).map(timezone)
tagged_scalars = (
    json_scalars
    | st.binary(max_size=16)
    | st.datetimes()
    | st.datetimes(timezones=offsets)
    | st.datetimes(timezones=st.just(timezone.utc))
    | st.dates()
    | st.uuids()
    | st.decimals(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8).map(Markup)
)
tagged_values = st.recursive(
    tagged_scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.lists(children, max_size=4).map(tuple)
        | st.dictionaries(st.text(max_size=8) | TAG_KEYS, children, max_size=4)
    ),
    max_leaves=20,
)


@PROPERTY
@given(st.dictionaries(st.text(max_size=8), json_values, max_size=6))
def test_json_round_trips_any_json_dict(value: dict[str, Any]) -> None:
    assert_identical(round_trip(JSONSerializer(), value), value)


@PROPERTY
@given(st.dictionaries(st.text(max_size=8) | TAG_KEYS, tagged_values, max_size=6))
def test_tagged_round_trips_any_supported_dict(value: dict[str, Any]) -> None:
    assert_identical(round_trip(TaggedJSONSerializer(), value), value)


# -- at save() ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("serializer", "value", "type_name"),
    [
        (JSONSerializer(), object(), "object"),
        (JSONSerializer(), math.nan, "float"),
        (JSONSerializer(), b"bytes", "bytes"),
        (TaggedJSONSerializer(), {1, 2}, "set"),
        (TaggedJSONSerializer(), Decimal("Infinity"), "Decimal"),
        (JSONSerializer(), "lone \ud800 surrogate", "str"),
        (TaggedJSONSerializer(), ("lone \udfff surrogate",), "tuple"),
    ],
    ids=[
        "json-object",
        "json-nan",
        "json-bytes",
        "tagged-set",
        "tagged-decimal-inf",
        "json-lone-surrogate",
        "tagged-lone-surrogate",
    ],
)
def test_unserializable_value_fails_at_save_naming_the_key(
    make_settings: MakeSettings, serializer: Serializer, value: Any, type_name: str
) -> None:
    store = SessionStore(settings=make_settings(serializer=serializer))
    store["fine"] = 1
    store["culprit"] = value
    with pytest.raises(TypeError) as info:
        store.save()
    assert str(info.value) == (
        f"session value for key 'culprit' of type {type_name} cannot be"
        f" serialized by {type(serializer).__name__}"
    )
    assert store.session_key is None


def circular_dict() -> dict[str, Any]:
    loop: dict[str, Any] = {}
    loop["self"] = loop
    return loop


def circular_list() -> list[Any]:
    loop: list[Any] = []
    loop.append(loop)
    return loop


@pytest.mark.parametrize(
    "serializer", [JSONSerializer(), TaggedJSONSerializer()], ids=["json", "tagged"]
)
@pytest.mark.parametrize(
    "make_loop", [circular_dict, circular_list], ids=["dict", "list"]
)
def test_circular_value_fails_at_save_naming_the_key(
    make_settings: MakeSettings,
    serializer: Serializer,
    make_loop: Callable[[], Any],
) -> None:
    store = SessionStore(settings=make_settings(serializer=serializer))
    store["fine"] = 1
    store["loop"] = make_loop()
    with pytest.raises(TypeError) as info:
        store.save()
    assert str(info.value) == (
        f"session value for key 'loop' of type {type(make_loop()).__name__} cannot"
        f" be serialized by {type(serializer).__name__}"
    )


@pytest.mark.parametrize(
    "serializer", [JSONSerializer(), TaggedJSONSerializer()], ids=["json", "tagged"]
)
@pytest.mark.parametrize(
    "text",
    [b'{"a":[1,2]}', b' {"a":1}', b'{"a":1}\n', b"\t[1]\t", b'"x"'],
    ids=["compact", "leading-space", "trailing-newline", "tabs", "string"],
)
def test_loads_reads_what_json_loads_reads(serializer: Serializer, text: bytes) -> None:
    assert serializer.loads(text) == json.loads(text)


@pytest.mark.parametrize(
    "serializer", [JSONSerializer(), TaggedJSONSerializer()], ids=["json", "tagged"]
)
@pytest.mark.parametrize(
    "text",
    [b'{"a":1}x', b'{"a":1} {"b":2}', b"", b"   ", b'{"a":', b"x"],
    ids=["extra-data", "two-values", "empty", "blank", "truncated", "garbage"],
)
def test_loads_refuses_what_json_loads_refuses(
    serializer: Serializer, text: bytes
) -> None:
    with pytest.raises(ValueError):
        json.loads(text)
    with pytest.raises(ValueError):
        serializer.loads(text)


@PROPERTY
@given(
    st.dictionaries(st.text(max_size=8), json_values, max_size=6)
    | st.lists(json_values, max_size=4)
    | json_values
)
def test_dumps_writes_what_json_dumps_writes(value: Any) -> None:
    expected = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    assert JSONSerializer().dumps(value) == expected


@pytest.mark.parametrize("ensure_ascii", [False, True])
def test_dumps_honours_the_encoders_options(ensure_ascii: bool) -> None:
    from signedsession.serializers import _json_writer

    value = {"b": ["é", 1.5, None], "a": {"x": True}}
    encoder = json.JSONEncoder(sort_keys=True, ensure_ascii=ensure_ascii)
    assert _json_writer(encoder)(value) == encoder.encode(value)


@pytest.mark.parametrize(
    "serializer", [JSONSerializer(), TaggedJSONSerializer()], ids=["json", "tagged"]
)
def test_dumps_refuses_a_circular_dict_on_every_call(serializer: Serializer) -> None:
    data: dict[str, Any] = {"fine": 1}
    data["self"] = data
    for _ in range(2):  # nothing of the first failure is left for the second
        with pytest.raises(ValueError):
            serializer.dumps(data)
    assert serializer.dumps({"x": [1, {"y": 2}]}) == '{"x":[1,{"y":2}]}'


def test_dumps_refuses_nan_and_unknown_types_as_json_does() -> None:
    with pytest.raises(ValueError):
        JSONSerializer().dumps({"n": math.nan})
    with pytest.raises(TypeError):
        JSONSerializer().dumps({"s": {1, 2}})
