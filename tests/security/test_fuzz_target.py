"""The atheris fuzz target still runs: its seeds replay through it.

atheris itself is not a test dependency (it needs clang to build); a stub
stands in for it, in a subprocess, since the target patches the clock and
silences the security log for its whole process.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

FUZZ = Path(__file__).resolve().parents[2] / "fuzz"

STUB = """
import contextlib

def instrument_imports():
    return contextlib.nullcontext()

def Setup(argv, test_one_input):
    pass

def Fuzz():
    pass
"""

REPLAY = """
import pathlib, sys
import fuzz_decode

inputs = [p.read_bytes() for p in sorted(pathlib.Path(sys.argv[1]).iterdir())]
# One input of each mode as well: header, signed, signed and deflated,
# encrypted, encrypted and deflated, a whole encrypted plaintext, and the
# compact format's four (signed, packed, encrypted, encrypted and packed).
inputs += [bytes([0]) + b"session=abc; a=1", bytes([1]) + b"{}", bytes([2]) + b"[1]"]
inputs += [bytes([3]) + b"{}", bytes([4]) + b"[1]", bytes([5]) + b"\\x00" * 20]
inputs += [bytes([6]) + b"{}", bytes([7]) + b"[1]", bytes([8]) + b"{}"]
inputs += [bytes([9]) + b'{"a":1}']
for data in inputs:
    fuzz_decode.test_one_input(data)
print(len(inputs))
"""


def test_the_fuzz_target_replays_its_seeds(tmp_path: Path) -> None:
    (tmp_path / "atheris.py").write_text(STUB)
    seeds = FUZZ / "seeds"
    result = subprocess.run(
        [sys.executable, "-c", REPLAY, str(seeds)],
        env={"PYTHONPATH": f"{tmp_path}:{FUZZ}", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(len(list(seeds.iterdir())) + 10)
