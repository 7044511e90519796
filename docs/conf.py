"""Sphinx configuration for signedsession's documentation."""

from importlib.metadata import version as _version

project = "signedsession"
author = "The signedsession developers"
copyright = "2026, The signedsession developers"
release = _version("signedsession")
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.intersphinx",
    "sphinx.ext.viewcode",
]
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_typehints_format = "short"
nitpicky = False
intersphinx_mapping = {}
html_theme = "furo"
html_title = "signedsession"
exclude_patterns = ["_build"]
