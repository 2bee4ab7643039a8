"""`tandem fuzz`: a real (short) campaign, its directory, resume, and findings on disk."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tandem.fuzz import mutate
from tandem.fuzz.campaign import Campaign, CampaignConfig
from tandem.fuzz.family import FAMILIES, build
from tandem.fuzz.render import render
from tandem.fuzz.scenario import Capabilities, Scenario
from tandem.oracle import store
from tandem.oracle.errors import TandemError
from tandem.oracle.model import Limits
from tandem.oracle.signature import signature, signature_id

ROOT = Path(__file__).resolve().parents[2]
TANDEM = str(Path(sys.executable).with_name("tandem"))


def _campaign(out, target, oracle, runs=6, **overrides):
    config = CampaignConfig(
        out=out,
        target=target,
        oracle=oracle,
        families=("init_race", "shared_containers"),
        jobs=2,
        runs=runs,
        limits=Limits(deadline=60.0),
        **overrides,
    )
    return Campaign(config, signature, signature_id)


def test_campaign_writes_its_directory_and_resumes(tmp_path, ft):
    out = tmp_path / "campaign"
    state = _campaign(out, ft, ft).run()
    assert state.runs == 6 and state.verdicts["agree"] == 6
    assert sum(state.per_family.values()) == 6 and set(state.per_family) <= {"init_race", "shared_containers"}
    assert json.loads((out / "campaign.json").read_text())["target"] == "ft"
    records = [json.loads(line) for line in (out / "stats.jsonl").read_text().splitlines()]
    assert records[-1]["runs"] == 6 and records[-1]["coverage"] > 0
    assert any((out / "queue").iterdir()), "new outcomes are kept for mutation"
    with pytest.raises(TandemError, match="already holds a campaign"):
        _campaign(out, ft, ft)
    resumed = _campaign(out, ft, ft, resume=True)
    assert resumed.state.runs == 6
    resumed.config = resumed.config.__class__(**{**resumed.config.__dict__, "runs": 10})
    state = resumed.run()
    assert state.runs == 10  # continued from seed 6, not from the beginning
    again = _campaign(out, ft, ft, runs=10, resume=True).run()
    assert again.runs == 10  # --resume: the budget is the campaign's total, already spent
    extended = _campaign(out, ft, ft, runs=3, resume=True, extend=True).run()
    assert extended.runs == 13  # --extend: three more (a nightly session)


def test_findings_are_confirmed_deduplicated_and_replayable(tmp_path, ft_debug, ft, monkeypatch):
    # A family whose programs diverge between debug and release stands in for a bug.
    from tandem.fuzz.campaign import work

    monkeypatch.setattr(
        work,
        "render",
        lambda scenario: f"import sys\nemit('debug', hasattr(sys, 'gettotalrefcount'))\n# {scenario.seed}\n",
    )
    out = tmp_path / "campaign"
    state = _campaign(out, ft_debug, ft, confirm=2).run()
    assert state.findings == {"result_divergence": 1}  # six hits, one bucket
    (bucket_dir,) = (out / "findings").iterdir()
    bucket = json.loads((bucket_dir / "bucket.json").read_text())
    assert bucket["count"] == 6 and bucket["reproduction_rate"] == 1.0 and bucket["status"] == "confirmed"
    # each sighting re-ran until it showed again (once): runs and hits add up over the six
    assert (bucket["runs"], bucket["hits"]) == (12, 12)
    assert bucket["signature"] == "result_divergence|target|result 'debug'"
    case = store.load_case(bucket_dir / f"{bucket['smallest']}.json")
    assert case.expect.kind.value == "result_divergence"
    replayed = subprocess.run([TANDEM, "replay", str(bucket_dir)], capture_output=True, text=True, cwd=ROOT)
    assert replayed.returncode == 0, replayed.stdout


def test_mutations_keep_programs_valid(ft):
    caps = Capabilities.of(ft)
    import random

    from tandem.oracle.executor import run
    from tandem.oracle.model import Case
    from tandem.oracle.normalize import observe

    rng = random.Random(7)
    pool = [
        build(family, seed, caps) for family in ("init_race", "shared_containers", "type_mutation") for seed in range(3)
    ]
    for _round in range(6):
        parent, other = rng.choice(pool), rng.choice(pool)
        child = mutate.mutate(parent, rng, other)
        assert Scenario.loads(child.dumps()) == child
        assert any(n.startswith("mutated:") for n in child.notes)
        observation = observe(run(Case(render(child)), ft, Limits(deadline=60.0)))
        assert observation.finished and not observation.violations and not observation.thread_exceptions, (
            child.notes,
            observation.violations,
            observation.thread_exceptions,
        )


def test_sigkill_loses_nothing_and_resume_continues(tmp_path):
    out = tmp_path / "campaign"
    command = [
        TANDEM,
        "fuzz",
        "--out",
        str(out),
        "--time",
        "10m",
        "--target",
        "ft",
        "--oracle",
        "ft",
        "--families",
        "hierarchy",
        "--jobs",
        "2",
    ]
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (out / "state.json").exists():
        time.sleep(0.5)
    time.sleep(1.0)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    state = json.loads((out / "state.json").read_text())  # complete JSON: written atomically
    assert state["runs"] >= 1
    resumed = subprocess.run(
        [
            TANDEM,
            "fuzz",
            "--out",
            str(out),
            "--runs",
            "2",
            "--resume",
            "--target",
            "ft",
            "--oracle",
            "ft",
            "--families",
            "hierarchy",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    after = json.loads((out / "state.json").read_text())
    assert after["runs"] >= state["runs"]


def test_fuzz_command_errors(tmp_path):
    bad = subprocess.run(
        [TANDEM, "fuzz", "--out", str(tmp_path / "x"), "--runs", "1", "--families", "nope"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert bad.returncode == 2 and "unknown family nope" in bad.stderr
    nothing = subprocess.run(
        [TANDEM, "fuzz", "--out", str(tmp_path / "y"), "--runs", "1", "--resume"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert nothing.returncode == 2 and "nothing to resume" in nothing.stderr


def test_every_family_is_reachable_from_the_campaign():
    assert set(CampaignConfig.__dataclass_fields__["families"].default) == set(FAMILIES)


def test_a_divergence_no_rerun_shows_is_an_unconfirmed_bucket_not_lost(tmp_path, ft, monkeypatch):
    """A divergence seen once (here: the first forked run of each case) that no re-run
    shows again, fresh or forked, is an unconfirmed bucket in unconfirmed/<id>/, counted,
    not a finding in findings/ (and not dropped)."""
    from tandem.fuzz.campaign import work

    campaign = _campaign(tmp_path / "c", ft, ft, runs=2, confirm=2)
    real_judge = work._judge
    seen = tmp_path / "seen"  # a file per case: the executors are processes of their own
    seen.mkdir()

    def judge(case, setup, servers, teardown, limits=None):
        verdict = real_judge(case, setup, servers, teardown, limits)
        mark = seen / store.case_id(case.source)
        if servers is not None and not mark.exists():  # pretend the first forked run diverged
            mark.touch()
            from tandem.oracle.model import Difference, Kind, Side

            return dataclasses.replace(
                verdict,
                kind=Kind.RESULT_DIVERGENCE,
                side=Side.TARGET,
                differences=(Difference("result 'x'", "1", "2"),),
            )
        return verdict

    monkeypatch.setattr(work, "_judge", judge)  # the local pool's executors are forked: they see it
    state = campaign.run()
    assert state.unconfirmed == 2 and not state.findings
    assert state.confirmations == 2 * 4  # two re-runs fresh, then two on the fork servers, per case
    (bucket_dir,) = (tmp_path / "c" / "unconfirmed").iterdir()
    bucket = json.loads((bucket_dir / "bucket.json").read_text())
    assert bucket["status"] == "unconfirmed" and bucket["count"] == 2 and (bucket["runs"], bucket["hits"]) == (10, 2)
    assert not any((tmp_path / "c" / "findings").iterdir())
    assert campaign.stats_record()["unconfirmed_buckets"] == 1


def test_runs_without_teardown_still_find_what_happens_after_the_program(tmp_path):
    """--teardown-share 0: every forked run skips the interpreter's teardown, yet a crash
    in an atexit callback (which the skipped path still runs) is found, confirmed in
    fresh processes and kept; the runs are counted."""
    programs = tmp_path / "programs"
    programs.mkdir()
    (programs / "atexit_abort.py").write_text(
        "import atexit, os, sys\nif hasattr(sys, 'gettotalrefcount'):\n    atexit.register(os.abort)\n"
    )
    out = tmp_path / "campaign"
    done = subprocess.run(
        [
            TANDEM,
            "fuzz",
            "--out",
            str(out),
            "--runs",
            "4",
            "--jobs",
            "2",
            "--target",
            "ft-debug",
            "--oracle",
            "ft",
            "--programs",
            str(programs),
            "--programs-share",
            "1",
            "--teardown-share",
            "0",
            "--confirm",
            "2",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 1, done.stderr[-2000:]
    assert "4 without teardown" in done.stdout
    state = json.loads((out / "state.json").read_text())
    assert state["without_teardown"] == 4 and state["program_verdicts"] == {"atexit_abort.py": {"crash": 4}}
    assert state["unconfirmed"] == 0
    (bucket_dir,) = (out / "findings").iterdir()
    bucket = json.loads((bucket_dir / "bucket.json").read_text())
    assert bucket["kind"] == "crash" and bucket["count"] == 4 and bucket["reproduction_rate"] == 1.0
    assert json.loads((out / "stats.jsonl").read_text().splitlines()[-1])["without_teardown"] == 4
    refused = subprocess.run(
        [TANDEM, "fuzz", "--out", str(tmp_path / "c2"), "--runs", "1", "--teardown-share", "2"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert refused.returncode == 2 and "--teardown-share 2.0: give a fraction between 0 and 1" in refused.stderr
    assert not (tmp_path / "c2").exists()


def test_programs_are_mixed_into_the_campaign_and_their_findings_kept(tmp_path, ft_debug, ft):
    programs = tmp_path / "programs"
    (programs / "sub").mkdir(parents=True)
    (programs / "fine.py").write_text("emit('x', sum(range(10)))\n")
    # Misbehaves on the debug target only: a finding with a known side.
    (programs / "sub" / "aborts.py").write_text(
        "import os, sys\nif hasattr(sys, 'gettotalrefcount'):\n    os.abort()\n"
    )
    out = tmp_path / "campaign"
    done = subprocess.run(
        [
            TANDEM,
            "fuzz",
            "--out",
            str(out),
            "--runs",
            "8",
            "--jobs",
            "2",
            "--target",
            "ft-debug",
            "--oracle",
            "ft",
            "--families",
            "hierarchy",
            "--programs",
            str(programs),
            "--programs-share",
            "1",
            "--confirm",
            "2",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 1, done.stderr[-2000:]  # 1: findings
    state = json.loads((out / "state.json").read_text())
    assert state["per_family"] == {"programs": 8} and state["programs_run"] == 8
    assert state["program_verdicts"] == {"fine.py": {"agree": 4}, "sub/aborts.py": {"crash": 4}}
    (bucket_dir,) = (out / "findings").iterdir()
    bucket = json.loads((bucket_dir / "bucket.json").read_text())
    assert bucket["kind"] == "crash" and bucket["family"] == "programs" and bucket["count"] == 4
    case = store.load_case(bucket_dir / f"{bucket['smallest']}.json")
    assert "os.abort()" in case.source and "sub/aborts.py" in case.origin
    assert not list((out / "queue").iterdir()), "programs have no scenario to mutate"
    empty = tmp_path / "empty"
    empty.mkdir()
    refused = subprocess.run(
        [TANDEM, "fuzz", "--out", str(tmp_path / "c2"), "--runs", "1", "--programs", str(empty)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert refused.returncode == 2 and "no .py files" in refused.stderr
    assert not (tmp_path / "c2").exists()


def test_ctrl_c_stops_cleanly_and_prints_the_summary(tmp_path):
    out = tmp_path / "campaign"
    process = subprocess.Popen(
        [
            TANDEM,
            "fuzz",
            "--out",
            str(out),
            "--time",
            "10m",
            "--jobs",
            "2",
            "--target",
            "ft",
            "--oracle",
            "ft",
            "--families",
            "hierarchy",
            "--timeout",
            "30",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # wait until it has done some work
        state = out / "state.json"
        if state.exists() and json.loads(state.read_text())["runs"] >= 2:
            break
        time.sleep(0.5)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=90)  # runs in flight finish, then it stops
    assert process.returncode in (0, 1), stderr[-2000:]
    assert "Traceback" not in stderr
    assert "runs" in stdout and "verdicts" in stdout  # the summary table
    state = json.loads((out / "state.json").read_text())
    assert state["runs"] >= 2 and state["elapsed"] < 600
