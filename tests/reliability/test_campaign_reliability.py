"""The campaign itself: killed at random moments, out of disk, bad configuration."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tandem.oracle import store

ROOT = Path(__file__).resolve().parents[2]
TANDEM = str(Path(sys.executable).with_name("tandem"))


def _divergent_campaign_env(tmp_path: Path, distinct: bool = False) -> dict:
    """A sitecustomize that makes every generated program diverge between debug and
    release builds: findings at every run, to have something to lose (with `distinct`,
    each under its own result key: a new bucket every run)."""
    hook = tmp_path / "hook"
    hook.mkdir(exist_ok=True)
    key = "d%d" if distinct else "d"
    (hook / "sitecustomize.py").write_text(
        "import tandem.fuzz.campaign.work as c\n"
        "c.render = lambda s: ('import sys\\nemit(\""
        + key
        + '", hasattr(sys, "gettotalrefcount"))\\n\''
        + (" % s.seed" if distinct else "")
        + ")\n"
    )
    return dict(os.environ, PYTHONPATH=f"{hook}:{ROOT}")


def test_sigkill_at_random_moments_loses_nothing(tmp_path):
    out = tmp_path / "campaign"
    env = _divergent_campaign_env(tmp_path)
    rng = random.Random(4)
    seen_findings = set()
    for _round in range(3):
        command = [TANDEM, "fuzz", "--out", str(out), "--time", "10m", "--families", "hierarchy", "--confirm", "1"]
        if (out / "campaign.json").exists():
            command.append("--resume")
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        time.sleep(rng.uniform(3.0, 7.0))
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        # Everything on disk is complete: every case loads, every bucket parses.
        for bucket in (out / "findings").glob("*/bucket.json"):
            json.loads(bucket.read_text())
        cases = list(store.iter_cases([out / "findings"]))
        assert all(isinstance(c, store.CorpusCase) for c in cases), cases
        now = {c.id for c in cases}
        assert seen_findings <= now | {b for b in seen_findings if not (out / "findings").exists()}
        seen_findings |= now
        if (out / "state.json").exists():
            json.loads((out / "state.json").read_text())
    resumed = subprocess.run(
        [TANDEM, "fuzz", "--out", str(out), "--runs", "1", "--resume", "--families", "hierarchy", "--confirm", "1"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert resumed.returncode in (0, 1), resumed.stderr[-2000:]
    assert seen_findings, "the campaign found the injected divergence before being killed"


def test_disk_full_is_a_clear_error_and_leaves_no_partial_file(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    mount = tmp_path / "small"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=96k", "tmpfs", str(mount)]).returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        env = _divergent_campaign_env(tmp_path, distinct=True)
        proc = subprocess.run(
            [
                TANDEM,
                "fuzz",
                "--out",
                str(mount / "c"),
                "--runs",
                "400",
                "--families",
                "hierarchy",
                "--confirm",
                "1",
                "--jobs",
                "2",
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert proc.returncode == 2, (proc.returncode, proc.stderr[-1500:])
        assert "No space left on device" in proc.stderr
        leftovers = [p for p in mount.rglob("*") if p.name.startswith(".") and p.name.endswith(".tmp")]
        assert not leftovers, leftovers
        for case in store.iter_cases([mount / "c" / "findings"]):
            assert isinstance(case, store.CorpusCase), case  # whatever was written is whole
    finally:
        subprocess.run(["umount", str(mount)])


@pytest.mark.parametrize(
    "setup, message",
    [
        ("tandem.toml:[interpreters\n", "malformed TOML"),
        ("tandem.toml:[interpreters]\nbad = '/nonexistent/python'\n[defaults]\ntarget = 'bad'\n", "does not exist"),
        ("fake:#!/bin/sh\necho not python\n", "is not a Python interpreter"),
        ("fake:#!/bin/sh\nkill -SEGV $$\n", "crashed at start-up"),
    ],
)
def test_bad_configuration_exits_2_and_writes_nothing(tmp_path, setup, message):
    name, _, text = setup.partition(":")
    (tmp_path / name).write_text(text)
    program = tmp_path / "p.py"
    program.write_text("emit('x', 1)\n")
    args = [TANDEM, "fuzz", "--out", str(tmp_path / "out"), "--runs", "1"]
    if name == "fake":
        (tmp_path / name).chmod(0o755)
        args += ["--target", str(tmp_path / name), "--oracle", "ft"]
    proc = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 2 and message in proc.stderr, proc.stderr
    assert not (tmp_path / "out").exists()
    run = subprocess.run(
        [TANDEM, "run", str(program)] + (args[-4:] if name == "fake" else []),
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 2 and message in run.stderr
