"""Set-Cookie parsing for the tests: name, value and an attribute dict.

Shared by the test modules through pytest's ``pythonpath = ["tests"]``; the
package under test is still imported from its installation.
"""

from __future__ import annotations

from typing import Any

Attributes = dict[str, Any]
Cookie = tuple[str, str, Attributes]


def parse_set_cookie(header: str) -> Cookie:
    """Split a ``Set-Cookie`` value into name, value and attribute dict.

    A flag attribute (``HttpOnly``, ``Secure``, ``Partitioned``) maps to True.
    """
    pair, *parts = (part.strip() for part in header.split(";"))
    name, _, value = pair.partition("=")
    attributes: Attributes = {}
    for part in parts:
        key, sep, attribute = part.partition("=")
        attributes[key] = attribute if sep else True
    return name, value, attributes


def set_cookies(source: Any) -> list[Cookie]:
    """Every ``Set-Cookie`` of a header list, headers, or a response."""
    if isinstance(source, list):
        values = [value for name, value in source if name.lower() == "set-cookie"]
    else:
        headers = getattr(source, "headers", source)
        getall = getattr(headers, "getall", None) or headers.getlist
        values = getall("Set-Cookie")
    return [parse_set_cookie(value) for value in values]
