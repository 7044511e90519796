"""Adapters that plug signedsession's store into web frameworks.

Installed as ``signedsession.adapters``; each module imports its framework,
so import only the one you use.
"""
