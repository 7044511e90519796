#!/usr/bin/env bash
# Runs the Django engine's tests under Django 4.2 LTS, in a virtualenv of their
# own ($VENV_DJANGO42, default .venv-django42): the main venv has Django 5.x,
# so `make test` proves both majors. Fails (never skips) when it cannot run.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
VENV=${VENV_DJANGO42:-.venv-django42}
DJANGO="django==4.2.30"   # its sdist's sha256 is in tests/compat/django_upstream.py

if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --upgrade pip setuptools wheel
fi
stamp="$VENV/.installed"
if [ ! -f "$stamp" ] || [ setup.cfg -nt "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  # The test extra without its Django pin (5.x), then Django 4.2.
  "$VENV/bin/python" - > "$VENV/requirements.txt" <<'PY'
import configparser
config = configparser.ConfigParser()
config.read("setup.cfg")
for line in config["options.extras_require"]["test"].splitlines():
    line = line.strip()
    if line and not line.startswith("#") and not line.lower().startswith("django"):
        print(line)
PY
  "$VENV/bin/python" -m pip install --quiet -e . -r "$VENV/requirements.txt" "$DJANGO"
  touch "$stamp"
fi
"$VENV/bin/python" -c 'import django, sys; sys.exit(django.VERSION[:2] != (4, 2))'
exec "$VENV/bin/python" -m pytest -q -p no:cacheprovider \
  tests/compat/test_django_upstream.py \
  tests/adapters/test_django.py \
  tests/readers/test_django_reader.py \
  "$@"
