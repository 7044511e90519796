"""The benchmark (``python -m benchmarks``): it runs, and its three steps hold.

Measuring, analysing and rendering are separate steps; these tests run the
smoke measurement once (a subprocess: it configures Django globally) and
check the steps on its results and on synthetic ones. No timing is
asserted: the smoke run measures nothing worth a number.
"""

from __future__ import annotations

import ast
import dataclasses
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # benchmarks/ is run from a clone, not installed
    sys.path.insert(0, str(ROOT))

from benchmarks import targets  # noqa: E402
from benchmarks.analysis import analyse  # noqa: E402
from benchmarks.cli import main  # noqa: E402
from benchmarks.render import render  # noqa: E402
from benchmarks.results import Results, load, save  # noqa: E402
from benchmarks.stats import DASH, TIMES, Bootstrap  # noqa: E402
from benchmarks.targets import TARGETS, Target  # noqa: E402
from benchmarks.workloads import SESSIONS, WORKLOADS, json_bytes  # noqa: E402

#: Every contender the benchmark builds when every framework is installed
#: (the test extra installs them all).
CONTENDERS = {
    "wsgi": "bare WSGI app",
    "floor": "stdlib floor",
    "signedsession": "signedsession SessionMiddleware",
    "signedsession-plain": "signedsession, compress=False",
    "signedsession-encrypted": "signedsession, encrypt=True",
    "flask": "Flask bare",
    "flask-default": "Flask default session",
    "flask-plumbing": "Flask plumbing, do-nothing session",
    "flask-signedsession": "Flask + signedsession adapter",
    "pyramid": "Pyramid bare",
    "pyramid-default": "Pyramid SignedCookieSessionFactory",
    "pyramid-plumbing": "Pyramid plumbing, do-nothing session",
    "pyramid-signedsession": "Pyramid + signedsession adapter",
    "django": "Django bare",
    "django-signed": "Django signed_cookies",
    "django-plumbing": "Django plumbing, least store",
    "django-signedsession": "Django with signedsession",
    "starlette": "Starlette bare",
    "starlette-session": "Starlette SessionMiddleware",
    "signedsession-asgi": "signedsession ASGI SessionMiddleware",
}


@dataclasses.dataclass
class Smoke:
    """One ``python -m benchmarks --smoke --save FILE`` run."""

    path: Path
    page: str
    results: Results


@pytest.fixture(scope="module")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> Smoke:
    path = tmp_path_factory.mktemp("bench") / "results.json"
    stdout = run_module("benchmarks", "--smoke", "--save", str(path), timeout=600)
    return Smoke(path, stdout, load(path))


def run_module(*argv: str, timeout: int = 300) -> str:
    """The standard output of ``python -m *argv`` from the repository root,
    which must exit 0. A subprocess: some benchmarks configure Django
    globally."""
    run = subprocess.run(
        [sys.executable, "-m", *argv],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return run.stdout


def _section(page: str, heading: str) -> str:
    """The text of one section of the rendered page, heading to next heading."""
    lines = page.splitlines()
    start = lines.index(heading)
    assert lines[start + 1] == "-" * len(heading)
    end = next(
        (
            i - 1
            for i in range(start + 2, len(lines) - 1)
            if lines[i + 1] == "-" * len(lines[i]) and lines[i]
        ),
        len(lines),
    )
    return "\n".join(lines[start:end])


def _table_rows(section: str) -> list[list[str]]:
    """The rows (header included) of the reST simple tables of a section,
    split on the column borders."""
    rows: list[list[str]] = []
    lines = section.splitlines()
    for i, line in enumerate(lines):
        if not line.startswith("="):
            continue
        spans = []
        col = 0
        for part in line.split("  "):
            if part:
                spans.append((col, col + len(part)))
                col += len(part)
            col += 2
        for row in lines[i + 1 :]:
            if row.startswith("=") or not row.strip():
                break
            rows.append([row[a:b].strip() if a < len(row) else "" for a, b in spans])
    return rows


# -- the smoke run: every workload, every contender ----------------------------


def test_smoke_run_measures_every_contender_on_every_workload(smoke: Smoke) -> None:
    results = smoke.results
    assert {c["key"]: c["title"] for c in results.contenders} == CONTENDERS
    assert [w["name"] for w in results.workloads] == [w.name for w in WORKLOADS]
    failed = {(f["contender"], f["workload"]) for f in results.failed}
    for key in CONTENDERS:
        for workload in WORKLOADS:
            timed = workload.name in results.samples.get(key, {})
            assert timed != ((key, workload.name) in failed), (key, workload.name)
    # Only what cannot hold 3 KB fails: never ours, on any workload.
    assert {w for _, w in failed} <= {"read_3k", "write_3k"}
    assert not {k for k, _ in failed} & {
        "signedsession",
        "flask-signedsession",
        "signedsession-asgi",
    }


def test_smoke_page_shows_every_workload_and_contender(smoke: Smoke) -> None:
    overhead = _section(smoke.page, "Overhead per request")
    rows = _table_rows(overhead)
    headers = [row for row in rows if row[0].startswith("µs over bare")]
    columns = [title for header in headers for title in header[1:]]
    assert columns == [w.title for w in WORKLOADS]
    measured = {row[0] for row in rows if not row[0].startswith("µs over bare")}
    session_contenders = {
        title for key, title in CONTENDERS.items() if key not in _bare_keys()
    }
    assert measured == session_contenders
    bare = {row[0] for row in _table_rows(_section(smoke.page, "Bare applications"))}
    assert {CONTENDERS[k] for k in _bare_keys()} <= bare


def test_smoke_page_shows_every_session_and_cookie_size(smoke: Smoke) -> None:
    sessions = _table_rows(_section(smoke.page, "Sessions"))
    assert sessions[1:] == [
        [s.title, str(json_bytes(s.data)), ", ".join(f"``{k}``" for k in s.data)]
        for s in SESSIONS
    ]
    sizes = _table_rows(_section(smoke.page, "Cookie size"))
    header, body = sizes[0], sizes[1:]
    writes = [w.title for w in WORKLOADS if w.expect_cookie]
    assert header[1:] == writes
    by_title = {row[0]: row[1:] for row in body}
    ours = by_title["signedsession SessionMiddleware"]
    assert all(cell.isdigit() for cell in ours)
    assert by_title["Starlette SessionMiddleware"][-1] == "fails"  # 3 KB: too large


def test_realistic_sessions_have_the_sizes_and_keys_asked_for() -> None:
    small, login, kb1, kb3 = (s.data for s in SESSIONS)
    assert json_bytes(small) < 96  # under the threshold where deflate starts
    assert 280 <= json_bytes(login) <= 340
    assert {"_user_id", "_fresh", "_id", "csrf_token", "_flashes"} <= set(login)
    assert len(login["_id"]) == 128 and int(login["_id"], 16) >= 0
    assert len(login["csrf_token"]) == 43
    assert len(login["_flashes"]) == 2
    assert len(kb1["cart"]) == 10 and 900 <= json_bytes(kb1) <= 1150
    assert 2900 <= json_bytes(kb3) <= 3250


# -- results: plain data, saved and loaded ---------------------------------------


def test_results_are_plain_json_that_round_trips(smoke: Smoke) -> None:
    text = smoke.results.to_json()
    assert Results.from_json(text) == smoke.results
    assert json.loads(text)["format"] == 1
    assert smoke.path.read_text(encoding="utf-8") == text


def test_save_then_load_gives_equal_results(smoke: Smoke, tmp_path: Path) -> None:
    path = tmp_path / "again.json"
    save(smoke.results, path)
    assert load(path) == smoke.results


def test_a_file_of_another_format_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "old.json"
    path.write_text(json.dumps({"format": 0}), encoding="utf-8")
    with pytest.raises(ValueError, match="format 1"):
        load(path)


def test_loaded_results_render_identically_twice(
    smoke: Smoke, capsys: pytest.CaptureFixture[str]
) -> None:
    pages = []
    for _ in range(2):
        assert main(["--load", str(smoke.path)]) == 0
        pages.append(capsys.readouterr().out)
    assert pages[0] == pages[1]
    # ... and as the measuring run rendered them: nothing is re-measured.
    assert pages[0] == smoke.page


def test_load_with_output_rewrites_only_the_generated_block(
    smoke: Smoke, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "performance.rst"
    page.write_text(
        "Title\n=====\n\n.. begin-benchmark-results\nold\n"
        ".. end-benchmark-results\n\nAfter.\n",
        encoding="utf-8",
    )
    assert main(["--load", str(smoke.path), "--output", str(page)]) == 0
    capsys.readouterr()
    assert page.read_text(encoding="utf-8") == (
        "Title\n=====\n\n" + smoke.page + "\nAfter.\n"
    )


# -- analysis: the targets table decides the verdicts ------------------------------


def _synthetic(
    overheads: dict[str, float], cookie_bytes: dict[str, int] | None = None
) -> Results:
    """Results of a run where each contender's read cost ``overheads[key]``
    µs over bare WSGI (1 µs), every round, and wrote ``cookie_bytes[key]``."""
    rounds = 5
    contenders = [
        {
            "key": "wsgi",
            "title": "bare",
            "framework": "wsgi",
            "role": "bare",
            "cookie_name": "session",
        },
        *(
            {
                "key": key,
                "title": key,
                "framework": "wsgi",
                "role": "ours" if key == "signedsession" else key.split("-")[0],
                "cookie_name": "session",
            }
            for key in overheads
        ),
    ]
    samples = {"wsgi": [1.0] * rounds}
    for key, overhead in overheads.items():
        samples[key] = [1.0 + overhead] * rounds
    return _read_run(contenders, samples, resamples=50, cookie_bytes=cookie_bytes)


def _read_run(
    contenders: list[dict[str, Any]],
    rounds: dict[str, list[float]],
    *,
    resamples: int,
    cookie_bytes: dict[str, int] | None = None,
) -> Results:
    """Results of a run of the read workload alone: ``rounds[key]`` is
    contender ``key``'s µs per request in each round."""
    return Results(
        command="python -m benchmarks",
        meta=[],
        run={
            "rounds": len(next(iter(rounds.values()))),
            "batch": 1,
            "resamples": resamples,
            "seed": 0,
            "smoke": True,
        },
        contenders=contenders,
        sessions=[],
        workloads=[{"name": "read", "title": "read", "group": "g", "cookie": "small"}],
        samples={key: {"read": values} for key, values in rounds.items()},
        cookie_bytes={k: {"read": v} for k, v in (cookie_bytes or {}).items()},
    )


def _floor_read_target() -> Target:
    (row,) = [
        t
        for t in TARGETS
        if t.workload == "read"
        and t.versus == "floor"
        and t.contender == "signedsession"
    ]
    return row


def test_the_analysis_reads_the_targets_table(monkeypatch: pytest.MonkeyPatch) -> None:
    results = _synthetic({"signedsession": 12.0, "floor": 10.0})  # 1.2x the floor
    row = _floor_read_target()
    assert row.bound == 1.3
    verdict = next(v for v in analyse(results).verdicts if v.target == row)
    assert verdict.verdict == "met"
    assert verdict.numbers.startswith(f"1.200{TIMES}")
    stricter = dataclasses.replace(row, bound=1.1)
    monkeypatch.setattr(targets, "TARGETS", (stricter,))
    analysis = analyse(results)
    assert [(v.target, v.verdict) for v in analysis.verdicts] == [(stricter, "NOT met")]
    table = _table_rows(_section(render(analysis), "Targets"))
    assert table[1][:6] == [
        row.name,
        "read",
        f"{TIMES} floor",
        "≤ 1.1",
        row.source,
        "NOT met",
    ]


def test_every_peer_targets_judge_time_and_cookie_bytes() -> None:
    results = _synthetic(
        {"signedsession": 10.0, "peer-a": 12.0, "peer-b": 20.0},
        {"signedsession": 300, "peer-a": 320, "peer-b": 290},
    )
    time = Target("ahead", "signedsession", "*", targets.EVERY_PEER_US, 1.0, "t")
    size = Target("shorter", "signedsession", "*", targets.EVERY_PEER_BYTES, 1.0, "t")
    by_name = {v.target.name: v for v in analyse(results, [time, size]).verdicts}
    assert by_name["ahead"].verdict == "met"
    assert by_name["ahead"].numbers == "ahead in all 2 comparisons"
    assert by_name["shorter"].verdict == "NOT met"
    assert by_name["shorter"].details == ("read vs peer-b: 300 vs 290 bytes",)
    tighter = dataclasses.replace(time, bound=0.8)  # 10 < 0.8 * 12 fails
    (verdict,) = analyse(results, [tighter]).verdicts
    assert verdict.verdict == "NOT met"
    assert verdict.details == ("read vs peer-a: 10.00 vs 12.00 µs",)


def test_an_overhead_target_and_a_missing_contender() -> None:
    results = _synthetic({"signedsession": 0.8})
    within = Target("cheap", "signedsession", "read", targets.OVERHEAD_US, 1.0, "t")
    absent = Target(
        "theirs", "flask-signedsession", "read", targets.OVERHEAD_US, 1, "t"
    )
    verdicts = analyse(results, [within, absent]).verdicts
    assert [(v.verdict, v.numbers) for v in verdicts] == [
        ("met", f"0.80 µs [0.80{DASH}0.80]"),
        ("not measured", "not in this run"),
    ]
    tighter = dataclasses.replace(within, bound=0.5)
    assert analyse(results, [tighter]).verdicts[0].verdict == "NOT met"


def test_a_failure_of_ours_makes_the_run_fail(tmp_path: Path) -> None:
    results = _synthetic({"signedsession": 1.0, "floor": 1.0})
    results.failed.append(
        {"contender": "floor", "workload": "read", "error": "x", "too_large": True}
    )
    path = tmp_path / "r.json"
    save(results, path)
    assert main(["--load", str(path)]) == 0  # the floor's cookie too large: a finding
    results.failed.append(
        {
            "contender": "signedsession",
            "workload": "read",
            "error": "x",
            "too_large": False,
        }
    )
    save(results, path)
    assert main(["--load", str(path)]) == 1


def test_targets_name_known_contenders_and_workloads() -> None:
    names = {w.name for w in WORKLOADS}
    for row in TARGETS:
        assert row.contender in CONTENDERS, row
        assert row.workload == "*" or row.workload in names, row
        other, _, workload = row.versus.partition(":")
        assert not other or other in CONTENDERS, row
        assert not workload or workload in names, row


def test_a_target_with_an_unknown_metric_is_refused() -> None:
    with pytest.raises(ValueError, match="metric must be one of"):
        Target("x", "signedsession", "read", "furlongs", 1.0, "t")
    with pytest.raises(ValueError, match="versus is for"):
        Target("x", "signedsession", "read", targets.RATIO, 1.0, "t")
    with pytest.raises(ValueError, match="versus is for"):
        Target("x", "flask-signedsession", "read", targets.GLUE_US, 2.0, "t")


# -- adapter glue: the adapter over SessionMiddleware and its framework's plumbing --


def _glue_results(rounds: dict[str, list[float]]) -> Results:
    """Results of a run of the read workload: ``rounds[key]`` is contender
    ``key``'s µs per request in each round (bare apps included)."""
    roles = {
        "wsgi": ("wsgi", "bare"),
        "signedsession": ("wsgi", "ours"),
        "flask": ("flask", "bare"),
        "flask-default": ("flask", "peer"),
        "flask-plumbing": ("flask", "plumbing"),
        "flask-signedsession": ("flask", "ours"),
    }
    contenders = [
        {
            "key": key,
            "title": f"title of {key}",
            "framework": roles[key][0],
            "role": roles[key][1],
            "cookie_name": "session",
        }
        for key in rounds
    ]
    return _read_run(contenders, rounds, resamples=200)


def _glue_target(bound: float = 2.0) -> Target:
    (row,) = [
        t
        for t in TARGETS
        if t.metric == targets.GLUE_US
        and t.contender == "flask-signedsession"
        and t.workload == "read"
    ]
    return dataclasses.replace(row, bound=bound)


def test_glue_is_the_adapter_overhead_less_the_middleware_and_the_plumbing() -> None:
    # Per round: adapter 30 over bare, middleware 10 over bare WSGI, plumbing
    # 18.5 over bare: glue 1.5; round 2's machine is slower for everything.
    results = _glue_results(
        {
            "wsgi": [1.0, 2.0, 1.0, 1.0, 1.0],
            "signedsession": [11.0, 12.0, 11.0, 11.0, 11.0],
            "flask": [40.0, 50.0, 40.0, 40.0, 40.0],
            "flask-default": [120.0, 130.0, 120.0, 120.0, 120.0],
            "flask-plumbing": [58.5, 68.5, 58.5, 58.5, 58.5],
            "flask-signedsession": [70.0, 80.0, 70.0, 70.0, 71.0],
        }
    )
    analysis = analyse(results, [_glue_target(), _glue_target(bound=1.0)])
    glue = analysis.glue("flask-signedsession", "flask-plumbing", "read")
    # The interval is the bootstrap's over the per-round glue, as for any
    # overhead: the same resamples and seed.
    per_round = Bootstrap({"g": [1.5, 1.5, 1.5, 1.5, 2.5]}, resamples=200, seed=0)
    assert glue == per_round.estimate("g")
    assert glue.value == 1.5 and glue.high > glue.low == 1.5
    met, not_met = analysis.verdicts
    assert met.verdict == "met"
    assert met.numbers == (
        f"{glue.fmt(2, ' µs')} (overheads: adapter 30.0,"
        " SessionMiddleware 10.0, plumbing 18.5 µs)"
    )
    assert not_met.verdict == "NOT met"
    # The plumbing is neither a peer nor ours.
    assert analysis.peers() == ["flask-default"]
    assert analysis.glue_pairs() == [("flask-signedsession", "flask-plumbing")]
    page = render(analysis)
    glue_rows = _table_rows(_section(page, "Adapter glue"))
    assert glue_rows == [
        ["glue µs: g", "read"],
        ["title of flask-signedsession", glue.fmt(2)],
    ]
    targets_rows = _table_rows(_section(page, "Targets"))
    assert targets_rows[1][:6] == [
        "Flask adapter glue ≤ 2 µs",
        "read",
        "µs glue over signedsession + flask-plumbing",
        "≤ 2",
        "issue 18",
        "met",
    ]
    # The plumbing has no ratio to the floor and no cookie of its own.
    for heading in ("Cookie size", "Ratio to the floor"):
        if heading in page.splitlines():
            rows = _table_rows(_section(page, heading))
            assert "title of flask-plumbing" not in {row[0] for row in rows}


def test_glue_without_the_plumbing_or_the_middleware_is_not_measured() -> None:
    full = {
        "wsgi": [1.0] * 3,
        "signedsession": [11.0] * 3,
        "flask": [40.0] * 3,
        "flask-plumbing": [42.0] * 3,
        "flask-signedsession": [70.0] * 3,
    }
    for missing in ("signedsession", "flask-plumbing"):
        rounds = {k: v for k, v in full.items() if k != missing}
        analysis = analyse(_glue_results(rounds), [_glue_target()])
        assert analysis.verdicts[0].verdict == "not measured"
        assert analysis.glue_pairs() == []
        assert "Adapter glue" not in render(analysis).splitlines()


def test_a_failing_plumbing_contender_makes_the_run_fail(tmp_path: Path) -> None:
    results = _glue_results(
        {
            "wsgi": [1.0] * 3,
            "signedsession": [11.0] * 3,
            "flask": [40.0] * 3,
            "flask-plumbing": [42.0] * 3,
        }
    )
    results.failed.append(
        {
            "contender": "flask-plumbing",
            "workload": "read",
            "error": "x",
            "too_large": False,
        }
    )
    assert analyse(results).our_failures == results.failed


@pytest.mark.parametrize("key", ["flask-plumbing", "pyramid-plumbing"])
def test_the_plumbing_sessions_do_nothing_and_set_no_cookie(key: str) -> None:
    from benchmarks.contenders import build_flask, build_pyramid

    plumbing = {c.key: c for c in [*build_flask([]), *build_pyramid([])]}[key]
    for path, body in (("/write", b"ok"), ("/read/small", b"None")):
        response = plumbing.request(path, "session=abc").once()
        assert (response.status, response.body) == ("200 OK", body)
        assert response.set_cookies() == []


def test_flask_runs_save_session_for_the_plumbing_as_for_the_adapter() -> None:
    import flask

    from benchmarks.contenders import build_flask

    apps = {c.key: c.request("/write", None).app for c in build_flask([])}  # type: ignore[attr-defined]
    for key in ("flask-plumbing", "flask-signedsession"):
        app = apps[key]
        interface = app.session_interface
        with app.test_request_context("/write"):
            session = interface.open_session(app, flask.request)
            assert not interface.is_null_session(session), key
        for name in ("modified", "accessed", "permanent", "new"):
            assert hasattr(session, name), (key, name)


def test_adapter_glue_times_every_adapter() -> None:
    stdout = run_module("benchmarks.adapter_glue", "--rounds", "2", "--batch", "3")
    header, *rows = stdout.splitlines()
    assert header.split("rounds", 1)[1].split() == [
        "adapter",
        "middleware",
        "plumbing",
        "glue",
        "[95%",
        "CI]",
        "mw",
        "in",
        "fw",
        "rest",
    ]
    labels = [row.rsplit(",", 1)[0] for row in rows]
    adapters = [
        "Flask adapter",
        "Pyramid adapter",
        "Pyramid, reissue_time=None",
        "Django engine",
    ]
    assert labels == [a for a in adapters for _ in range(3)]
    cells = [row.rsplit(",", 1)[1].split() for row in rows]
    assert [c[0] for c in cells] == ["read", "write", "untouched"] * 4
    for label, (_, *numbers) in zip(labels, cells):
        # adapter, middleware, plumbing, glue [low-high], middleware in the
        # framework and the rest (Django's engine: not timed)
        assert len(numbers) == 7, numbers
        values = [float(n) for n in numbers[:4]]
        if label == "Django engine":
            assert numbers[5:] == ["-", "-"]
        else:
            values += [float(n) for n in numbers[5:]]
        assert all(v == v for v in values)  # numbers, not NaN


def _private_uses(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
            "signedsession"
        ):
            parts = (node.module or "").split(".")
            found += [node.module or "" for p in parts if p.startswith("_")]
            found += [a.name for a in node.names if a.name.startswith("_")]
        elif isinstance(node, ast.Import):
            found += [
                a.name
                for a in node.names
                if a.name.startswith("signedsession")
                and any(p.startswith("_") for p in a.name.split("."))
            ]
        elif (
            isinstance(node, ast.Attribute)
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
            and not (isinstance(node.value, ast.Name) and node.value.id == "self")
        ):
            found.append(node.attr)
    return found


@pytest.mark.parametrize(
    "module", sorted(p.name for p in (ROOT / "benchmarks").glob("*.py"))
)
def test_benchmarks_use_no_private_name(module: str) -> None:
    source = (ROOT / "benchmarks" / module).read_text(encoding="utf-8")
    assert _private_uses(ast.parse(source)) == []


def test_the_private_name_check_finds_what_it_looks_for() -> None:
    source = (
        "from signedsession._codec import Codec\n"
        "from signedsession import _clock\n"
        "import signedsession._headers\n"
        "codec._macs\n"
    )
    assert _private_uses(ast.parse(source)) == [
        "signedsession._codec",
        "_clock",
        "signedsession._headers",
        "_macs",
    ]


def _bare_keys() -> set[str]:
    return {"wsgi", "flask", "pyramid", "django", "starlette"}


def test_asgi_ratio_times_both_middlewares(capsys: pytest.CaptureFixture[str]) -> None:
    from benchmarks import asgi_ratio

    assert asgi_ratio.main(["--rounds", "2", "--batch", "5"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[:2] for line in lines[1:]] == [
        ["Starlette", "SessionMiddleware"],
        ["signedsession", "ASGI"],
        ["stdlib", "floor"],
        ["ours", "/"],
        ["floor", "/"],
        ["ours", "/"],
    ]
    assert lines[-1].startswith("ours / floor")
    assert lines[0].split()[-3:] == ["read", "write", "untouched"]


def test_the_asgi_floor_verifies_what_it_signs() -> None:
    import asyncio

    from benchmarks.floor import FloorAsgiMiddleware
    from benchmarks.workloads import tamper

    seen: list[object] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        session = scope["session"]
        seen.append(session.get("n"))
        if scope["path"] == "/write":
            session["n"] = 7
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    middleware = FloorAsgiMiddleware(app, "floor-test-secret")

    def request(path: str, cookie: str | None) -> list[dict[str, Any]]:
        sent: list[dict[str, Any]] = []

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        headers = [(b"cookie", cookie.encode())] if cookie else []
        scope = {"type": "http", "path": path, "headers": headers}
        asyncio.run(middleware(scope, None, send))  # type: ignore[arg-type]
        return sent

    start = request("/write", None)[0]
    ((name, value),) = start["headers"]
    assert name == b"set-cookie"
    cookie = value.decode().split(";", 1)[0]
    assert request("/read", cookie)[0]["headers"] == []  # read only: no cookie
    name_, _, raw = cookie.partition("=")
    request("/read", f"{name_}={tamper(raw)}")
    assert seen == [None, 7, None]


def test_django_ratio_times_ours_beside_the_floor_engine() -> None:
    stdout = run_module("benchmarks.django_ratio", "--rounds", "1", "--requests", "5")
    lines = stdout.splitlines()
    assert [line.split(":")[0].strip() for line in lines] == ["read", "write"]
    for line in lines:
        for name in ("least store", "stdlib floor", "signedsession engine"):
            assert f"; {name} " in line


def test_the_django_floor_engine_verifies_what_it_signs() -> None:
    from benchmarks.django_floor import SessionStore
    from benchmarks.workloads import tamper

    store = SessionStore(None)
    store["user_id"] = 42
    store.save()
    assert store.session_key
    again = SessionStore(store.session_key)
    assert again.get("user_id") == 42 and not again.is_empty()
    forged = SessionStore(tamper(store.session_key))
    assert forged.get("user_id") is None and forged.is_empty()


def test_compression_times_every_compressor_on_every_session(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import base64
    import zlib

    from shared import SECRET

    from benchmarks import compression
    from benchmarks.workloads import SESSIONS
    from signedsession import SessionSettings, SessionStore
    from signedsession.inspection import COMPACT_DICTIONARY

    found = compression.compressors()
    raw = b'{"user_id":42,"csrf":"' + b"a1" * 40 + b'"}'
    for compress in found.values():  # each one's output is a real compression
        packed = compress(raw)
        assert len(packed) < len(raw)
    store_own = found["deflate 9/-13/6 + dict (store's)"]
    inflater = zlib.decompressobj(-15, zdict=COMPACT_DICTIONARY)
    assert inflater.decompress(store_own(raw)) == raw
    # ... and is what the store writes (the compact value's data field).
    store = SessionStore(settings=SessionSettings(secret_key=SECRET))
    store.update(json.loads(raw))
    store.save()
    assert store.session_key is not None and store.session_key[0] == "^"
    body = store.session_key[1:-22]  # the 22 last characters are the MAC
    blob = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    assert blob[24:] == store_own(raw)
    assert compression.main(["--number", "2", "--repeat", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 + len(SESSIONS) * len(found)
