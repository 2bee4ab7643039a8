"""The out-of-process view (oracle/outside.py) on real builds: a run paused inside an
__init__ called from a warm call site, read from outside and compared with its own view."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tandem.oracle import executor, outside
from tandem.oracle.model import Case, Limits

# Warm call site: build() instantiates Widget 5000 times, then one call pauses inside
# __init__ (the program's comments say why its flag is a global).
WARM_INIT_PATH = Path(__file__).resolve().parents[1] / "programs" / "outside" / "warm_init.py"
WARM_INIT = WARM_INIT_PATH.read_text()

LIMITS = Limits(deadline=60.0)


def _only(result):
    assert result.raw.returncode == 0, result.raw.stderr.text()
    assert [r["v"] for r in result.raw.records if r.get("k") == "after"] == ["'resumed'"]
    (inspection,) = result.inspections
    return inspection


def test_paused_init_outside_view_names_the_same_functions(ft_debug):
    result = outside.run(Case(WARM_INIT), ft_debug, LIMITS)
    inspection = _only(result)
    assert inspection.interface == "_testexternalinspection"
    assert inspection.own[:4] == ("pause_for_inspection", "__init__", "build", "<module>")
    assert inspection.outside == inspection.own
    assert inspection.finding == "" and result.findings == ()


def test_init_shim_frame_is_a_disagreement_where_the_call_specializes(gil):
    # 3.13's CALL_ALLOC_AND_ENTER_INIT pushes a shim frame (code `_Py_InitCleanup`,
    # named "__init__") that the debug offsets give no way to tell apart: the outside
    # view has one "__init__" more than the program's own.  (3.13t does not specialize.)
    inspection = _only(outside.run(Case(WARM_INIT), gil, LIMITS))
    assert inspection.outside is not None
    assert inspection.outside.count("__init__") == inspection.own.count("__init__") + 1
    assert inspection.outside[:3] == ("pause_for_inspection", "__init__", "__init__")
    assert "!= own view" in inspection.finding


def test_pause_with_another_thread_alive_is_not_compared(ft_debug):
    source = textwrap.dedent("""
        import threading
        done = threading.Event()
        helper = threading.Thread(target=done.wait)
        helper.start()
        def here():
            pause_for_inspection("two threads")
        here()
        done.set()
        helper.join()
    """)
    (inspection,) = outside.run(Case(source), ft_debug, LIMITS).inspections
    # 3.13's reader sees the newest thread (the helper, waiting), not the paused one.
    assert not inspection.comparable
    assert inspection.outside is not None and "here" not in inspection.outside
    assert inspection.finding == ""


def test_pause_without_a_host_goes_on(ft_debug):
    raw = executor.run(Case('emit("paused", pause_for_inspection("nobody looks"))'), ft_debug, LIMITS)
    assert raw.returncode == 0
    assert [r["v"] for r in raw.records if r.get("k") == "paused"] == ["False"]


def test_reading_a_process_that_has_exited_says_no_memory_map(ft_debug):
    # The obstacle met by an earlier probe: a run paused on Event().wait() is judged a
    # deadlock by the executor's stall watch and killed; read afterwards, the 3.13
    # module overwrites the OSError of /proc/PID/maps with this message.
    gone = subprocess.run([ft_debug.path, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = int(gone.stdout)
    interface, frames, error = outside.read_stack(ft_debug.path, pid, pid)
    assert interface == "_testexternalinspection" and frames is None
    assert "No memory map associated with python or libpython found" in error


def test_which_builds_have_an_interface(ft_debug, host):
    assert outside.interface_of(ft_debug) == "_testexternalinspection"
    assert outside.interface_of(host) == ""  # the venv's 3.11: neither module
    interface, frames, error = outside.read_stack(host.path, 1, 1)
    assert (interface, frames) == ("", None) and "no out-of-process inspection module" in error


@pytest.mark.parametrize(
    "name, plausible",
    [
        ("__init__", True),
        ("<module>", True),
        ("<genexpr>", True),
        ("f", True),
        ("", False),
        ("\x00\x13", False),
        ("a b", False),
        ("1x", False),
        (None, False),
    ],
)
def test_plausible_frame_names(name, plausible):
    assert outside._plausible_name(name) is plausible


def test_tandem_run_outside_view_end_to_end():
    """The CLI: judged as usual, then read from outside; ft-debug agrees, gil's shim
    frame is a finding (exit 1)."""
    tandem = str(Path(sys.executable).with_name("tandem"))
    program = str(WARM_INIT_PATH)
    agree = subprocess.run(
        [tandem, "run", "--target", "ft-debug", "--oracle", "ft", "--outside-view", "--json", program],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert agree.returncode == 0, agree.stdout + agree.stderr
    (report,) = json.loads(agree.stdout)["runs"]
    assert report["outside_findings"] == []
    (inspection,) = report["outside"]
    assert inspection["outside"] == inspection["own"] and "__init__" in inspection["own"]
    shim = subprocess.run(
        [tandem, "run", "--target", "gil", "--oracle", "ft", "--outside-view", program],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert shim.returncode == 1, shim.stdout + shim.stderr
    assert "verdict: agree" in shim.stdout
    assert "outside: pause_for_inspection <- __init__ <- __init__ <- build" in shim.stdout
