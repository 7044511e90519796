"""Signed-cookie sessions for any WSGI application.

The layers, top down (nothing imports upward; docs/architecture.rst):

- front doors: :class:`SessionMiddleware` (WSGI) and the framework adapters
  in :mod:`signedsession.adapters`, over
- :class:`SessionStore`, Django's session API, which decides what each
  response does with the cookie, over
- the codec (``_codec``), which signs and verifies the cookie value, and
  the readers of other libraries' cookies (:mod:`signedsession.readers`), over
- :class:`SessionSettings`, every option validated once, and the
  serializers.

Modules whose names start with an underscore are internal.
"""

from __future__ import annotations

import os
import sys

from ._codec import key_usage
from .exceptions import InsecureSecretWarning, SessionTooLarge
from .middleware import SessionMiddleware
from .serializers import JSONSerializer, TaggedJSONSerializer
from .settings import SessionSettings
from .store import SessionStore

__all__ = [
    "InsecureSecretWarning",
    "JSONSerializer",
    "SessionMiddleware",
    "SessionSettings",
    "SessionStore",
    "SessionTooLarge",
    "TaggedJSONSerializer",
    "key_usage",
]

__version__ = "0.1.0.dev0"


def _source_tree_adapters() -> None:
    """Map ``signedsession.adapters`` to ``adapters/`` when run from a checkout.

    Installed, the adapters are ``signedsession/adapters/``. In a source
    checkout they are the top-level ``adapters/`` folder, and ``python -m
    pytest`` or ``python -m sphinx`` run from its root import this package
    from the checkout (the current directory comes first on ``sys.path``),
    even after a non-editable ``pip install .``: without this mapping,
    ``signedsession.adapters`` would not exist there.
    """
    here = os.path.dirname(os.path.abspath(__file__))
    if os.path.isdir(os.path.join(here, "adapters")):
        return  # installed: the adapters are where they belong
    folder = os.path.join(os.path.dirname(here), "adapters")
    init = os.path.join(folder, "__init__.py")
    if f"{__name__}.adapters" in sys.modules or not os.path.isfile(init):
        return
    from importlib.util import module_from_spec, spec_from_file_location

    spec = spec_from_file_location(
        f"{__name__}.adapters", init, submodule_search_locations=[folder]
    )
    assert spec is not None and spec.loader is not None
    module = module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    globals()["adapters"] = module


_source_tree_adapters()
