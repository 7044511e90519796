"""Django's expiry methods (signedsession._expiry) on the core store.

The tests are :class:`store_contract.ExpiryContract`, which the Pyramid
session runs too (``tests/adapters/test_pyramid.py``).
"""

from __future__ import annotations

from typing import Any

import pytest
from store_contract import ExpiryContract, MakeStore, make_core_store


class TestSessionStoreExpiry(ExpiryContract):
    """The core store runs the expiry contract."""

    @pytest.fixture
    def make_store(self, clock: Any) -> MakeStore:
        return make_core_store
