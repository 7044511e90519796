"""Pytest plugin: every Flask app gets signedsession's session interface.

Loaded with ``-p`` before the suite imports anything, it replaces the
class attribute that Flask's apps read their interface from, as a user
switching to signedsession would with one line per app.
"""

from __future__ import annotations

import flask

from signedsession.adapters.flask import SignedSessionInterface

flask.Flask.session_interface = SignedSessionInterface()
