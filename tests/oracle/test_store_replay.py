"""Corpus store, replay, export and the pytest plugin, on real files and builds."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tandem.oracle import store
from tandem.oracle.errors import CorpusError
from tandem.oracle.model import Kind, Side
from tandem.oracle.replay import junit_xml, replay

ROOT = Path(__file__).resolve().parents[2]
AGREE = "emit('total', sum(range(10)))\n"
DIVERGE = "import sys\nemit('debug', hasattr(sys, 'gettotalrefcount'))\n"


def test_add_is_atomic_idempotent_and_content_addressed(tmp_path):
    first = store.add_case(tmp_path, AGREE, tags=["b", "a"], description="sum")
    again = store.add_case(tmp_path, AGREE, tags=["a", "b"], description="sum")
    assert first.id == again.id == store.case_id(AGREE)
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{first.id}.json", f"{first.id}.py"]
    loaded = store.load_case(tmp_path / f"{first.id}.json")
    assert loaded.source == AGREE and loaded.tags == ("a", "b") and loaded.expect.kind is Kind.AGREE


def test_malformed_files_are_named_and_the_rest_still_replays(tmp_path, ft):
    good = store.add_case(tmp_path, AGREE)
    (tmp_path / "badjson.json").write_text("{not json")
    (tmp_path / "badjson.py").write_text("pass\n")
    (tmp_path / "nopy.json").write_text(json.dumps({"schema": 1, "expect": "agree"}))
    (tmp_path / "future.json").write_text(json.dumps({"schema": 99, "expect": "agree"}))
    (tmp_path / "future.py").write_text("pass\n")
    (tmp_path / "orphan.py").write_text("pass\n")
    results = {r.case_id: r for r in replay([tmp_path], [ft], ft)}
    assert results[good.id].status == "pass"
    assert results["badjson"].status == "error" and "badjson.json: not valid JSON" in results["badjson"].detail
    assert "nopy.json: its program nopy.py is missing" in results["nopy"].detail
    assert "schema version 99 is newer" in results["future"].detail
    # a program without metadata (a seed) replays as a plain program expected to agree
    assert results["orphan"].status == "pass" and results["orphan"].expected == "agree"


def test_wrong_expectation_fails_with_a_readable_diff(tmp_path, ft_debug, ft):
    store.add_case(tmp_path, DIVERGE)  # expects agree; debug and release builds differ
    (result,) = replay([tmp_path], [ft_debug], ft)
    assert result.status == "fail" and result.observed == "result_divergence (target) 1/1"
    assert "result 'debug'" in result.detail and "ft-debug: True" in result.detail
    xml = junit_xml([result])
    assert 'failures="1"' in xml and "result_divergence" in xml


def test_finding_expectation_and_known_failures(tmp_path, ft_debug, ft):
    store.add_case(tmp_path, DIVERGE, expect=store.Expectation(Kind.RESULT_DIVERGENCE, Side.TARGET))
    known = store.add_case(
        tmp_path / "k",
        DIVERGE + "# known\n",
        known_failures=[store.KnownFailure(Kind.RESULT_DIVERGENCE, ("3.13", "3.14"), True, "debug flag")],
    )
    (found,) = replay([tmp_path / f"{store.case_id(DIVERGE)}.json"], [ft_debug], ft)
    assert found.status == "pass"
    (flagged,) = replay([known.path], [ft_debug], ft)
    assert flagged.status == "known" and flagged.detail == "debug flag"


def test_known_failure_can_name_a_sanitizer_build(tmp_path):
    tsan_only = store.KnownFailure(Kind.DATA_RACE, ("3.13",), True, "race", sanitizer="thread")
    assert tsan_only.matches("3.13.15", True, False, "thread")
    assert not tsan_only.matches("3.13.15", True, True, "") and not tsan_only.matches("3.13.15", True, False, "address")
    plain_only = store.KnownFailure(Kind.CRASH, ("3.13",), True, sanitizer="none")
    assert plain_only.matches("3.13.15", True, True, "") and not plain_only.matches("3.13.15", True, False, "thread")
    assert store.KnownFailure(Kind.CRASH, ("3.13",)).matches("3.13.15", True, False, "address")  # None: any build
    case = store.add_case(tmp_path, "emit('x', 1)\n", known_failures=[tsan_only])
    assert store.load_case(case.path).known_failures == (tsan_only,)
    assert '"sanitizer": "thread"' in case.path.read_text()
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "c.py").write_text("pass\n")
    (bad / "c.json").write_text(
        '{"schema": 1, "known_failures": [{"kind": "crash", "versions": ["3.13"], "sanitizer": "tsan"}]}'
    )
    with pytest.raises(CorpusError, match="sanitizer 'tsan'"):
        store.load_case(bad / "c.json")


def test_reproducer_of_a_sanitizer_finding_sets_its_environment():
    import ast

    from tandem.oracle.sanitizers import StandaloneRun

    run = StandaloneRun("thread", (("TSAN_OPTIONS", "halt_on_error=0:exitcode=0"),), "/s/supp.txt", "/b/python3.13t")
    for text in (
        store.reproducer("emit('x', 1)\n", "case", "r.py", run),
        store.export_standalone("emit('x', 1)\n", "case", "r.py", run),
    ):
        ast.parse(text)
        assert "#   TSAN_OPTIONS=halt_on_error=0:exitcode=0:suppressions=/s/supp.txt /b/python3.13t r.py" in text
        assert "'--with-thread-sanitizer' in" in text and "_os.execve(" in text
    assert "TSAN_OPTIONS" not in store.reproducer("emit('x', 1)\n", "case", "r.py")


def test_standalone_export_runs_on_a_bare_interpreter(tmp_path, ft):
    source = "emit('x', 6 * 7)\ncheck(False, 'fails on purpose', detail=1)\n"
    exported = tmp_path / "repro.py"
    exported.write_text(store.export_standalone(source, "header line"))
    proc = subprocess.run(
        [ft.path, str(exported)], capture_output=True, text=True, cwd=tmp_path, env={"PATH": os.environ["PATH"]}
    )
    assert proc.returncode == 0
    assert '[tandem] {"t": "emit", "k": "x", "v": "42"}' in proc.stderr
    assert '"label": "fails on purpose"' in proc.stderr
    assert exported.read_text().startswith("#!/usr/bin/env python3\n# header line\n")


def test_declared_environment_reaches_every_way_a_program_runs(tmp_path, ft):
    from tandem.oracle.executor import ForkServer, run
    from tandem.oracle.model import Case, Limits, declared_env
    from tandem.oracle.normalize import observe

    source = (
        "# a reproducer\n# tandem-env: PYTHONTANDEMDEMO=on\n# tandem-env: LD_PRELOAD=/x.so\n\n"
        "import os\nemit('demo', os.environ.get('PYTHONTANDEMDEMO'))\nemit('preload', 'LD_PRELOAD' in os.environ)\n"
        "# tandem-env: PYTHONLATE=1\n"
    )
    assert declared_env(source) == (("PYTHONTANDEMDEMO", "on"),)  # leading comments only, allowed names only
    expected = (("demo", ("'on'",)), ("preload", ("False",)))
    assert observe(run(Case(source), ft, Limits(deadline=30.0))).results == expected
    server = ForkServer(ft)
    try:  # a fork server cannot give start-up environment: it runs such a case fresh
        assert observe(server.run(Case(source), Limits(deadline=30.0), False)).results == expected
    finally:
        server.close()
    exported = tmp_path / "repro.py"
    exported.write_text(store.export_standalone(source, "header"))
    assert exported.read_text().startswith("#!/usr/bin/env python3\n# tandem-env: PYTHONTANDEMDEMO=on\n")
    proc = subprocess.run(
        [ft.path, str(exported)], capture_output=True, text=True, cwd=tmp_path, env={"PATH": os.environ["PATH"]}
    )
    assert proc.returncode == 0 and '"k": "demo", "v": "\'on\'"' in proc.stderr, proc.stderr


def test_cli_round_trip(tmp_path):
    tandem = str(Path(sys.executable).with_name("tandem"))
    program = tmp_path / "p.py"
    program.write_text(AGREE)
    corpus = tmp_path / "corpus"
    added = subprocess.run(
        [tandem, "corpus", "add", str(program), "--to", str(corpus), "--tag", "demo", "--description", "a sum"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert added.returncode == 0, added.stderr
    listed = subprocess.run([tandem, "corpus", "list", str(corpus), "--json"], capture_output=True, text=True)
    (entry,) = json.loads(listed.stdout)
    assert entry["tags"] == ["demo"] and entry["description"] == "a sum"
    junit = tmp_path / "out.xml"
    replayed = subprocess.run(
        [tandem, "replay", str(corpus), "--target", "ft", "--oracle", "ft", "--junit", str(junit)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr
    assert 'tests="1" failures="0" errors="0"' in junit.read_text()
    (corpus / "broken.json").write_text("[]")
    (corpus / "broken.py").write_text("pass\n")
    again = subprocess.run(
        [tandem, "replay", str(corpus), "--target", "ft", "--oracle", "ft"], capture_output=True, text=True, cwd=ROOT
    )
    assert again.returncode == 1 and "broken.json: the metadata must be a JSON object" in again.stdout


def test_pytest_plugin_makes_cases_items(tmp_path):
    store.add_case(tmp_path / "c", AGREE, tags=["demo"])
    store.add_case(tmp_path / "c", DIVERGE, tags=["other"])
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(tmp_path),
            "--tandem-corpus",
            str(tmp_path / "c"),
            "-k",
            "demo",
            "-q",
            str(tmp_path / "c"),
            "--junitxml",
            str(tmp_path / "j.xml"),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stdout[-2000:]
    assert "1 passed, 1 deselected" in proc.stdout
    failing = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(tmp_path),
            "--tandem-corpus",
            str(tmp_path / "c"),
            "-q",
            str(tmp_path / "c"),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert failing.returncode == 1 and "expected agree, got result_divergence" in failing.stdout
