#!/usr/bin/env bash
# Builds the wheel and checks that adapters/ is installed as signedsession.adapters.
set -euo pipefail
python=${1:-python3}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$python" -m pip wheel --quiet --no-deps --no-build-isolation -w "$out" . >/dev/null
wheel=$(ls "$out"/signedsession-*.whl)
"$python" - "$wheel" <<'PY'
import sys, zipfile
names = set(zipfile.ZipFile(sys.argv[1]).namelist())
required = {
    "signedsession/__init__.py",
    "signedsession/py.typed",
    "signedsession/adapters/__init__.py",
    "signedsession/adapters/flask.py",
    "signedsession/adapters/pyramid.py",
    "signedsession/readers/__init__.py",
    "signedsession/readers/flask.py",
    "signedsession/readers/pyramid.py",
    "signedsession/demo/__init__.py",
    "signedsession/demo/app.py",
    "signedsession/demo/pages.py",
}
missing = required - names
stray = sorted(n for n in names if n.startswith("adapters/"))
if missing or stray:
    sys.exit(f"wheel check failed: missing {sorted(missing)}, stray {stray}")
print(f"wheel check passed: {len(names)} files, adapters under signedsession/")
PY
