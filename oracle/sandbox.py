"""Process containment for one run: every process it starts is found and killed after it.

Two mechanisms, the stronger first:
  - a pids cgroup (v1 `/sys/fs/cgroup/pids` or a v2 hierarchy with the pids controller)
    when this user may create one: the run's processes join it, `pids.max` caps a fork
    bomb, and everything listed in it is killed at the end, including descendants that
    called setsid() to leave the process group;
  - otherwise, a marker in the environment (TANDEM_RUN=<id>, always set): after the
    run, every process whose environment carries the marker is killed (a scan of /proc,
    which the cgroup makes unnecessary: it is the costlier way).
Neither is a security boundary: a program can clear its environment, and the cgroup is
used only where the machine allows it without further privileges.

A fresh run is moved into its cgroup by the host while its interpreter starts, and the
harness holds the program back until the move is done (TANDEM_CGROUP_GATE, see
_child._await_cgroup), so the wait below overlaps start-up instead of adding to it.
A fork server (oracle/executor.ForkServer) has one cgroup for its whole life and lives
in it: the children it forks are born there, so a run costs no migration.  Moving a
process into a cgroup waits for an RCU grace period once the cgroup lock has been idle
(10-20 ms on the machines measured, most of a short run's set-up).  Such a run's Box
shares the server's cgroup, kills everything in it but the server, and leaves it.

A run's cgroup is named `<owner pid>-<random>` (hex).  If tandem itself is killed
(SIGKILL, a crash of the host) its runs' cgroups outlive it; the next tandem process
that sets up containment kills whatever is left in the cgroups of owners that no
longer exist and removes them (`sweep_stale`).
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
import uuid
from pathlib import Path

MARKER = "TANDEM_RUN"
CGROUP_ROOTS = (Path("/sys/fs/cgroup/pids"), Path("/sys/fs/cgroup/unified"), Path("/sys/fs/cgroup"))


def _cgroup_parent() -> Path | None:
    for root in CGROUP_ROOTS:
        controllers = root / "cgroup.controllers"
        is_v1_pids = root.name == "pids" and (root / "tasks").exists()
        is_v2 = controllers.exists() and "pids" in controllers.read_text().split()
        if not (is_v1_pids or is_v2) or not os.access(root, os.W_OK):
            continue
        parent = root / "tandem"
        try:
            parent.mkdir(exist_ok=True)
            if is_v2 and (root / "cgroup.subtree_control").exists():
                with contextlib.suppress(OSError):
                    (root / "cgroup.subtree_control").write_text("+pids")
            sweep_stale(parent)
            return parent
        except OSError:
            continue
    return None


def _owner_alive(name: str) -> bool:
    try:
        owner = int(name.split("-", 1)[0], 16)
    except ValueError:
        return False  # not ours to keep: only removed below if nothing runs in it
    try:
        os.kill(owner, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_stale(parent: Path) -> int:
    """Kill the processes left in run cgroups whose tandem process is gone and remove
    those cgroups; returns how many cgroups were removed."""
    removed = 0
    try:
        entries = [e for e in parent.iterdir() if e.is_dir()]
    except OSError:
        return 0
    for entry in entries:
        if "-" in entry.name and _owner_alive(entry.name):
            continue
        procs = entry / "cgroup.procs"
        for _ in range(50):
            try:
                pids = [int(p) for p in procs.read_text().split()]
            except (OSError, ValueError):
                pids = []
            if not pids or "-" not in entry.name:
                break  # an old-style name: removed only when empty, never killed into
            for pid in pids:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.01)
        try:
            entry.rmdir()
            removed += 1
        except OSError:
            pass
    return removed


_PARENT: Path | bool | None = False


def cgroup_parent() -> Path | None:
    global _PARENT
    if _PARENT is False:
        _PARENT = _cgroup_parent()
    return _PARENT  # type: ignore[return-value]


class Box:
    """The containment of one run.  With `home` (the Box of a fork server that has
    `adopt`ed the server), the run shares that cgroup: its processes are born there,
    the server is never killed with them, and the cgroup stays for the next run."""

    def __init__(self, max_processes: int = 0, home: Box | None = None):
        self.id = f"{os.getpid():x}-{uuid.uuid4().hex[:12]}"  # owner first: see sweep_stale
        self.cgroup: Path | None = None
        self.keep: set[int] = set()  # processes in the cgroup that are not the run's
        self._owned = home is None
        self._pids_max = 0
        parent = cgroup_parent()
        if home is not None:
            self.cgroup, self.keep = home.cgroup, home.keep
            if home.cgroup is not None:  # the server counts too; no limit is "max"
                home._set_pids_max(max_processes + len(home.keep) if max_processes > 0 else 0)
        elif parent is not None:
            try:
                directory = parent / self.id
                directory.mkdir()
                if max_processes > 0 and (directory / "pids.max").exists():
                    (directory / "pids.max").write_text(str(max_processes))
                self.cgroup = directory
            except OSError:
                self.cgroup = None

    def _set_pids_max(self, value: int) -> None:
        """Set pids.max (0: no limit) unless it already has that value."""
        if value != self._pids_max and self.cgroup is not None and (self.cgroup / "pids.max").exists():
            try:
                (self.cgroup / "pids.max").write_text(str(value) if value > 0 else "max")
                self._pids_max = value
            except OSError:
                pass

    def admit(self, pid: int) -> bool:
        """Move one of the run's processes into the cgroup from outside (the host does it
        while the interpreter starts, see executor.run); False if it could not be."""
        if self.cgroup is None:
            return False
        try:
            (self.cgroup / "cgroup.procs").write_text(str(pid))
            return True
        except OSError:
            return False

    def adopt(self, pid: int) -> None:
        """Move a process that is not the run's (a fork server) into this cgroup, from
        outside; it is spared by kill_all until close()."""
        if self.admit(pid):
            self.keep.add(pid)

    @property
    def env(self) -> dict[str, str]:
        return {MARKER: self.id}

    def join(self) -> None:
        """Called in the child before exec: move this process into the cgroup."""
        self.admit(os.getpid())

    def _cgroup_pids(self) -> list[int]:
        if self.cgroup is None:
            return []
        try:
            return [int(p) for p in (self.cgroup / "cgroup.procs").read_text().split()]
        except (OSError, ValueError):
            return []

    def _marked_pids(self) -> list[int]:
        """Processes whose environment carries this run's marker: a scan of /proc, kept
        cheap (plain paths; it costs milliseconds per thousand processes)."""
        needle = f"{MARKER}={self.id}".encode()
        found = []
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            try:
                with open(f"/proc/{name}/environ", "rb") as handle:
                    if needle in handle.read().split(b"\0"):
                        found.append(int(name))
            except OSError:
                continue
        return found

    def _pids(self) -> set[int]:
        # In a cgroup every descendant is listed, whatever session it moved to; the
        # /proc scan for the marker is the fallback where there is no cgroup.
        return set(self._cgroup_pids()) if self.cgroup is not None else set(self._marked_pids())

    def kill_all(self) -> int:
        """Kill every process of the run; returns how many were still alive."""
        killed = 0
        for _ in range(50):
            pids = self._pids() - self.keep
            pids.discard(os.getpid())
            if not pids:
                break
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                    killed += 1
                except (ProcessLookupError, PermissionError):
                    pass
            time.sleep(0.01)
        return killed

    def close(self) -> None:
        """Kill the run's processes; remove the cgroup if it is this Box's own.  On a
        fork server's Box this kills the server too."""
        if self._owned:
            self.keep.clear()
        self.kill_all()
        if self.cgroup is not None and self._owned:
            for _ in range(100):
                try:
                    self.cgroup.rmdir()
                    break
                except OSError:  # processes still exiting
                    time.sleep(0.01)
