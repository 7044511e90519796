"""Readers of other libraries' session cookies, for ``migrate_from``.

Each reader verifies a cookie in one framework's own format with the
application's keys and hands the store its data, so that users who hold
such a cookie stay logged in when the application switches to
signedsession; the store then re-issues it in signedsession's format.
Readers need no framework installed: they know the format, not the code.
"""
