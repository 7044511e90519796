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
if [ ! -f "$stamp" ] || [ setup.cfg -nt "$stamp" ] || [ pyproject.toml -nt "$stamp" ] \
   || [ scripts/test-django42.sh -nt "$stamp" ]; then
  # The test and bench extras (the hostile table makes a Starlette cookie)
  # without their Django requirement (5.x), then Django 4.2.
  "$VENV/bin/python" - > "$VENV/requirements.txt" <<'PY'
import configparser
config = configparser.ConfigParser()
config.read("setup.cfg")
for extra in ("test", "bench"):
    for line in config["options.extras_require"][extra].splitlines():
        line = line.strip()
        if line and not line.startswith("#") and not line.lower().startswith("django"):
            print(line)
PY
  "$VENV/bin/python" -m pip install --quiet -e . -r "$VENV/requirements.txt" "$DJANGO"
  touch "$stamp"
fi
"$VENV/bin/python" -c 'import django, sys; sys.exit(django.VERSION[:2] != (4, 2))'
# Every test of the Django engine: Django's own, the test project, the
# reader, the Django door of the hostile table and the demo's Django app.
exec "$VENV/bin/python" -m pytest -q -p no:cacheprovider -k django \
  tests/compat/test_django_upstream.py \
  tests/adapters/test_django.py \
  tests/readers/test_django_reader.py \
  tests/security/test_hostile.py \
  tests/e2e/test_demo.py \
  "$@"
